/**
 * `GET /v1/models` and `GET /v1/models/{id}` of the fake Anthropic, in Anthropic's paged shape:
 * `{data:[{type:"model", id, display_name, created_at}], has_more, first_id, last_id}`, paged with
 * `limit` (default 20, 1–1000), `after_id` and `before_id`, newest first as Anthropic lists them.
 */
import type { Exchange } from "../exchange.js";
import type { WireError } from "../fake-server.js";

export const DEFAULT_ANTHROPIC_MODELS: readonly string[] = [
  "claude-opus-4-6",
  "claude-sonnet-4-6",
  "claude-haiku-4-5",
];

// Fixed, distinct creation times keep answers deterministic and ordered newest first.
const NEWEST = Date.parse("2026-02-01T00:00:00Z");
const DAY = 86_400_000;

function displayName(id: string): string {
  // "claude-sonnet-4-6" -> "Claude Sonnet 4.6"
  const words = id.split("-");
  const version = words.filter((word) => /^\d+$/.test(word)).join(".");
  const names = words
    .filter((word) => !/^\d+$/.test(word))
    .map((word) => word.charAt(0).toUpperCase() + word.slice(1));
  return [...names, version].filter((part) => part !== "").join(" ");
}

function modelObject(id: string, index: number) {
  return {
    type: "model",
    id,
    display_name: displayName(id),
    created_at: new Date(NEWEST - index * DAY).toISOString().replace(".000Z", "Z"),
  };
}

function notFound(message: string): WireError {
  return { status: 404, message, type: "not_found_error", param: null, code: null };
}

export function listAnthropicModels(exchange: Exchange, models: readonly string[]): Promise<void> {
  const query = exchange.request.query;
  const limit = Number(query.get("limit") ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 1000) {
    return exchange.error({
      status: 400,
      message: "limit: Input should be greater than or equal to 1 and less than or equal to 1000",
      type: "invalid_request_error",
      param: null,
      code: null,
    });
  }
  const all = models.map(modelObject);
  const after = query.get("after_id");
  const before = query.get("before_id");
  let start = 0;
  let end = Math.min(limit, all.length);
  let hasMore = end < all.length;
  if (before !== null) {
    end = Math.max(
      0,
      all.findIndex((model) => model.id === before),
    );
    start = Math.max(0, end - limit);
    hasMore = start > 0;
  } else if (after !== null) {
    start = all.findIndex((model) => model.id === after) + 1;
    end = Math.min(all.length, start + limit);
    hasMore = end < all.length;
  }
  const data = all.slice(start, end);
  return exchange.json(200, {
    data,
    has_more: hasMore,
    first_id: data[0]?.id ?? null,
    last_id: data.at(-1)?.id ?? null,
  });
}

export function retrieveAnthropicModel(
  exchange: Exchange,
  models: readonly string[],
  id: string,
): Promise<void> {
  const index = models.indexOf(id);
  if (index === -1) return exchange.error(notFound(`model: ${id}`));
  return exchange.json(200, modelObject(id, index));
}
