/**
 * The request context every stage reads and writes. Each mutable field names its one writer.
 */
import type { IncomingHttpHeaders, ServerResponse } from "node:http";
import type { CachePolicy } from "../cache/cache-policy.js";
import type { StoredAnswer } from "../cache/cached-answer.js";
import type { GenerateRequest, Usage } from "../canonical/types.js";
import type { GatewayError } from "../errors/gateway-error.js";
import type { LimitReservation } from "../limits/limit-plan.js";
import type { RouteFacts } from "../protocol/codec.js";
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import type { JsonObject } from "../protocol/shared/validation.js";
import type { Operation, UpstreamProtocol } from "../providers/declaration.js";
import type { ResolvedModel } from "../providers/model-catalogue.js";
import type { RoutingDecision, RoutingRule } from "../routing/router.js";
import type { ApiKeyRecord, AttemptRecord } from "../store/types.js";
import type { UpstreamResponse } from "../upstream/upstream-client.js";
import type { RequestDeadline } from "./request-deadline.js";
import type { GatewayServices } from "./services.js";

export type { IngressProtocol };

export interface RequestMetadata {
  userId: string | null;
  sessionId: string | null;
  sessionName: string | null;
  sessionPath: string | null;
  projectId: string | null;
  properties: Record<string, string>;
  modelOverride: string | null;
  fallbackModels: string[];
  /** `floopy-routing-rule`: the named rule to route by instead of the key's default. */
  routingRule: string | null;
}

/** A successful upstream response, chosen by dispatch, consumed by respond. */
export interface UpstreamResult {
  target: ResolvedModel;
  /** Index of the target in `targets`; > 0 means a fallback answered. */
  targetIndex: number;
  response: UpstreamResponse;
  /** Non-stream: the whole upstream body, already read and parsed. */
  body?: { bytes: Buffer; json: unknown };
  /** Stream: the body iterator, with the first chunk already read (proof the stream started). */
  stream?: { iterator: AsyncIterator<Buffer>; firstChunk: Buffer | null };
  /** Whether the gateway asked the upstream for stream usage the caller did not ask for. */
  injectedStreamUsage: boolean;
  /** Whether the upstream speaks the caller's protocol, so its answer is forwarded as it came. */
  passThrough: boolean;
  /** The protocol the upstream answered in (the caller's own when passed through). */
  protocol: UpstreamProtocol;
}

export interface RequestContext {
  readonly id: string; // ingress
  readonly receivedAt: Date; // ingress
  readonly startedAt: number; // ingress (performance.now())
  readonly route: string; // ingress
  readonly protocol: IngressProtocol; // ingress
  operation: Operation; // ingress; decode refines generate → stream_generate
  readonly headers: IncomingHttpHeaders; // ingress
  rawBody: Buffer | undefined; // ingress; screen-prompt drops it when it redacts the body
  readonly params: Readonly<Record<string, string>>; // ingress (path parameters)
  readonly routeFacts: RouteFacts; // ingress (what the URL says: Gemini's model and streaming)
  readonly services: GatewayServices; // ingress
  readonly abort: AbortController; // ingress: aborted on client disconnect or deadline
  readonly deadline: RequestDeadline; // ingress (started by the runner; dispatch tightens it to a rule's total)
  readonly response: ServerResponse; // ingress
  body: JsonObject | undefined; // decode
  canonical: GenerateRequest | null; // canonical-request (built once, on the first translated attempt)
  warnings: string[]; // canonical-request and upstream-request (what translation could not carry)
  key: ApiKeyRecord | null; // authenticate
  presentedKey: string | null; // authenticate (kept only to redact it; never recorded)
  metadata: RequestMetadata; // read-metadata
  requestedModel: string | null; // route
  targets: ResolvedModel[]; // route
  rule: RoutingRule | null; // route (the rule itself, so a reload mid-request cannot swap it)
  decision: RoutingDecision<ResolvedModel> | null; // route
  attempts: AttemptRecord[]; // dispatch
  upstream: UpstreamResult | null; // dispatch
  firstByteAt: number | null; // respond (performance.now() when the first body byte went out)
  usage: Usage | null; // respond
  usageSource: "upstream" | "tokenizer" | "estimate" | null; // respond (count-tokens for local counts)
  status: number; // respond, or the error renderer
  error: GatewayError | null; // the pipeline runner (the error the caller got, in-band ones included)
  costUsd: number | null; // settle-usage
  limitHeaders: Record<string, string> | null; // enforce-limits (the `x-ratelimit-*` headers)
  reservation: LimitReservation | null; // enforce-limits (settled by settle-limits)
  cache: CacheState | null; // cache-lookup (null: the cache was not consulted)
  /** The prompt's embedding, computed once for the semantic cache and the firewall's verdict cache. */
  promptEmbedding: PromptEmbedding | null; // prompt-embedding
  firewall: FirewallOutcome | null; // screen-prompt (null: the firewall did not run)
  costSavedUsd: number | null; // settle-usage (what a cache hit saved)
  /** The stored prompt the body was built from (`Floopy-Prompt-Id`), if any. */
  prompt: { id: string; version: number } | null; // decode (resolve-prompt)
  answerCapture: AnswerCapture | null; // armed by cache-lookup or session-turn; filled by respond
  /** The experiment whose variant B rule routes this request, or that kept it on A. */
  experiment: { id: string; variant: "A" | "B" } | null; // route
}

export interface CacheState {
  status: "HIT-EXACT" | "HIT-SEMANTIC" | "MISS";
  policy: CachePolicy;
  exactKey: string;
  hit: StoredAnswer | null;
  /** The hit's similarity (semantic and conversation tiers). */
  similarity: number | null;
  /** Vector entries store-in-cache appends with this request's answer: list key and item. */
  vectorEntries: Array<{ key: string; item: string }>;
}

/** A stream's upstream bytes, kept (up to a cap) to fold into the answer afterwards (final-answer.ts). */
export interface AnswerCapture {
  chunks: Buffer[];
  bytes: number;
  overflowed: boolean;
}

export interface PromptEmbedding {
  /** The whole prompt's vector. */
  vector: Float32Array;
  /** One vector per turn (the conversation tier), when computed. */
  turns: Float32Array[] | null;
}

export interface FirewallOutcome {
  decision: "allow" | "block_input" | "redact";
  tier: "local" | "verdict_cache" | "model" | "on_error" | null;
  category: string | null;
  detail: string | null;
}

export function emptyMetadata(): RequestMetadata {
  return {
    userId: null,
    sessionId: null,
    sessionName: null,
    sessionPath: null,
    projectId: null,
    properties: {},
    modelOverride: null,
    fallbackModels: [],
    routingRule: null,
  };
}

/** A short-circuit answer from a stage (cached reply, model list, …). */
export interface StageResponse {
  status: number;
  /** Sent as JSON; a Buffer is sent as it is (with `content-type` from `headers`); `undefined` sends no body (204). */
  body: unknown;
  headers?: Record<string, string>;
}

export type Stage = (
  context: RequestContext,
) => StageResponse | undefined | Promise<StageResponse | undefined>;
export type AfterStage = (context: RequestContext) => void | Promise<void>;
