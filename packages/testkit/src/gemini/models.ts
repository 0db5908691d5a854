/**
 * `GET /v1beta/models` and `GET /v1beta/models/{model}` of the fake Gemini (also under `/v1/`),
 * in Google's shape: `{models:[{name:"models/…", version, displayName, inputTokenLimit,
 * outputTokenLimit, supportedGenerationMethods, …}], nextPageToken?}`, paged with `pageSize`
 * (default 50, at most 1000) and the opaque `pageToken`.
 */
import type { Exchange } from "../exchange.js";

export const DEFAULT_GEMINI_MODELS: readonly string[] = [
  "gemini-2.5-flash",
  "gemini-2.5-pro",
  "gemini-embedding-001",
];

function modelObject(id: string) {
  const embedding = id.includes("embedding");
  const displayName = id
    .split("-")
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1))
    .join(" ");
  return {
    name: `models/${id}`,
    version: "001",
    displayName,
    description: `testkit ${displayName}`,
    inputTokenLimit: embedding ? 2048 : 1_048_576,
    outputTokenLimit: embedding ? 1 : 65_536,
    supportedGenerationMethods: embedding
      ? ["embedContent", "countTextTokens", "countTokens"]
      : ["generateContent", "countTokens", "createCachedContent", "batchGenerateContent"],
    ...(embedding ? {} : { temperature: 1, topP: 0.95, topK: 64, maxTemperature: 2, thinking: true }),
  };
}

export function listGeminiModels(
  exchange: Exchange,
  models: readonly string[],
  notFound: (message: string) => Promise<void>,
): Promise<void> {
  const query = exchange.request.query;
  const size = Math.min(1000, Math.max(1, Number(query.get("pageSize") ?? 50) || 50));
  const token = query.get("pageToken");
  const start = token === null || token === "" ? 0 : Number(Buffer.from(token, "base64url").toString());
  if (!Number.isInteger(start) || start < 0 || start > models.length) return notFound("Invalid page token.");
  const page = models.slice(start, start + size).map(modelObject);
  const next = start + size < models.length ? Buffer.from(String(start + size)).toString("base64url") : null;
  return exchange.json(200, { models: page, ...(next === null ? {} : { nextPageToken: next }) });
}

export function retrieveGeminiModel(
  exchange: Exchange,
  models: readonly string[],
  id: string,
  notFound: (message: string) => Promise<void>,
): Promise<void> {
  if (!models.includes(id)) return notFound(`models/${id} is not found for API version v1beta.`);
  return exchange.json(200, modelObject(id));
}
