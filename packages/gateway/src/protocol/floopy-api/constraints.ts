/**
 * An org's constraints on the wire (`GET/PUT /v1/constraints`, `/admin/constraints/{org}`): the
 * four values at the top level, snake_case, each a positive number or `null`. A PUT replaces all
 * four: a value left out is cleared like one sent as `null`, and any other key is an error.
 */
import { z } from "zod";
import { MAX_LIMIT_COUNT, parseBody } from "./body-schema.js";

/** The values as the stores keep them (the same shape as store/types.ts' OrgConstraintValues). */
export interface ConstraintValues {
  costLimitMonthlyUsd: number | null;
  tokenWindowSeconds: number | null;
  maxTokensPerWindow: number | null;
  maxRequestsPerMinute: number | null;
}

const count = z.number().int().positive().max(MAX_LIMIT_COUNT).nullable().optional();

export const constraintsBodySchema = z.strictObject({
  cost_limit_monthly_usd: z.number().positive().nullable().optional(),
  token_window_seconds: count,
  max_tokens_per_window: count,
  max_requests_per_minute: count,
});

export const CONSTRAINTS_SHAPE =
  "{cost_limit_monthly_usd, token_window_seconds, max_tokens_per_window, max_requests_per_minute} (each a positive number or null)";

export const noConstraints: ConstraintValues = {
  costLimitMonthlyUsd: null,
  tokenWindowSeconds: null,
  maxTokensPerWindow: null,
  maxRequestsPerMinute: null,
};

export function parseConstraintsBody(body: unknown): ConstraintValues {
  const parsed = parseBody(constraintsBodySchema, body, CONSTRAINTS_SHAPE);
  return {
    costLimitMonthlyUsd: parsed.cost_limit_monthly_usd ?? null,
    tokenWindowSeconds: parsed.token_window_seconds ?? null,
    maxTokensPerWindow: parsed.max_tokens_per_window ?? null,
    maxRequestsPerMinute: parsed.max_requests_per_minute ?? null,
  };
}

/** The four keys, as `GET /v1/constraints` answers them. */
export function constraintsWire(values: ConstraintValues) {
  return {
    cost_limit_monthly_usd: values.costLimitMonthlyUsd,
    token_window_seconds: values.tokenWindowSeconds,
    max_tokens_per_window: values.maxTokensPerWindow,
    max_requests_per_minute: values.maxRequestsPerMinute,
  };
}

/**
 * What the audit log hashes of an org's constraints: the org and the four values. Both the own
 * API and the admin API hash this one shape, so one org's entries chain whichever API wrote them.
 */
export function constraintsState(orgId: string, values: ConstraintValues) {
  return { org_id: orgId, ...constraintsWire(values) };
}
