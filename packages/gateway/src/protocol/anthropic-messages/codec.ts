/**
 * Anthropic Messages as a codec of the protocol matrix (`../codec.ts`): the caller side of
 * `/v1/messages` and the upstream side of the `anthropic` provider.
 */
import type { IngressCodec, UpstreamCodec } from "../codec.js";
import { anthropicErrorResponse, parseAnthropicError } from "./errors.js";
import { decodeMessagesRequest, encodeMessagesRequest } from "./request.js";
import { decodeMessagesResponse, encodeMessagesResponse } from "./response.js";
import { createMessagesStreamDecoder, createMessagesStreamEncoder } from "./stream.js";
import type { AnthropicRequest, AnthropicResponse } from "./types.js";
import { validateMessagesRequest } from "./validate-request.js";
import { anthropicWire } from "./wire.js";

export const anthropicIngressCodec: IngressCodec = {
  validate: (body, route) => validateMessagesRequest(body, { countTokens: route.countTokens === true }),
  decodeRequest: (body) => decodeMessagesRequest(body as unknown as AnthropicRequest),
  encodeResponse: (response, { model }) => encodeMessagesResponse(response, model),
  createStreamEncoder: createMessagesStreamEncoder,
  renderError: anthropicErrorResponse,
};

export const anthropicUpstreamCodec: UpstreamCodec = {
  encodeRequest: (request) => {
    const { value, warnings } = encodeMessagesRequest(request);
    return { value: value as unknown as Record<string, unknown>, warnings };
  },
  decodeResponse: (body) => decodeMessagesResponse(body as AnthropicResponse),
  createStreamDecoder: createMessagesStreamDecoder,
  parseError: parseAnthropicError,
  wire: anthropicWire,
};
