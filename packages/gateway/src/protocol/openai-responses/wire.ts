/**
 * The Responses API's wire facts as an upstream: `POST {base}/responses` with OpenAI's Bearer
 * credential; models are listed the OpenAI way.
 */
import type { UpstreamWire } from "../codec.js";
import { bearerHeaders, openaiModelList } from "../openai-chat/wire.js";

export const responsesWire: UpstreamWire = {
  path: ({ operation }) =>
    operation === "generate" || operation === "stream_generate" ? "/responses" : null,
  headers: (apiKey) => bearerHeaders(apiKey),
  modelInBody: true,
  // `response.completed` always carries usage.
  streamUsageOptIn: false,
  modelList: openaiModelList,
};
