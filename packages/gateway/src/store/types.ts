/**
 * The store interfaces: what the gateway needs from its control and events stores, independent of
 * the backend (SQLite in the embedded default, PostgreSQL when distributed). The hot path never
 * calls these per request; it reads the control snapshot and enqueues records.
 */

export interface Org {
  id: string;
  name: string;
  createdAt: Date;
}

export interface Project {
  id: string;
  orgId: string;
  name: string;
  createdAt: Date;
}

/** Where a key came from: the CLI, the config file (by hash), the bootstrap env var, or the admin API. */
export type ApiKeySource = "cli" | "config" | "bootstrap" | "generated" | "admin";

/**
 * What a key may call: `gateway` keys call the traffic and platform routes (`/v1/…`), `admin` keys
 * only the admin API (`/admin/…`). Kept apart so a key leaked from an application cannot change
 * routing, and an operator's key is never spent on traffic.
 */
export type ApiKeyScope = "gateway" | "admin";

export interface ApiKeyRecord {
  id: string;
  orgId: string;
  /** A key locked to a project may only act for that project; null means any project of the org. */
  projectId: string | null;
  name: string;
  /** `sha256:<64 lowercase hex>` of the whole key. The key itself is never stored. */
  hash: string;
  /** The first characters of the key (`fp_abcd…`), for people to recognise it in lists. */
  displayPrefix: string;
  source: ApiKeySource;
  scope: ApiKeyScope;
  routingRule: string | null;
  rpm: number | null;
  /** Tokens per minute for this key; null: no key-level token limit. */
  tpm: number | null;
  /** Spend per calendar month (UTC) for this key; null: no key-level budget. */
  monthlyBudgetUsd: number | null;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export type NewApiKey = Omit<ApiKeyRecord, "createdAt" | "revokedAt" | "scope"> & {
  createdAt?: Date;
  /** Defaults to `gateway`. */
  scope?: ApiKeyScope;
};

/** The fields of a key that may change after it is made (`floopy keys update`); absent ones stay. */
export type ApiKeyChanges = Partial<
  Pick<ApiKeyRecord, "name" | "projectId" | "routingRule" | "expiresAt" | "rpm" | "tpm" | "monthlyBudgetUsd">
>;

/** Where a routing rule came from: the config file (which owns it) or the admin API. */
export type RoutingRuleSource = "config" | "admin";

export interface RoutingRuleRecord {
  /** Unique; also the rule's id on the wire (`routing_rule_id`). */
  name: string;
  /**
   * The rule as the config file and the admin API write it (snake_case: strategy, targets, retry,
   * timeout_ms, success_floor), validated before it is stored and again when it is loaded.
   */
  definition: Record<string, unknown>;
  source: RoutingRuleSource;
  createdAt: Date;
  updatedAt: Date;
}

export interface SaveRoutingRule {
  name: string;
  definition: Record<string, unknown>;
  source: RoutingRuleSource;
  /** `create`: only if no rule has the name. `upsert`: create, or replace a rule of a replaceable source. */
  mode: "create" | "upsert";
  /** Sources an upsert may replace (the admin API may not replace a config-file rule). */
  replaceable: readonly RoutingRuleSource[];
}

export type SaveRoutingRuleResult =
  | { outcome: "created" | "replaced" | "unchanged"; rule: RoutingRuleRecord }
  /** A rule with the name exists and may not be replaced (create mode, or a source not replaceable). */
  | { outcome: "exists"; rule: RoutingRuleRecord };

export type DeleteRoutingRuleResult =
  | { outcome: "deleted" | "not_found" }
  | { outcome: "wrong_source"; source: RoutingRuleSource }
  /** Keys (not revoked) name it as their default rule. */
  | { outcome: "in_use"; keyIds: string[] };

/** Where a stored provider came from; only the admin API writes providers to the store today. */
export type ProviderSource = "admin";

/**
 * A provider created through the admin API. Its credential is kept only sealed under the master
 * key (`control/master-key.ts`); the store never sees, and never returns, the plain key.
 */
export interface ProviderRecord {
  /** Unique, lowercase; callers name its models `<name>/<model>`. */
  name: string;
  /** A provider type of the registry (`openai`, `openai-compatible`, …), checked before storing. */
  type: string;
  /** Null: the type's default base URL. */
  baseUrl: string | null;
  /** Models served in addition to the type's catalogue; null when none are named. */
  models: string[] | null;
  /** Usable only by this org's keys; null: instance-wide. */
  orgId: string | null;
  /** `seal()` output; null for a type that takes no credential. */
  sealedApiKey: string | null;
  source: ProviderSource;
  createdAt: Date;
  updatedAt: Date;
}

export type SaveProvider = Omit<ProviderRecord, "createdAt" | "updatedAt"> & {
  /** `create`: only if no provider has the name. `upsert`: create, or replace the one that has it. */
  mode: "create" | "upsert";
};

export type SaveProviderResult =
  | { outcome: "created" | "replaced"; provider: ProviderRecord }
  /** Create mode and the name is taken. */
  | { outcome: "exists"; provider: ProviderRecord };

/**
 * A plan: the features it includes, by name (control/plan-features.ts lists the known ones; the
 * store keeps whatever it is given), or `"*"` for every feature, those added later included.
 */
export interface PlanRecord {
  id: string;
  name: string;
  features: readonly string[] | "*";
  createdAt: Date;
  updatedAt: Date;
}

export interface SavePlan {
  id: string;
  name: string;
  features: readonly string[] | "*";
  /** `create`: only if no plan has the id. `upsert`: create, or replace the plan with the id. */
  mode: "create" | "upsert";
}

export type SavePlanResult =
  | { outcome: "created" | "replaced" | "unchanged"; plan: PlanRecord }
  /** Create mode, and a plan with the id exists. */
  | { outcome: "exists"; plan: PlanRecord };

export type DeletePlanResult =
  | { outcome: "deleted" | "not_found" }
  /** Orgs are on the plan. */
  | { outcome: "in_use"; orgIds: string[] };

/** An org's subscription: its plan (null: the default plan, which includes everything) and when it lapses. */
export interface OrgPlan {
  orgId: string;
  planId: string | null;
  /** Null: it does not lapse. */
  subscriptionExpiresAt: Date | null;
}

export interface OrgPlanChange {
  planId: string | null;
  /** Absent: the stored expiry stays; null clears it. */
  subscriptionExpiresAt?: Date | null;
}

export type SetOrgPlanResult =
  | { outcome: "set" | "unchanged"; orgPlan: OrgPlan }
  | { outcome: "org_not_found" | "plan_not_found" };

export interface ControlStore {
  /** Monotonic counter bumped by every control-plane write; instances poll it to rebuild their snapshot. */
  controlVersion(): Promise<number>;
  ensureOrg(org: { id: string; name: string }): Promise<Org>;
  getOrg(id: string): Promise<Org | undefined>;
  ensureProject(project: { id: string; orgId: string; name: string }): Promise<Project>;
  listProjects(orgId?: string): Promise<Project[]>;
  insertApiKey(key: NewApiKey): Promise<ApiKeyRecord>;
  /** Insert or update by hash (config-file keys are identified by their hash). */
  upsertApiKeyByHash(key: NewApiKey): Promise<ApiKeyRecord>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  getApiKey(id: string): Promise<ApiKeyRecord | undefined>;
  findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined>;
  /**
   * Changes the given fields of one key; undefined when no such key exists. A change to nothing
   * (the same values again) leaves the version alone.
   */
  updateApiKey(id: string, changes: ApiKeyChanges): Promise<ApiKeyRecord | undefined>;
  /** Returns false when no such key exists; revoking twice keeps the first revocation time. */
  revokeApiKey(id: string, at: Date): Promise<boolean>;
  /** Counts every key, or the keys of one scope. */
  countApiKeys(scope?: ApiKeyScope): Promise<number>;
  listRoutingRules(): Promise<RoutingRuleRecord[]>;
  getRoutingRule(name: string): Promise<RoutingRuleRecord | undefined>;
  /** Writes in one transaction; an identical replace is `unchanged` and leaves the version alone. */
  saveRoutingRule(rule: SaveRoutingRule): Promise<SaveRoutingRuleResult>;
  /** Deletes a rule of one of `sources`, unless a key that is not revoked names it. */
  deleteRoutingRule(name: string, sources: readonly RoutingRuleSource[]): Promise<DeleteRoutingRuleResult>;
  /** Every org, oldest first (then by id). */
  listOrgs(): Promise<Org[]>;
  /** Creates an org; undefined when the id is taken (nothing is written then). */
  createOrg(org: { id: string; name: string }): Promise<Org | undefined>;
  /** Renames an org; undefined when there is none. The same name again leaves the version alone. */
  renameOrg(id: string, name: string): Promise<Org | undefined>;
  /** Creates a project; undefined when the id is taken (project ids are global). */
  createProject(project: { id: string; orgId: string; name: string }): Promise<Project | undefined>;
  getProject(id: string): Promise<Project | undefined>;
  /** One org's constraints; undefined when none were ever set. */
  getConstraints(orgId: string): Promise<OrgConstraints | undefined>;
  /** Replaces one org's constraints whole (null clears a value); the same values leave the version alone. */
  putConstraints(orgId: string, values: OrgConstraintValues): Promise<OrgConstraints>;
  /** Every org's constraints, for the snapshot. */
  listConstraints(): Promise<OrgConstraints[]>;
  /** Appends one audit entry; entries are never changed or removed. */
  appendAudit(entry: NewAuditEntry): Promise<AuditEntry>;
  /** Newest first, keyset-paged by (createdAt, id). */
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** Every plan, by id. */
  listPlans(): Promise<PlanRecord[]>;
  getPlan(id: string): Promise<PlanRecord | undefined>;
  /** Writes in one transaction; an identical replace is `unchanged` and leaves the version alone. */
  savePlan(plan: SavePlan): Promise<SavePlanResult>;
  /** Deletes a plan no org is on. */
  deletePlan(id: string): Promise<DeletePlanResult>;
  getOrgPlan(orgId: string): Promise<OrgPlan | undefined>;
  /** The orgs whose plan or expiry is set (every other org is on the default plan, without expiry). */
  listOrgPlans(): Promise<OrgPlan[]>;
  /** Puts an org on a plan that exists (or the default plan); a change to nothing leaves the version alone. */
  setOrgPlan(orgId: string, change: OrgPlanChange): Promise<SetOrgPlanResult>;
  /** By name. */
  listProviders(): Promise<ProviderRecord[]>;
  getProvider(name: string): Promise<ProviderRecord | undefined>;
  /** Writes in one transaction; a replace keeps the creation time. */
  saveProvider(provider: SaveProvider): Promise<SaveProviderResult>;
  /** False when no provider has the name. */
  deleteProvider(name: string): Promise<boolean>;
  /**
   * Master-key rotation: replaces every sealed credential with `reseal(sealed)`, all in one
   * transaction; one that throws leaves every row as it was. Returns how many were resealed.
   */
  resealProviderKeys(reseal: (sealed: string) => string): Promise<number>;
}

/** An org's own limits (`PUT /v1/constraints`); each null when unset. */
export interface OrgConstraintValues {
  costLimitMonthlyUsd: number | null;
  tokenWindowSeconds: number | null;
  maxTokensPerWindow: number | null;
  maxRequestsPerMinute: number | null;
}

export interface OrgConstraints extends OrgConstraintValues {
  orgId: string;
  updatedAt: Date;
}

/** One control change as the audit log keeps it: who, what, and hashes of the object before and after. */
export interface AuditEntry {
  id: string;
  createdAt: Date;
  /** The key that made the change; null for the CLI and the start (no key involved). */
  actorKeyId: string | null;
  /** `<resource>.<verb>`, e.g. `keys.create`, `routing_rules.replace`. */
  action: string;
  /** `orgs`, `projects`, `keys`, `routing_rules`, `constraints`, … */
  resource: string;
  resourceId: string;
  /** sha256 (lowercase hex) of the canonical JSON of the object before; null when it did not exist. */
  beforeHash: string | null;
  /** The same after the change; null when the change removed it. */
  afterHash: string | null;
  /** What else helps to read the entry (request id, changed fields); never a secret. */
  detail: Record<string, unknown>;
}

/** The store assigns the id and, unless given, the time. */
export type NewAuditEntry = Omit<AuditEntry, "id" | "createdAt"> & { createdAt?: Date };

export interface AuditQuery {
  limit: number;
  /** Page after this entry (the last of the previous page). */
  after?: { createdAt: Date; id: string };
  resource?: string;
}

export interface TokenUsage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
}

import type { AttemptRecord } from "../errors/attempt-record.js";

/** One attempt at one target during dispatch, as recorded and as listed in a 502 body. */
export type { AttemptRecord };

export interface RequestLogRecord {
  id: string;
  createdAt: Date;
  operation: string;
  ingressProtocol: string;
  orgId: string | null;
  keyId: string | null;
  projectId: string | null;
  userId: string | null;
  sessionId: string | null;
  sessionName: string | null;
  sessionPath: string | null;
  properties: Record<string, string>;
  requestedModel: string | null;
  provider: string | null;
  model: string | null;
  stream: boolean;
  status: number;
  errorCode: string | null;
  errorMessage: string | null;
  ttftMs: number | null;
  latencyMs: number;
  usage: TokenUsage | null;
  /** Where the token counts came from: the provider, a local tokenizer, or the character estimate. */
  usageSource: "upstream" | "tokenizer" | "estimate" | null;
  costUsd: number | null;
  /** What the cache did: HIT-EXACT, HIT-SEMANTIC, MISS; null when it was not consulted. */
  cacheStatus: string | null;
  /** What a cache hit saved (the stored answer's price); null otherwise. */
  costSavedUsd: number | null;
  fallbackUsed: boolean;
  attempts: AttemptRecord[];
  /** The routing rule the request was routed by, if any. */
  routingRule: string | null;
  /** How it was routed; null for requests that never reached routing. */
  decision: DecisionRecord | null;
  /** The experiment that routed it (its variant's rule did), if any. */
  experiment: { id: string; variant: "A" | "B" } | null;
  /**
   * A session's turn, for a request that carried a session id and was answered: null otherwise.
   * `messages` (OpenAI chat messages, the request's then the answer's, secrets redacted) is null
   * when the org's logging keeps no content.
   */
  turn: { messages: ChatMessage[] | null } | null;
}

/** A message as OpenAI's chat API writes it: what a session restores and a prompt holds. */
export interface ChatMessage {
  role: string;
  content: unknown;
  [field: string]: unknown;
}

/** A routing decision as recorded: what was considered, in which order, and why. */
export interface DecisionRecord {
  strategy: string | null;
  candidates: Array<{
    /** Null for a member that could not be tried at all (model unknown, provider not enabled). */
    provider: string | null;
    /** For such a member, the model as the request or rule named it. */
    model: string;
    source: "rule" | "model" | "fallback";
    score: number | null;
    skipped: string | null;
    /** Why a member could not be tried, in words; absent in records written before it existed. */
    detail?: string | null;
    /** Tried although its circuit was open, because every target left was open. */
    triedAnyway?: boolean;
  }>;
  allCircuitsOpen: boolean;
  /** The firewall's verdict, when it screened the request (absent in older records). */
  firewall?: {
    decision: "allow" | "block_input" | "redact";
    tier: string | null;
    category: string | null;
    detail: string | null;
  } | null;
  /** The cache's answer, when it answered (absent otherwise). */
  cache?: { status: string; similarity: number | null } | null;
  /** The experiment whose variant's rule routed the request (absent otherwise). */
  experiment?: { id: string; variant: "A" | "B" } | null;
}

export interface DecisionQuery {
  orgId: string;
  limit: number;
  /** Page after this record (the last of the previous page). */
  after?: { createdAt: Date; id: string };
  from?: Date;
  to?: Date;
  model?: string;
  provider?: string;
  status?: number;
  rule?: string;
}

export interface RequestLogQuery {
  limit: number;
  orgId?: string;
  /** Page after this record (the last of the previous page). */
  after?: { createdAt: Date; id: string };
  /** Inclusive. */
  from?: Date;
  /** Exclusive. */
  to?: Date;
  model?: string;
  provider?: string;
  status?: number;
  keyId?: string;
  projectId?: string;
  userId?: string;
  sessionId?: string;
  /** Records carrying every one of these properties with exactly this value. */
  properties?: Readonly<Record<string, string>>;
}

/** `GET /v1/usage`: one org's records of [from, to) summed per time bucket and group. */
export interface UsageQuery {
  orgId: string;
  from: Date;
  to: Date;
  intervalMs: number;
  /** A record column, a property's value, or nothing (one group). */
  groupBy:
    | { kind: "column"; column: "model" | "provider" | "project_id" | "key_id" | "user_id" }
    | { kind: "property"; name: string }
    | null;
  /** Upper edges (ms, exclusive) of the latency histogram's buckets; one more bucket holds the rest. */
  latencyEdgesMs: readonly number[];
}

export interface UsageRow {
  /** Start of the time bucket, epoch ms. */
  bucketStartMs: number;
  group: string | null;
  requests: number;
  errors: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  cacheHits: number;
  /** Requests per latency bucket (index into the query's edges; the last: beyond them). */
  latencyHistogram: number[];
}

export interface KeySpend {
  keyId: string;
  orgId: string;
  costUsd: number;
}

/** A running gateway process, as its marker row says (see records/instance-marker.ts). */
export interface GatewayInstanceRecord {
  id: string;
  host: string;
  pid: number;
  startedAt: Date;
  /** Every request record the process accepted before this instant was written. */
  flushedAt: Date;
  /** When the process last wrote its row. */
  seenAt: Date;
}

export interface EventStore {
  insertRequestLogs(records: readonly RequestLogRecord[]): Promise<void>;
  getRequestLog(id: string): Promise<RequestLogRecord | undefined>;
  /** Newest first. */
  listRequestLogs(query: RequestLogQuery): Promise<RequestLogRecord[]>;
  /** Routed requests of one org, newest first, filtered; keyset-paginated by (created_at, id). */
  listDecisions(query: DecisionQuery): Promise<RequestLogRecord[]>;
  /**
   * What each key spent since `from` (its org alongside), summed from the request records: seeds
   * the month's budget counters of an instance that keeps them in memory, so a restart does not
   * hand every key a fresh budget.
   */
  spendSince(from: Date): Promise<KeySpend[]>;
  /**
   * Has the usage rollup keep these properties too (`usage.rollup_properties`), each from the
   * hour after next; names listed already keep their start. Then reloads the list.
   */
  ensureRollupProperties(names: readonly string[]): Promise<void>;
  /** Reloads the list of rolled-up properties (another instance may have added one). */
  reloadRollupProperties(): Promise<void>;
  /** Usage per time bucket and group, summed in the database (one query, one pass over the range). */
  usage(query: UsageQuery): Promise<UsageRow[]>;
  /** Marker rows of gateway processes that have not stopped cleanly (running, or crashed). */
  listGatewayInstances(): Promise<GatewayInstanceRecord[]>;
  /** Inserts or updates the row of one process. */
  saveGatewayInstance(instance: GatewayInstanceRecord): Promise<void>;
  /** Deletes one row; false when it was already gone (another instance claimed it). */
  removeGatewayInstance(id: string): Promise<boolean>;
}

/** One answered turn of a session, oldest first in a session's list. */
export interface SessionTurn {
  requestId: string;
  orgId: string;
  keyId: string | null;
  sessionId: string;
  createdAt: Date;
  provider: string | null;
  model: string | null;
  messages: ChatMessage[] | null;
}

export interface FeedbackRecord {
  id: string;
  orgId: string;
  requestId: string | null;
  sessionId: string | null;
  keyId: string | null;
  /** 0–10 as given. */
  score: number;
  useful: boolean | null;
  comment: string | null;
  /** Target keys (`provider/model`) it was credited to. */
  targets: string[];
  createdAt: Date;
}

/** Sessions and feedback (events store). */
export interface SessionStore {
  /** A session's turns, oldest first (by time, then request id), at most `limit`. */
  listSessionTurns(orgId: string, sessionId: string, limit: number): Promise<SessionTurn[]>;
  /** The session id of the key's most recent turn, or undefined. */
  latestSessionOfKey(orgId: string, keyId: string): Promise<string | undefined>;
  /**
   * Stores a feedback with a new id; undefined when feedback on the same subject (request or
   * session) of the org exists (nothing is written then).
   */
  insertFeedback(feedback: Omit<FeedbackRecord, "id">): Promise<FeedbackRecord | undefined>;
  /**
   * Every org's feedback after a position, oldest first by (created_at, id): what each instance's
   * routing statistics learn from (they are per target, like latency).
   */
  listFeedbackAfter(after: { createdAt: Date; id: string }, limit: number): Promise<FeedbackRecord[]>;
}

export interface PromptVersionRecord {
  promptId: string;
  version: number;
  messages: ChatMessage[];
  model: string | null;
  defaults: Record<string, string>;
  createdAt: Date;
}

export interface PromptRecord {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  latestVersion: number;
  createdAt: Date;
  updatedAt: Date;
}

export type NewPromptVersion = Pick<PromptVersionRecord, "messages" | "model" | "defaults">;

/** The prompt library (control store): every write bumps the control version. */
export interface PromptStore {
  /** Undefined when the org already has a prompt of that name. */
  createPrompt(
    prompt: { orgId: string; name: string; description: string | null },
    first: NewPromptVersion,
  ): Promise<{ prompt: PromptRecord; version: PromptVersionRecord } | undefined>;
  /** Appends the next version; undefined when the org has no such prompt. */
  addPromptVersion(
    orgId: string,
    promptId: string,
    version: NewPromptVersion,
  ): Promise<PromptVersionRecord | undefined>;
  getPrompt(orgId: string, promptId: string): Promise<PromptRecord | undefined>;
  /** By id alone, whatever its org (the admin API). */
  findPrompt(promptId: string): Promise<PromptRecord | undefined>;
  /** Oldest first by (created_at, id), after the given position. */
  listPrompts(orgId: string, limit: number, after?: { createdAt: Date; id: string }): Promise<PromptRecord[]>;
  getPromptVersion(promptId: string, version: number): Promise<PromptVersionRecord | undefined>;
  /** A prompt's versions, ascending, after `afterVersion`. */
  listPromptVersions(promptId: string, limit: number, afterVersion?: number): Promise<PromptVersionRecord[]>;
  /** Every prompt and every version, for the snapshot. */
  loadPromptLibrary(): Promise<{ prompts: PromptRecord[]; versions: PromptVersionRecord[] }>;
}

export type ExperimentStatus = "active" | "rolled_back" | "completed";

export interface ExperimentRecord {
  id: string;
  orgId: string;
  name: string;
  description: string | null;
  variantARule: string;
  variantBRule: string;
  splitPercentage: number;
  status: ExperimentStatus;
  createdAt: Date;
  updatedAt: Date;
  endedAt: Date | null;
}

/** Requests one variant of an experiment routed. */
export interface VariantOutcomes {
  variant: "A" | "B";
  requests: number;
  successes: number;
  latencyMsSum: number;
  costUsdSum: number;
}

/** Experiments (control store; results read the request logs). */
export interface ExperimentStore {
  /** Undefined when the org already runs an active experiment on the same variant A rule. */
  createExperiment(
    experiment: Omit<ExperimentRecord, "id" | "status" | "createdAt" | "updatedAt" | "endedAt">,
  ): Promise<ExperimentRecord | undefined>;
  getExperiment(orgId: string, id: string): Promise<ExperimentRecord | undefined>;
  /** By id alone, whatever its org (the admin API). */
  findExperiment(id: string): Promise<ExperimentRecord | undefined>;
  listExperiments(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<ExperimentRecord[]>;
  /** Every active experiment, for the snapshot. */
  listActiveExperiments(): Promise<ExperimentRecord[]>;
  /** Ends an active experiment; an ended one is returned as it is (rollback is idempotent). */
  rollBackExperiment(orgId: string, id: string, at: Date): Promise<ExperimentRecord | undefined>;
  /** What each variant's requests did, from the request logs. */
  experimentOutcomes(experimentId: string): Promise<VariantOutcomes[]>;
}

export interface DatasetItemInput {
  messages?: ChatMessage[];
  inputs?: Record<string, unknown>;
}

export interface DatasetItem {
  id: string;
  position: number;
  input: DatasetItemInput;
  expected: unknown;
}

export interface DatasetRecord {
  id: string;
  orgId: string;
  name: string;
  itemCount: number;
  createdAt: Date;
}

export type EvaluationStatus = "pending" | "running" | "completed" | "failed" | "cancelled";

export interface EvaluationRunRecord {
  id: string;
  orgId: string;
  keyId: string;
  datasetId: string;
  model: string;
  promptId: string | null;
  status: EvaluationStatus;
  config: Record<string, unknown>;
  summary: Record<string, unknown> | null;
  error: string | null;
  owner: string | null;
  heartbeatAt: Date;
  claims: number;
  createdAt: Date;
  startedAt: Date | null;
  finishedAt: Date | null;
}

export interface EvaluationResultRecord {
  id: string;
  runId: string;
  position: number;
  inputId: string;
  output: string | null;
  score: number | null;
  costUsd: number;
  failed: boolean;
  metadata: Record<string, unknown>;
  createdAt: Date;
}

/** A finished or running run's results, summed in the database. */
export interface EvaluationTotals {
  items: number;
  scored: number;
  failed: number;
  scoreSum: number;
  costUsd: number;
}

/** Datasets (control) and evaluation runs (events). */
export interface EvaluationStore {
  createDataset(
    dataset: { orgId: string; name: string },
    items: ReadonlyArray<{ input: DatasetItemInput; expected: unknown }>,
  ): Promise<DatasetRecord>;
  getDataset(orgId: string, id: string): Promise<DatasetRecord | undefined>;
  listDatasets(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<DatasetRecord[]>;
  /** Items in upload order, after a position. */
  listDatasetItems(datasetId: string, limit: number, afterPosition?: number): Promise<DatasetItem[]>;
  createRun(
    run: Pick<EvaluationRunRecord, "orgId" | "keyId" | "datasetId" | "model" | "promptId" | "config">,
  ): Promise<EvaluationRunRecord>;
  getRun(orgId: string, id: string): Promise<EvaluationRunRecord | undefined>;
  listRuns(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<EvaluationRunRecord[]>;
  /**
   * Takes runs no live instance executes (pending or running, heartbeat older than `staleBefore`)
   * for `owner`, one conditional update each, so two instances never take the same run.
   */
  claimStaleRuns(owner: string, staleBefore: Date, now: Date): Promise<EvaluationRunRecord[]>;
  /**
   * Gives a run back for another instance to take at once (a clean stop): its owner cleared, its
   * heartbeat stale, and the claim it took not counted against it.
   */
  releaseRun(id: string, owner: string): Promise<void>;
  /** Moves the heartbeat of `owner`'s runs; answers the ids it still owns and that still run. */
  heartbeat(owner: string, ids: readonly string[], now: Date): Promise<string[]>;
  /** Changes a run only while its status is one of `from`; undefined when it was not. */
  updateRun(
    id: string,
    from: readonly EvaluationStatus[],
    change: Partial<
      Pick<EvaluationRunRecord, "status" | "summary" | "error" | "owner" | "startedAt" | "finishedAt">
    > & {
      heartbeatAt?: Date;
    },
  ): Promise<EvaluationRunRecord | undefined>;
  /** Stores a result with a new id; false when the run has a result at that position already. */
  insertResult(result: Omit<EvaluationResultRecord, "id">): Promise<boolean>;
  /** In item order, after a position. */
  listResults(runId: string, limit: number, afterPosition?: number): Promise<EvaluationResultRecord[]>;
  resultPositions(runId: string): Promise<number[]>;
  totals(runId: string): Promise<EvaluationTotals>;
}

export interface Stores {
  control: ControlStore;
  events: EventStore;
  sessions: SessionStore;
  prompts: PromptStore;
  experiments: ExperimentStore;
  evaluations: EvaluationStore;
  /** Which backend serves control + events, for /readyz and logs. */
  kind: "sqlite" | "postgres";
  /** Cheap round trip proving the database answers (for /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
