/**
 * Stage: decode. Parses the body (depth-limited) and validates it against the route's protocol,
 * so every later stage reads a well-formed body and bad input gets a field-naming 400 in the
 * caller's protocol. The canonical form is built later, only when a target needs translation.
 */
import { GatewayError } from "../errors/gateway-error.js";
import {
  embeddingsIngressCodecs,
  ingressCodecs,
  isEmbeddingsProtocol,
  isGenerationProtocol,
} from "../protocol/protocols.js";
import { jsonDepthExceeds } from "../protocol/shared/json-depth.js";
import { isObject } from "../protocol/shared/validation.js";
import type { RequestContext } from "./request-context.js";

export function decode(context: RequestContext): undefined {
  if (context.protocol === "openai-models" || context.protocol === "floopy-api") return undefined;
  const raw = context.rawBody;
  if (raw === undefined || raw.length === 0) {
    throw new GatewayError("BAD_REQUEST", "The request body is empty; expected a JSON object.");
  }
  const maxDepth = context.services.settings.maxJsonDepth;
  if (jsonDepthExceeds(raw, maxDepth)) {
    throw new GatewayError("BAD_REQUEST", `The request body nests JSON deeper than ${maxDepth} levels.`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw new GatewayError(
      "BAD_REQUEST",
      `We could not parse the JSON body of your request. (${(error as Error).message})`,
    );
  }
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
    context.body = ingressCodecs[protocol].validate(parsed, context.routeFacts);
    if (context.operation === "generate" && (context.routeFacts.stream ?? context.body.stream === true)) {
      context.operation = "stream_generate";
    }
  } else if (isEmbeddingsProtocol(protocol)) {
    context.body = embeddingsIngressCodecs[protocol].validate(parsed, context.routeFacts);
  }
  return undefined;
}
