/**
 * Chat Completions' wire facts as an upstream: endpoints under the base URL (which carries the
 * version path, `https://api.openai.com/v1`), the Bearer credential, and `GET /models`. The whole
 * OpenAI family (Groq, Mistral, vLLM, …) shares them.
 */
import type { ServedModel } from "../../providers/declaration.js";
import type { UpstreamWire } from "../codec.js";
import { isObject } from "../shared/validation.js";

export function bearerHeaders(apiKey: string | null): Record<string, string> {
  return apiKey === null ? {} : { authorization: `Bearer ${apiKey}` };
}

/** `GET {base}/models`: one unpaged `{object:"list", data:[{id, created, owned_by}]}`. */
export const openaiModelList: UpstreamWire["modelList"] = {
  path: () => "/models",
  decode(body) {
    const data = isObject(body) && Array.isArray(body.data) ? body.data : [];
    const models: ServedModel[] = [];
    for (const item of data) {
      if (!isObject(item) || typeof item.id !== "string" || item.id === "") continue;
      models.push({
        id: item.id,
        displayName: null,
        created: typeof item.created === "number" ? item.created : null,
        ownedBy: typeof item.owned_by === "string" ? item.owned_by : null,
        inputTokenLimit: null,
        outputTokenLimit: null,
        methods: null,
      });
    }
    return { models, nextPageToken: null };
  },
};

export const chatWire: UpstreamWire = {
  path({ operation }) {
    switch (operation) {
      case "generate":
      case "stream_generate":
        return "/chat/completions";
      case "embed":
        return "/embeddings";
      case "count_tokens":
        return null;
    }
  },
  headers: (apiKey) => bearerHeaders(apiKey),
  modelInBody: true,
  streamUsageOptIn: true,
  modelList: openaiModelList,
};
