/**
 * Stage: cache-lookup. For a request that asks for the cache (headers, or the config's `cache:`),
 * answers from a stored answer when one fits, replayed in the caller's protocol — JSON, or a
 * well-formed stream when the caller streams —, and otherwise arms store-in-cache to keep this
 * request's answer. Tiers, in order: exact (a hash of the tenant and every field that changes the
 * answer), semantic (nearest stored prompt above a similarity threshold, same tenant, model and
 * parameters), and the conversation tier (turn by turn). Every tier is read in one shared-state
 * call: a miss costs one memory lookup, or one Redis round trip. A store that fails is a miss,
 * counted; it never fails the request. Entries are scoped to the key's org and project.
 */
import { createHash } from "node:crypto";
import { exactCacheKey } from "../cache/cache-key.js";
import { CACHE_DEFAULTS, type CachePolicy, cachePolicy } from "../cache/cache-policy.js";
import {
  decodeAnswer,
  decodeVectorEntry,
  encodeVectorEntry,
  type StoredAnswer,
} from "../cache/cached-answer.js";
import { lshBuckets } from "../cache/lsh.js";
import { semanticView } from "../cache/semantic-request.js";
import { conversationSimilarity, cosine, turnWeights } from "../cache/similarity.js";
import { decodeVector, encodeVector } from "../cache/vector-codec.js";
import { GatewayError } from "../errors/gateway-error.js";
import { ingressCodecs, isGenerationProtocol } from "../protocol/protocols.js";
import { responseToEvents } from "../protocol/response-events.js";
import { isObject } from "../protocol/shared/validation.js";
import { formatSseFrame } from "../protocol/sse/sse-format.js";
import { canonicalRequest } from "./canonical-request.js";
import { armAnswerCapture } from "./final-answer.js";
import { promptEmbedding } from "./prompt-embedding.js";
import type { CacheState, RequestContext, StageResponse } from "./request-context.js";
import { requireFeature } from "./require-feature.js";

/** Vector entries kept per LSH bucket: a bucket's search is exact over at most this many. */
export const VECTORS_PER_BUCKET = 64;

export async function cacheLookup(context: RequestContext): Promise<StageResponse | undefined> {
  const { key, services } = context;
  if (key === null || !isGenerationProtocol(context.protocol)) return undefined;
  if (context.operation !== "generate" && context.operation !== "stream_generate") return undefined;
  const config = services.config.file.cache;
  const policy = cachePolicy(context.headers, config, { orgId: key.orgId, rule: context.rule?.name ?? null });
  if (policy === null) return undefined;
  if (policy.mode === "semantic" || policy.conversation) gateSemantic(context, policy);
  const body = context.body ?? {};
  const tenant = { orgId: key.orgId, projectId: context.metadata.projectId };
  const exactKey = `c:a:${exactCacheKey({
    ...tenant,
    protocol: context.protocol,
    route: "generate",
    model: context.requestedModel ?? "",
    routingRule: context.rule?.name ?? null,
    body: context.routeFacts.model === undefined ? body : { ...body, model: context.routeFacts.model },
    ignoreKeys: policy.ignoreKeys,
    seed: policy.seed,
  })}`;
  const state: CacheState = {
    status: "MISS",
    policy,
    exactKey,
    hit: null,
    similarity: null,
    vectorEntries: [],
  };
  context.cache = state;
  const nowMs = context.services.clock();
  try {
    const plan = await vectorPlan(context, policy, tenant);
    state.vectorEntries = plan.entries;
    if (!policy.lookup) return armStore(context, state);
    const lists = await services.sharedState.lists.read([exactKey, ...plan.searchKeys], nowMs);
    const [answers = [], ...buckets] = lists;
    if (answers.length >= policy.bucketSize) {
      const answer = pick(context, answers);
      if (answer) return hit(context, state, "HIT-EXACT", answer, null);
    }
    const nearest = plan.nearest(buckets);
    if (nearest !== null && nearest.key !== exactKey) {
      const [stored = []] = await services.sharedState.lists.read([nearest.key], nowMs);
      const answer = pick(context, stored);
      if (answer) return hit(context, state, "HIT-SEMANTIC", answer, nearest.similarity);
    }
  } catch (error) {
    services.metrics.cacheLookups.inc({ result: "error" });
    services.logger.warn({ err: error, requestId: context.id }, "cache lookup failed; the provider answers");
    return armStore(context, state);
  }
  services.metrics.cacheLookups.inc({ result: "miss" });
  return armStore(context, state);
}

/**
 * The semantic tiers are the plan feature `semantic_cache`. A request that asks for them with
 * `Floopy-Cache: semantic` on a plan without it is refused (403 plan_required, like any gated
 * feature); one that gets them from the config is served by the exact tier alone.
 */
function gateSemantic(context: RequestContext, policy: CachePolicy): void {
  const key = context.key;
  if (key === null) return;
  if (context.services.snapshot.featureAllowed(key.orgId, "semantic_cache", context.receivedAt).ok) return;
  const asked = context.headers["floopy-cache"];
  if (typeof asked === "string" && asked.trim().toLowerCase() === "semantic")
    requireFeature(context, "semantic_cache");
  policy.mode = "exact";
  policy.conversation = false;
}

function armStore(context: RequestContext, state: CacheState): undefined {
  if (state.policy.store) armAnswerCapture(context);
  return undefined;
}

/** A random one of a bucket's answers (a bucket of one: that one); unreadable items are skipped. */
function pick(context: RequestContext, items: string[]): StoredAnswer | null {
  const answers = items.map(decodeAnswer).filter((answer): answer is StoredAnswer => answer !== null);
  if (answers.length === 0) return null;
  return answers[Math.floor(context.services.random() * answers.length)] ?? answers[0] ?? null;
}

interface VectorPlan {
  /** Bucket lists to read with the exact key. */
  searchKeys: string[];
  /** The best entry above its tier's threshold among the buckets read, in searchKeys' order. */
  nearest(buckets: string[][]): { key: string; similarity: number } | null;
  /** What store-in-cache appends with the answer. */
  entries: Array<{ key: string; item: string }>;
}

const NO_VECTORS: VectorPlan = { searchKeys: [], nearest: () => null, entries: [] };

/**
 * The semantic and conversation tiers' part of the lookup: which LSH buckets to read and how to
 * judge what they hold. Requests the tiers would answer badly skip them (docs/cache.md): tools
 * (an answer that calls a tool depends on exact arguments), images (the embedder sees no pixels),
 * and conversations longer than `semantic_max_messages` (for the semantic tier; the conversation
 * tier compares every turn instead).
 */
async function vectorPlan(
  context: RequestContext,
  policy: CachePolicy,
  tenant: { orgId: string; projectId: string | null },
): Promise<VectorPlan> {
  if (policy.mode !== "semantic" && !policy.conversation) return NO_VECTORS;
  const config = context.services.config.file.cache;
  const view = semanticView(canonicalRequest(context));
  if (view.hasTools && config?.semantic_with_tools !== true) return NO_VECTORS;
  if (view.hasImages && config?.semantic_with_images !== true) return NO_VECTORS;
  const maxMessages = config?.semantic_max_messages ?? CACHE_DEFAULTS.semanticMaxMessages;
  const conversational = view.turns.filter((turn) => turn.role !== "system").length;
  const semantic = policy.mode === "semantic" && conversational <= maxMessages && view.text.trim() !== "";
  const conversation = policy.conversation && conversational > 1;
  if (!semantic && !conversation) return NO_VECTORS;
  const scope = createHash("sha256")
    .update(
      JSON.stringify([
        tenant.orgId,
        tenant.projectId,
        context.requestedModel,
        context.rule?.name ?? null,
        policy.seed,
        view.paramsHash,
      ]),
    )
    .digest("hex")
    .slice(0, 32);
  const embedding = await promptEmbedding(context, conversation);
  const groups: Array<{
    keys: string[];
    judge: (items: string[]) => { key: string; similarity: number } | null;
  }> = [];
  const entries: Array<{ key: string; item: string }> = [];
  if (semantic) {
    const keys = lshBuckets(embedding.vector).map((bucket) => `c:s:${scope}:${bucket}`);
    const item = encodeVectorEntry({
      vector: encodeVector(embedding.vector),
      key: context.cache?.exactKey ?? "",
    });
    for (const key of keys) entries.push({ key, item });
    groups.push({
      keys,
      judge: (items) => nearestSemantic(items, embedding.vector, policy.semanticThreshold),
    });
  }
  const turns = embedding.turns;
  if (conversation && turns !== null) {
    const roles = view.turns.map((turn) => turn.role);
    const weights = turnWeights(roles);
    const lastUser = roles.lastIndexOf("user");
    const anchor = turns[lastUser >= 0 ? lastUser : turns.length - 1] ?? embedding.vector;
    const keys = lshBuckets(anchor).map((bucket) => `c:t:${scope}:${turns.length}:${bucket}`);
    const item = encodeVectorEntry({
      vector: encodeVector(anchor),
      turns: turns.map(encodeVector),
      key: context.cache?.exactKey ?? "",
    });
    for (const key of keys) entries.push({ key, item });
    groups.push({ keys, judge: (items) => nearestConversation(items, turns, weights, policy) });
  }
  return {
    searchKeys: groups.flatMap((group) => group.keys),
    entries,
    nearest(buckets) {
      let best: { key: string; similarity: number } | null = null;
      let at = 0;
      for (const group of groups) {
        // An entry is filed in every band's bucket: judge each one once.
        const items = new Set(buckets.slice(at, at + group.keys.length).flat());
        at += group.keys.length;
        const found = group.judge([...items]);
        if (found && (best === null || found.similarity > best.similarity)) best = found;
      }
      return best;
    },
  };
}

function nearestSemantic(
  items: string[],
  vector: Float32Array,
  threshold: number,
): { key: string; similarity: number } | null {
  let best: { key: string; similarity: number } | null = null;
  for (const item of items) {
    const entry = decodeVectorEntry(item);
    const stored = entry ? decodeVector(entry.vector) : null;
    if (!entry || !stored) continue;
    const similarity = cosine(vector, stored);
    if (similarity >= threshold && (best === null || similarity > best.similarity)) {
      best = { key: entry.key, similarity };
    }
  }
  return best;
}

/**
 * A conversation matches when every turn is close (`conversation_threshold`) and the weighted
 * mean, where the last user turn weighs most, passes the semantic threshold.
 */
function nearestConversation(
  items: string[],
  turns: Float32Array[],
  weights: number[],
  policy: CachePolicy,
): { key: string; similarity: number } | null {
  let best: { key: string; similarity: number } | null = null;
  for (const item of items) {
    const entry = decodeVectorEntry(item);
    if (!entry?.turns || entry.turns.length !== turns.length) continue;
    const stored = entry.turns.map(decodeVector);
    if (stored.some((vector) => vector === null)) continue;
    const { score, minimum } = conversationSimilarity(turns, stored as Float32Array[], weights);
    if (minimum < policy.conversationThreshold || score < policy.semanticThreshold) continue;
    if (best === null || score > best.similarity) best = { key: entry.key, similarity: score };
  }
  return best;
}

/** Answers from the cache: the stored answer in the caller's protocol, as JSON or as a stream. */
function hit(
  context: RequestContext,
  state: CacheState,
  status: "HIT-EXACT" | "HIT-SEMANTIC",
  answer: StoredAnswer,
  similarity: number | null,
): StageResponse {
  const { services } = context;
  state.status = status;
  state.hit = answer;
  state.similarity = similarity;
  state.vectorEntries = [];
  services.metrics.cacheLookups.inc({ result: status === "HIT-EXACT" ? "hit_exact" : "hit_semantic" });
  context.usage = answer.response.usage;
  context.usageSource = answer.response.usage ? "upstream" : null;
  const protocol = context.protocol;
  if (!isGenerationProtocol(protocol))
    throw new GatewayError("INTERNAL", `No codec to replay '${protocol}'.`);
  const codec = ingressCodecs[protocol];
  const created = Math.floor(context.receivedAt.getTime() / 1000);
  const response = { ...answer.response, created };
  const body = context.body;
  if (context.operation !== "stream_generate") {
    return {
      status: 200,
      body: codec.encodeResponse(response, { model: answer.model, ...(body ? { body } : {}) }),
    };
  }
  const encoder = codec.createStreamEncoder({
    id: context.id,
    model: answer.model,
    created,
    includeUsage:
      protocol !== "openai-chat" ||
      (isObject(body?.stream_options) && body.stream_options.include_usage === true),
    ...(body ? { body } : {}),
  });
  let text = "";
  const write = (events: Array<{ event?: string; data: unknown }>) => {
    for (const event of events) {
      text += formatSseFrame(
        typeof event.data === "string" ? event.data : JSON.stringify(event.data),
        event.event,
      );
    }
  };
  for (const event of responseToEvents(response)) write(encoder.push(event));
  write(encoder.end());
  return {
    status: 200,
    body: Buffer.from(text),
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
    },
  };
}
