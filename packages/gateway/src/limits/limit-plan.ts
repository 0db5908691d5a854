/**
 * Which limits apply to one request, as counter charges (INTERFACE.md "Limits"): the key's `rpm`,
 * `tpm` and `monthly_budget_usd`, the config file's `limits:` for every org, and the org's
 * constraints (`PUT /v1/constraints`). Limits over the same counter (an org's requests per minute
 * from the file and from its constraints) become one charge at the tighter limit, so the
 * tightest limit is the one enforced and the one the headers name. Pure: the caller acquires the
 * charges in one round trip and reads the outcome back through `limitOutcome`.
 */
import type { CounterCharge, CounterState, CounterWindow } from "../store/shared-state.js";

export type LimitKind = "requests" | "tokens" | "spend";

export interface KeyLimits {
  id: string;
  orgId: string;
  rpm: number | null;
  tpm: number | null;
  monthlyBudgetUsd: number | null;
}

/** The config file's `limits:` section: applies to each org on its own. */
export interface OrgLimits {
  rpm: number | null;
  tpm: number | null;
  monthlyBudgetUsd: number | null;
}

/** An org's constraints, as `PUT /v1/constraints` stores them. */
export interface OrgConstraints {
  costLimitMonthlyUsd: number | null;
  tokenWindowSeconds: number | null;
  maxTokensPerWindow: number | null;
  maxRequestsPerMinute: number | null;
}

export interface RequestEstimate {
  /** Prompt tokens plus the most the answer may produce. */
  tokens: number;
  /** What the estimate would cost, in micro-USD; null when the target has no price. */
  costMicroUsd: number | null;
}

export interface PlannedCharge extends CounterCharge {
  kind: LimitKind;
}

/** What enforce-limits charged a request, for settle-limits to correct with the real usage. */
export interface LimitReservation {
  charges: readonly PlannedCharge[];
  chargedAtMs: number;
  tokens: number;
  costMicroUsd: number;
}

export const MINUTE_MS = 60_000;
/** A constraint's token window when it names a token limit but no window. */
export const DEFAULT_TOKEN_WINDOW_SECONDS = 60;

export function planCharges(
  sources: { key: KeyLimits; org: OrgLimits; constraints: OrgConstraints | null },
  estimate: RequestEstimate,
  nowMs: number,
): PlannedCharge[] {
  const { key, org, constraints } = sources;
  const charges: PlannedCharge[] = [];
  const minute: CounterWindow = { kind: "sliding", ms: MINUTE_MS };
  const month = monthWindow(nowMs);
  const spend = estimate.costMicroUsd ?? 0;

  const add = (kind: LimitKind, id: string, window: CounterWindow, limit: number | null, amount: number) => {
    if (limit === null) return;
    charges.push({ kind, id, window, limit, amount });
  };

  add("requests", `key:${key.id}:requests`, minute, key.rpm, 1);
  add("tokens", `key:${key.id}:tokens`, minute, key.tpm, estimate.tokens);
  add("spend", `key:${key.id}:spend`, month, microUsd(key.monthlyBudgetUsd), spend);

  const orgId = key.orgId;
  add("requests", `org:${orgId}:requests`, minute, tighter(org.rpm, constraints?.maxRequestsPerMinute), 1);
  const tokenWindowMs = (constraints?.tokenWindowSeconds ?? DEFAULT_TOKEN_WINDOW_SECONDS) * 1000;
  const windowTokens = constraints?.maxTokensPerWindow ?? null;
  if (tokenWindowMs === MINUTE_MS) {
    add("tokens", `org:${orgId}:tokens`, minute, tighter(org.tpm, windowTokens), estimate.tokens);
  } else {
    add("tokens", `org:${orgId}:tokens`, minute, org.tpm, estimate.tokens);
    add(
      "tokens",
      `org:${orgId}:tokens:${tokenWindowMs}`,
      { kind: "sliding", ms: tokenWindowMs },
      windowTokens,
      estimate.tokens,
    );
  }
  add(
    "spend",
    `org:${orgId}:spend`,
    month,
    microUsd(tighter(org.monthlyBudgetUsd, constraints?.costLimitMonthlyUsd)),
    spend,
  );
  return charges;
}

/** Whether any spend limit applies (a target without a price cannot be metered against it). */
export function hasSpendLimit(charges: readonly PlannedCharge[]): boolean {
  return charges.some((charge) => charge.kind === "spend");
}

/** The calendar month (UTC) `nowMs` falls in, as a fixed window. */
export function monthWindow(nowMs: number): CounterWindow & { kind: "fixed" } {
  const now = new Date(nowMs);
  const year = now.getUTCFullYear();
  const month = now.getUTCMonth();
  return {
    kind: "fixed",
    period: `${year}-${String(month + 1).padStart(2, "0")}`,
    endsAtMs: Date.UTC(year, month + 1, 1),
  };
}

export function microUsd(usd: number | null): number | null {
  return usd === null ? null : Math.round(usd * 1_000_000);
}

function tighter(a: number | null | undefined, b: number | null | undefined): number | null {
  const values = [a, b].filter((value): value is number => typeof value === "number");
  return values.length === 0 ? null : Math.min(...values);
}

export interface LimitOutcome {
  /** The `x-ratelimit-*` headers: the tightest request and token limit, when any applies. */
  headers: Record<string, string>;
  /** Set on a refusal: what the caller is told. */
  refusal: { kind: LimitKind; retryAfterSeconds: number; message: string } | null;
}

/**
 * Reads an acquisition back: the headers name, per kind, the counter with the least room left
 * (remaining 0 on a refusal), and a refusal names the most lasting limit that did not fit (a
 * monthly budget before tokens before requests).
 */
export function limitOutcome(
  planned: readonly PlannedCharge[],
  counters: readonly CounterState[],
  refused: readonly CounterState[] | null,
): LimitOutcome {
  const kindOf = new Map(planned.map((charge) => [charge.id, charge.kind]));
  const headers: Record<string, string> = {};
  for (const kind of ["requests", "tokens"] as const) {
    const states = counters.filter((state) => kindOf.get(state.id) === kind);
    if (states.length === 0) continue;
    const refusedHere = refused?.filter((state) => kindOf.get(state.id) === kind) ?? [];
    const tightest = (refusedHere.length > 0 ? refusedHere : states).reduce((best, state) =>
      state.limit - state.used < best.limit - best.used ? state : best,
    );
    const remaining = refused !== null ? 0 : Math.max(0, tightest.limit - tightest.used);
    headers[`x-ratelimit-limit-${kind}`] = String(tightest.limit);
    headers[`x-ratelimit-remaining-${kind}`] = String(remaining);
    headers[`x-ratelimit-reset-${kind}`] = formatReset(tightest.resetMs);
  }
  if (refused === null || refused.length === 0) return { headers, refusal: null };
  const order: LimitKind[] = ["spend", "tokens", "requests"];
  const kind = order.find((candidate) => refused.some((state) => kindOf.get(state.id) === candidate));
  const chosen = kind ?? "requests";
  const resetMs = Math.max(
    ...refused.filter((state) => kindOf.get(state.id) === chosen).map((state) => state.resetMs),
  );
  const retryAfterSeconds = Math.max(1, Math.ceil(resetMs / 1000));
  const state = refused.find((candidate) => kindOf.get(candidate.id) === chosen);
  return {
    headers,
    refusal: { kind: chosen, retryAfterSeconds, message: refusalMessage(chosen, state, retryAfterSeconds) },
  };
}

function refusalMessage(kind: LimitKind, state: CounterState | undefined, retryAfterSeconds: number): string {
  const whose = state?.id.startsWith("org:") ? "the organization's" : "this key's";
  const limit = state?.limit ?? 0;
  switch (kind) {
    case "requests":
      return `Rate limit reached: ${whose} limit is ${limit} requests per minute. Retry after ${retryAfterSeconds} s.`;
    case "tokens":
      return `Token limit reached: ${whose} limit is ${limit} tokens per window, and this request's estimate (prompt plus max tokens) does not fit. Retry after ${retryAfterSeconds} s, or ask for fewer max tokens.`;
    case "spend":
      return `Monthly budget reached: ${whose} budget of ${(limit / 1_000_000).toFixed(2)} USD is spent for this month.`;
  }
}

/** OpenAI's reset format: `1s`, `6m0s`, `20ms`. */
export function formatReset(ms: number): string {
  if (ms <= 0) return "0s";
  if (ms < 1000) return `${Math.ceil(ms)}ms`;
  const seconds = Math.ceil(ms / 1000);
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  const rest = seconds % 60;
  if (hours > 0) return `${hours}h${minutes}m${rest}s`;
  if (minutes > 0) return `${minutes}m${rest}s`;
  return `${rest}s`;
}
