/**
 * OpenAI Embeddings as a codec: the caller side of `/v1/embeddings` and the upstream side for the
 * OpenAI-compatible family, used when a Gemini caller's embeddings go to an OpenAI-family model
 * or the reverse. Same-protocol requests never come here (pass-through).
 */
import type { EmbedRequest, Usage } from "../../canonical/types.js";
import type { EmbeddingsIngressCodec, EmbeddingsUpstreamCodec } from "../codec.js";
import { isObject, type JsonObject } from "../shared/validation.js";
import { validateEmbeddingsRequest } from "./validate-request.js";

export const openaiEmbeddingsIngressCodec: EmbeddingsIngressCodec = {
  validate: (body) => validateEmbeddingsRequest(body),
  decodeRequest(body): EmbedRequest {
    const input = typeof body.input === "string" ? [body.input] : (body.input as string[] | number[][]);
    const request: EmbedRequest = { model: String(body.model), input };
    if (typeof body.dimensions === "number") request.dimensions = body.dimensions;
    if (typeof body.user === "string") request.user = body.user;
    return request;
  },
  encodeResponse(vectors, { model, usage, body }) {
    // The openai client asks for base64 by default and decodes it itself; honour what was asked.
    const base64 = body?.encoding_format === "base64";
    const prompt = usage?.promptTokens ?? 0;
    return {
      object: "list",
      data: vectors.map((vector, index) => ({
        object: "embedding",
        index,
        embedding: base64 ? Buffer.from(new Float32Array(vector).buffer).toString("base64") : vector,
      })),
      model,
      usage: { prompt_tokens: prompt, total_tokens: usage?.totalTokens ?? prompt },
    };
  },
};

export const openaiEmbeddingsUpstreamCodec: EmbeddingsUpstreamCodec = {
  encodeRequest(request): JsonObject {
    const body: JsonObject = { model: request.model, input: request.input, encoding_format: "float" };
    if (request.dimensions !== undefined) body.dimensions = request.dimensions;
    if (request.user !== undefined) body.user = request.user;
    return body;
  },
  decodeResponse(body) {
    const data = isObject(body) && Array.isArray(body.data) ? body.data : [];
    const vectors = data
      .filter(isObject)
      .sort((a, b) => Number(a.index ?? 0) - Number(b.index ?? 0))
      .map((item) => (Array.isArray(item.embedding) ? (item.embedding as number[]) : []));
    let usage: Usage | null = null;
    if (isObject(body) && isObject(body.usage)) {
      const prompt = Number(body.usage.prompt_tokens ?? 0);
      usage = {
        promptTokens: prompt,
        completionTokens: 0,
        totalTokens: Number(body.usage.total_tokens ?? prompt),
        cachedTokens: 0,
        reasoningTokens: 0,
      };
    }
    return { vectors, usage };
  },
};
