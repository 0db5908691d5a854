/**
 * The Messages API's wire facts as an upstream: `/v1/messages` (and its token counter) under the
 * origin, the key as `x-api-key` with the `anthropic-version` the codec is written against, and
 * the paged `GET /v1/models`.
 */
import type { ServedModel } from "../../providers/declaration.js";
import type { UpstreamWire } from "../codec.js";
import { isObject } from "../shared/validation.js";

/** The Messages API version Floopy's Anthropic codec is written against. */
export const ANTHROPIC_VERSION = "2023-06-01";
const PAGE_LIMIT = 1000;

export const anthropicWire: UpstreamWire = {
  path({ operation }) {
    switch (operation) {
      case "generate":
      case "stream_generate":
        return "/v1/messages";
      case "count_tokens":
        return "/v1/messages/count_tokens";
      case "embed":
        return null;
    }
  },
  headers(apiKey, caller) {
    const headers: Record<string, string> = {};
    if (apiKey !== null) headers["x-api-key"] = apiKey;
    // An Anthropic caller's version and beta flags are the caller's choice; others get ours.
    const version = caller?.["anthropic-version"];
    headers["anthropic-version"] = typeof version === "string" ? version : ANTHROPIC_VERSION;
    const beta = caller?.["anthropic-beta"];
    if (typeof beta === "string") headers["anthropic-beta"] = beta;
    return headers;
  },
  modelInBody: true,
  streamUsageOptIn: false,
  modelList: {
    path: (pageToken) =>
      `/v1/models?limit=${PAGE_LIMIT}${pageToken === null ? "" : `&after_id=${encodeURIComponent(pageToken)}`}`,
    decode(body) {
      const page = isObject(body) ? body : {};
      const models: ServedModel[] = [];
      for (const item of Array.isArray(page.data) ? page.data : []) {
        if (!isObject(item) || typeof item.id !== "string" || item.id === "") continue;
        const created = typeof item.created_at === "string" ? Date.parse(item.created_at) : Number.NaN;
        models.push({
          id: item.id,
          displayName: typeof item.display_name === "string" ? item.display_name : null,
          created: Number.isFinite(created) ? Math.floor(created / 1000) : null,
          ownedBy: "anthropic",
          inputTokenLimit: typeof item.max_input_tokens === "number" ? item.max_input_tokens : null,
          outputTokenLimit: typeof item.max_tokens === "number" ? item.max_tokens : null,
          methods: null,
        });
      }
      const next = page.has_more === true && typeof page.last_id === "string" ? page.last_id : null;
      return { models, nextPageToken: next };
    },
  },
};
