/**
 * The tables as Kysely sees them: one description serving both SQLite and PostgreSQL. Columns use
 * only portable types, so the same queries run on both dialects:
 * - ids and names are `text`;
 * - instants are integer milliseconds since the Unix epoch (`bigint`; pg's int8 parser is set to
 *   return numbers, see postgres/open-postgres.ts);
 * - booleans are `integer` 0/1 (SQLite has no boolean, and better-sqlite3 cannot bind one);
 * - JSON is `text` encoded and decoded by the stores.
 * This file must match the migrations; it describes the latest one.
 */

export interface OrgsTable {
  id: string;
  name: string;
  created_at: number;
  /** The org's plan (0007); null is the default plan. */
  plan_id: string | null;
  /** When the org's subscription lapses (0007); null: never. */
  subscription_expires_at: number | null;
}

/** Plans (0007). */
export interface PlansTable {
  id: string;
  name: string;
  /** JSON: an array of feature names, or `"*"` for every feature. */
  features: string;
  created_at: number;
  updated_at: number;
}

export interface ProjectsTable {
  id: string;
  org_id: string;
  name: string;
  created_at: number;
}

export interface ApiKeysTable {
  id: string;
  org_id: string;
  project_id: string | null;
  name: string;
  hash: string;
  display_prefix: string;
  source: string;
  /** `gateway` | `admin` (the column defaults to `gateway` for rows older than 0003). */
  scope: string;
  routing_rule: string | null;
  rpm: number | null;
  /** 0005 */
  tpm: number | null;
  /** 0005 */
  monthly_budget_usd: number | null;
  created_at: number;
  expires_at: number | null;
  revoked_at: number | null;
}

export interface RoutingRulesTable {
  name: string;
  /** JSON object: the rule as the config file writes it. */
  definition: string;
  source: string;
  created_at: number;
  updated_at: number;
}

/** A single row (`id` = 1) whose `version` moves with every control-plane write. */
export interface ControlMetaTable {
  id: number;
  version: number;
}

export interface RequestLogsTable {
  id: string;
  created_at: number;
  operation: string;
  ingress_protocol: string;
  org_id: string | null;
  key_id: string | null;
  project_id: string | null;
  user_id: string | null;
  session_id: string | null;
  session_name: string | null;
  session_path: string | null;
  /** JSON object of string values. */
  properties: string;
  requested_model: string | null;
  provider: string | null;
  model: string | null;
  /** 0/1 */
  stream: number;
  status: number;
  error_code: string | null;
  error_message: string | null;
  ttft_ms: number | null;
  latency_ms: number;
  // Usage as columns rather than JSON so usage and cost can be summed in SQL; all five are null
  // together when the request has no usage.
  prompt_tokens: number | null;
  completion_tokens: number | null;
  total_tokens: number | null;
  cached_tokens: number | null;
  reasoning_tokens: number | null;
  usage_source: string | null;
  cost_usd: number | null;
  /** HIT-EXACT, HIT-SEMANTIC, MISS; null when the cache was not consulted (0008). */
  cache_status: string | null;
  /** What a cache hit saved, in USD (0008). */
  cost_saved_usd: number | null;
  /** 0/1 */
  fallback_used: number;
  /** JSON array of attempts. */
  attempts: string;
  routing_rule: string | null;
  /** JSON DecisionRecord, for routed requests. */
  decision: string | null;
  /** The experiment that routed the request, and its variant `A` or `B` (0009). */
  experiment_id: string | null;
  experiment_variant: string | null;
}

/** One answered turn of a session (0009). */
export interface SessionTurnsTable {
  request_id: string;
  org_id: string;
  key_id: string | null;
  session_id: string;
  created_at: number;
  provider: string | null;
  model: string | null;
  /** JSON array of OpenAI chat messages (the request's, then the answer); null: content not kept. */
  messages: string | null;
}

/** One feedback per request or session (0009). */
export interface FeedbackTable {
  id: string;
  org_id: string;
  /** `request:<id>` or `session:<id>`, unique per org. */
  subject: string;
  request_id: string | null;
  session_id: string | null;
  key_id: string | null;
  score: number;
  /** 0/1, or null when not given. */
  useful: number | null;
  comment: string | null;
  /** JSON array of the target keys credited. */
  targets: string;
  created_at: number;
}

/** The prompt library (0009): one row per prompt, its versions below. */
export interface PromptsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  latest_version: number;
  created_at: number;
  updated_at: number;
}

export interface PromptVersionsTable {
  prompt_id: string;
  version: number;
  /** JSON array of OpenAI chat messages. */
  messages: string;
  model: string | null;
  /** JSON object of variable defaults. */
  defaults: string;
  created_at: number;
}

/** A/B experiments between two routing rules (0009). */
export interface ExperimentsTable {
  id: string;
  org_id: string;
  name: string;
  description: string | null;
  variant_a_rule: string;
  variant_b_rule: string;
  split_percentage: number;
  /** `active` | `rolled_back` | `completed` */
  status: string;
  created_at: number;
  updated_at: number;
  ended_at: number | null;
}

/** One row per running gateway process; a clean stop deletes its row (0004). */
export interface GatewayInstancesTable {
  id: string;
  host: string;
  pid: number;
  started_at: number;
  /** Every request record this process accepted before this instant was written. */
  flushed_at: number;
  /** The last time the process wrote this row (its heartbeat). */
  seen_at: number;
}

/** One org's own limits (`PUT /v1/constraints`), each null when unset (0005). */
export interface OrgConstraintsTable {
  org_id: string;
  cost_limit_monthly_usd: number | null;
  token_window_seconds: number | null;
  max_tokens_per_window: number | null;
  max_requests_per_minute: number | null;
  updated_at: number;
}

/** Append-only: one row per control change (0005). */
export interface AuditLogTable {
  id: string;
  created_at: number;
  actor_key_id: string | null;
  action: string;
  resource: string;
  resource_id: string;
  before_hash: string | null;
  after_hash: string | null;
  /** JSON object. */
  detail: string;
}

/** Providers created through the admin API (0006); the credential only sealed. */
export interface ProvidersTable {
  name: string;
  type: string;
  base_url: string | null;
  /** JSON array of model names, or null. */
  models: string | null;
  org_id: string | null;
  /** `seal()` output under the master key; null for a provider that takes no credential. */
  sealed_api_key: string | null;
  source: string;
  created_at: number;
  updated_at: number;
}

/** Datasets (0010): named lists of evaluation items. */
export interface DatasetsTable {
  id: string;
  org_id: string;
  name: string;
  item_count: number;
  created_at: number;
}

export interface DatasetItemsTable {
  dataset_id: string;
  position: number;
  id: string;
  /** JSON `{messages?, inputs?}`. */
  input: string;
  /** JSON, or null. */
  expected: string | null;
}

/** Evaluation runs (0010). */
export interface EvaluationRunsTable {
  id: string;
  org_id: string;
  key_id: string;
  dataset_id: string;
  model: string;
  prompt_id: string | null;
  /** pending | running | completed | failed | cancelled */
  status: string;
  /** JSON config as given. */
  config: string;
  /** JSON summary, once there is one. */
  summary: string | null;
  error: string | null;
  /** The instance executing it, while one does. */
  owner: string | null;
  heartbeat_at: number;
  /** How many times an instance took it on (a restart or a crash adds one). */
  claims: number;
  created_at: number;
  started_at: number | null;
  finished_at: number | null;
}

export interface EvaluationResultsTable {
  id: string;
  run_id: string;
  position: number;
  input_id: string;
  output: string | null;
  score: number | null;
  cost_usd: number;
  /** 0/1: the item's call failed. */
  failed: number;
  /** JSON object. */
  metadata: string;
  created_at: number;
}

/** Usage per org, hour and dimensions (0011); `''` for a dimension a record had none of. */
export interface UsageHourlyTable {
  org_id: string;
  hour_ms: number;
  model: string;
  provider: string;
  project_id: string;
  key_id: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cache_hits: number;
  /** Records per latency bucket (`lat_0` … `lat_30`, ROLLUP_LATENCY_EDGES_MS; the last: beyond them). */
  [histogram: `lat_${number}`]: number;
}

/** A property rolled up by hour, and from when (0011). */
export interface UsageRollupPropertiesTable {
  name: string;
  since_ms: number;
}

/** Usage per org, hour, property value and latency bucket (0011); value '' for none. */
export interface UsageHourlyPropertiesTable {
  org_id: string;
  hour_ms: number;
  name: string;
  value: string;
  requests: number;
  errors: number;
  input_tokens: number;
  output_tokens: number;
  cost_usd: number;
  cache_hits: number;
  [histogram: `lat_${number}`]: number;
}

export interface Database {
  orgs: OrgsTable;
  projects: ProjectsTable;
  api_keys: ApiKeysTable;
  control_meta: ControlMetaTable;
  routing_rules: RoutingRulesTable;
  request_logs: RequestLogsTable;
  gateway_instances: GatewayInstancesTable;
  org_constraints: OrgConstraintsTable;
  audit_log: AuditLogTable;
  providers: ProvidersTable;
  plans: PlansTable;
  session_turns: SessionTurnsTable;
  feedback: FeedbackTable;
  prompts: PromptsTable;
  prompt_versions: PromptVersionsTable;
  experiments: ExperimentsTable;
  datasets: DatasetsTable;
  dataset_items: DatasetItemsTable;
  evaluation_runs: EvaluationRunsTable;
  evaluation_results: EvaluationResultsTable;
  usage_hourly: UsageHourlyTable;
  usage_rollup_properties: UsageRollupPropertiesTable;
  usage_hourly_properties: UsageHourlyPropertiesTable;
}
