/**
 * OpenAI Responses API as a caller protocol (`POST /v1/responses`). Requests are translated for
 * every provider, OpenAI's included, to Chat Completions: only OpenAI serves `/responses`, and
 * Floopy stores no responses to continue.
 */
import type { IngressCodec } from "../codec.js";
import { chatErrorResponse } from "../openai-chat/errors.js";
import { decodeResponsesRequest, validateResponsesRequest } from "./request.js";
import { encodeResponsesResponse } from "./response.js";
import { createResponsesStreamEncoder } from "./stream.js";

export const responsesIngressCodec: IngressCodec = {
  validate: (body) => validateResponsesRequest(body),
  decodeRequest: (body) => decodeResponsesRequest(body),
  encodeResponse: (response, { model, body }) =>
    encodeResponsesResponse(response, { id: response.id, model, createdAt: response.created, body }),
  createStreamEncoder: (options) => createResponsesStreamEncoder(options),
  renderError: chatErrorResponse,
};
