/**
 * The Gemini API's wire facts as an upstream: the model and the action in the path
 * (`/v1beta/models/{model}:{action}`, streams with `?alt=sse`), the key as `x-goog-api-key`, and
 * the paged `GET /v1beta/models`.
 */
import type { ServedModel } from "../../providers/declaration.js";
import type { UpstreamWire } from "../codec.js";
import { isObject } from "../shared/validation.js";

const PAGE_SIZE = 1000;

function action(operation: string, callerAction: string | undefined): string {
  switch (operation) {
    case "embed":
      // A Gemini caller's own action is kept; anything translated goes through the batch form.
      return callerAction === "embedContent" ? "embedContent" : "batchEmbedContents";
    case "count_tokens":
      return "countTokens";
    case "stream_generate":
      return "streamGenerateContent?alt=sse";
    default:
      return "generateContent";
  }
}

export const geminiWire: UpstreamWire = {
  path: ({ operation, model, callerAction }) => `/v1beta/models/${model}:${action(operation, callerAction)}`,
  headers: (apiKey): Record<string, string> => (apiKey === null ? {} : { "x-goog-api-key": apiKey }),
  modelInBody: false,
  streamUsageOptIn: false,
  modelList: {
    path: (pageToken) =>
      `/v1beta/models?pageSize=${PAGE_SIZE}${pageToken === null ? "" : `&pageToken=${encodeURIComponent(pageToken)}`}`,
    decode(body) {
      const page = isObject(body) ? body : {};
      const models: ServedModel[] = [];
      for (const item of Array.isArray(page.models) ? page.models : []) {
        if (!isObject(item) || typeof item.name !== "string") continue;
        const id = item.name.startsWith("models/") ? item.name.slice("models/".length) : item.name;
        if (id === "") continue;
        const methods = Array.isArray(item.supportedGenerationMethods)
          ? item.supportedGenerationMethods.filter((method): method is string => typeof method === "string")
          : null;
        models.push({
          id,
          displayName: typeof item.displayName === "string" ? item.displayName : null,
          created: null,
          ownedBy: "google",
          inputTokenLimit: typeof item.inputTokenLimit === "number" ? item.inputTokenLimit : null,
          outputTokenLimit: typeof item.outputTokenLimit === "number" ? item.outputTokenLimit : null,
          methods,
        });
      }
      const next =
        typeof page.nextPageToken === "string" && page.nextPageToken !== "" ? page.nextPageToken : null;
      return { models, nextPageToken: next };
    },
  },
};
