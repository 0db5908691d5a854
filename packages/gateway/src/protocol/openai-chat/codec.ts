/**
 * OpenAI Chat Completions as a codec of the protocol matrix (`../codec.ts`): the caller side of
 * `/v1/chat/completions` and the upstream side of the whole OpenAI-compatible provider family.
 */
import type { IngressCodec, StreamDecoder, StreamEncoder, UpstreamCodec } from "../codec.js";
import { isObject } from "../shared/validation.js";
import { chatErrorResponse, parseChatError, renderChatError } from "./errors.js";
import { decodeChatRequest, encodeChatRequest } from "./request.js";
import { decodeChatResponse, encodeChatResponse } from "./response.js";
import { createChatStreamDecoder, createChatStreamEncoder } from "./stream.js";
import type { ChatCompletion, ChatCompletionChunk, ChatRequest, OpenAIErrorBody } from "./types.js";
import { validateChatRequest } from "./validate-request.js";
import { chatWire } from "./wire.js";

export const chatIngressCodec: IngressCodec = {
  validate: (body) => validateChatRequest(body),
  decodeRequest: (body) => decodeChatRequest(body as unknown as ChatRequest),
  encodeResponse: (response, { model }) => ({ ...encodeChatResponse(response), model }),
  createStreamEncoder(options): StreamEncoder {
    const encode = createChatStreamEncoder(options);
    return {
      push: (event) => encode(event).map((data) => ({ data })),
      end: () => [{ data: "[DONE]" }],
      fail: (error) => [{ data: renderChatError(error) }],
    };
  },
  renderError: chatErrorResponse,
};

export const chatUpstreamCodec: UpstreamCodec = {
  // Streams always ask for usage (encodeChatRequest sets stream_options): records need it.
  encodeRequest: (request) => {
    const { value, warnings } = encodeChatRequest(request);
    return { value: value as unknown as Record<string, unknown>, warnings };
  },
  decodeResponse: (body) => decodeChatResponse(body as ChatCompletion),
  createStreamDecoder(): StreamDecoder {
    const decode = createChatStreamDecoder();
    return {
      push({ data }) {
        if (data === "[DONE]" || !isObject(data)) return [];
        return decode(data as unknown as ChatCompletionChunk | OpenAIErrorBody);
      },
      end: () => [],
    };
  },
  parseError: parseChatError,
  wire: chatWire,
};
