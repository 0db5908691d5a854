/**
 * After-response stage: store-in-cache. Keeps the answer of a request cache-lookup armed (a miss
 * that may store): only a complete, successful answer — a 200 whose every choice finished, never
 * an error, an in-band error, a truncated or aborted stream, in the canonical form final-answer.ts
 * decodes. Off the hot path; a store that fails is counted.
 */
import { encodeAnswer } from "../cache/cached-answer.js";
import { VECTORS_PER_BUCKET } from "./cache-lookup.js";
import { finalAnswer } from "./final-answer.js";
import type { RequestContext } from "./request-context.js";

/** Finish reasons of an answer worth replaying. */
const COMPLETE = new Set(["stop", "length", "tool_calls"]);

export async function storeInCache(context: RequestContext): Promise<void> {
  const state = context.cache;
  const upstream = context.upstream;
  if (state === null || state.status !== "MISS" || !state.policy.store || upstream === null) return;
  const { services } = context;
  if (context.status !== 200 || context.error !== null || context.abort.signal.aborted) {
    services.metrics.cacheStores.inc({ outcome: "skipped" });
    return;
  }
  const response = finalAnswer(context);
  if (response === null || !response.choices.every((choice) => COMPLETE.has(choice.finishReason ?? ""))) {
    services.metrics.cacheStores.inc({ outcome: "skipped" });
    return;
  }
  const nowMs = context.services.clock();
  const item = encodeAnswer({
    response: { ...response, usage: response.usage ?? context.usage },
    provider: upstream.target.provider.id,
    model: upstream.target.model,
    storedAt: nowMs,
  });
  const { ttlMs, bucketSize } = state.policy;
  try {
    const lists = services.sharedState.lists;
    // Sent together: on Redis the appends go out back to back, one round trip's wait for all.
    await Promise.all([
      lists.append(state.exactKey, item, { ttlMs, maxItems: bucketSize }, nowMs),
      ...state.vectorEntries.map((entry) =>
        lists.append(entry.key, entry.item, { ttlMs, maxItems: VECTORS_PER_BUCKET }, nowMs),
      ),
    ]);
    services.metrics.cacheStores.inc({ outcome: "stored" });
  } catch (error) {
    services.metrics.cacheStores.inc({ outcome: "error" });
    services.logger.warn({ err: error, requestId: context.id }, "storing the answer in the cache failed");
  }
}
