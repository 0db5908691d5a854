/**
 * Gemini (generateContent) as a codec of the protocol matrix (`../codec.ts`): the caller side of
 * the `/v1beta/models/{model}:…` routes and the upstream side of the `google` provider.
 */
import type { IngressCodec, UpstreamCodec } from "../codec.js";
import { geminiErrorResponse, parseGeminiError } from "./errors.js";
import { decodeGenerateContent, encodeGenerateContent } from "./request.js";
import { decodeGenerateContentResponse, encodeGenerateContentResponse, wantsThoughts } from "./response.js";
import { createGeminiStreamDecoder, createGeminiStreamEncoder } from "./stream.js";
import { validateGenerateContent } from "./validate-request.js";
import { geminiWire } from "./wire.js";

export { geminiEmbeddingsIngressCodec, geminiEmbeddingsUpstreamCodec } from "./embeddings.js";

export const geminiIngressCodec: IngressCodec = {
  validate: (body, route) => validateGenerateContent(body, { countTokens: route.countTokens === true }),
  decodeRequest: (body, route) => decodeGenerateContent(body, route.model ?? ""),
  encodeResponse: (response, { model, body }) =>
    encodeGenerateContentResponse(response, model, { includeThoughts: wantsThoughts(body) }),
  createStreamEncoder: createGeminiStreamEncoder,
  renderError: geminiErrorResponse,
};

export const geminiUpstreamCodec: UpstreamCodec = {
  encodeRequest: (request) => encodeGenerateContent(request),
  decodeResponse: decodeGenerateContentResponse,
  createStreamDecoder: createGeminiStreamDecoder,
  parseError: parseGeminiError,
  wire: geminiWire,
};
