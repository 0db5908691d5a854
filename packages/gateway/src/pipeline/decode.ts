/**
 * Stage: decode. Parses the body (depth-limited) and validates it against the route's protocol,
 * so every later stage reads a well-formed body and bad input gets a field-naming 400 in the
 * caller's protocol (a model name with a control character included). The canonical form is built
 * later, only when a target needs translation.
 */
import {
  embeddingsIngressCodecs,
  ingressCodecs,
  isEmbeddingsProtocol,
  isGenerationProtocol,
} from "../protocol/protocols.js";
import { isObject } from "../protocol/shared/validation.js";
import { refuseControlCharacters } from "./control-characters.js";
import { parseJsonBody } from "./json-body.js";
import type { RequestContext } from "./request-context.js";
import { resolvePrompt } from "./resolve-prompt.js";

export function decode(context: RequestContext): undefined {
  if (context.protocol === "floopy-api") return undefined;
  let parsed = parseJsonBody(context.rawBody, context.services.settings.maxJsonDepth);
  const { protocol } = context;
  if (context.operation === "explain" && isObject(parsed)) {
    // The dry run takes a flat chat body or `{request, headers}`, and considers the headers the
    // real request would carry (floopy-routing-rule, floopy-fallback, …).
    const headers = parsed.headers;
    if (isObject(parsed.request)) parsed = parsed.request;
    else if (isObject(parsed)) delete parsed.headers;
    if (isObject(headers)) {
      for (const [name, value] of Object.entries(headers)) {
        if (typeof value === "string") context.headers[name.toLowerCase()] = value;
      }
    }
  }
  if (isGenerationProtocol(protocol)) {
    parsed = resolvePrompt(context, parsed);
    context.body = ingressCodecs[protocol].validate(parsed, context.routeFacts);
    if (context.operation === "generate" && (context.routeFacts.stream ?? context.body.stream === true)) {
      context.operation = "stream_generate";
    }
  } else if (isEmbeddingsProtocol(protocol)) {
    context.body = embeddingsIngressCodecs[protocol].validate(parsed, context.routeFacts);
  }
  // The model is echoed in Floopy-Model and, for Gemini, sent in the upstream URL.
  if (typeof context.body?.model === "string") refuseControlCharacters(context.body.model, "model");
  if (context.routeFacts.model !== undefined) refuseControlCharacters(context.routeFacts.model, "model");
  return undefined;
}
