/** Gemini embedContent / batchEmbedContents <-> canonical embeddings. Pure. */
import type { EmbedRequest } from "../../canonical/types.js";
import { GatewayError } from "../../errors/gateway-error.js";
import type { EmbeddingsIngressCodec, EmbeddingsUpstreamCodec } from "../codec.js";
import { isObject, type JsonObject } from "../shared/validation.js";
import { validateEmbedContent } from "./validate-request.js";

function textOf(content: unknown): string {
  if (!isObject(content) || !Array.isArray(content.parts)) return "";
  return content.parts
    .map((part) => (isObject(part) && typeof part.text === "string" ? part.text : ""))
    .join("");
}

export const geminiEmbeddingsIngressCodec: EmbeddingsIngressCodec = {
  validate: (body) => validateEmbedContent(body),
  decodeRequest(body, route): EmbedRequest {
    const requests = Array.isArray(body.requests) ? (body.requests as JsonObject[]) : [body];
    const request: EmbedRequest = {
      model: route.model ?? "",
      input: requests.map((item) => textOf(item.content)),
    };
    const dimensions = requests[0]?.outputDimensionality;
    if (typeof dimensions === "number") request.dimensions = dimensions;
    return request;
  },
  encodeResponse(vectors, { body }) {
    if (Array.isArray(body?.requests)) return { embeddings: vectors.map((values) => ({ values })) };
    return { embedding: { values: vectors[0] ?? [] } };
  },
};

export const geminiEmbeddingsUpstreamCodec: EmbeddingsUpstreamCodec = {
  encodeRequest(request): JsonObject {
    if (request.input.some((item) => typeof item !== "string")) {
      throw new GatewayError("BAD_REQUEST", "Gemini embeds text only; token arrays cannot be sent to it.", {
        param: "input",
      });
    }
    return {
      requests: (request.input as string[]).map((text) => {
        const item: JsonObject = { model: `models/${request.model}`, content: { parts: [{ text }] } };
        if (request.dimensions !== undefined) item.outputDimensionality = request.dimensions;
        return item;
      }),
    };
  },
  decodeResponse(body) {
    const json = isObject(body) ? body : {};
    const list = Array.isArray(json.embeddings)
      ? json.embeddings
      : isObject(json.embedding)
        ? [json.embedding]
        : [];
    // Gemini reports no token usage for embeddings; the record estimates it.
    return {
      vectors: list.map((item) =>
        isObject(item) && Array.isArray(item.values) ? (item.values as number[]) : [],
      ),
      usage: null,
    };
  },
};
