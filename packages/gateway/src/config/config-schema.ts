/**
 * The config file's schema (INTERFACE.md "The config file"). Unknown keys are errors so a typo is
 * caught at start, and every error names the path of the bad field.
 */
import { z } from "zod";

const positiveInt = z.number().int().positive();
/**
 * A limit's count: what the stores' integer columns hold (the same bound as the admin API's,
 * protocol/floopy-api/body-schema.ts; config/ imports no other room).
 */
const limitCount = positiveInt.max(2_147_483_647);
const nonNegative = z.number().nonnegative();
const sha256Hash = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'expected "sha256:" followed by 64 lowercase hex characters');

export const providerConfigSchema = z.strictObject({
  type: z.string().min(1).optional(),
  api_key: z.string().optional(),
  base_url: z.url({ protocol: /^https?$/ }).optional(),
  models: z.array(z.string().min(1)).optional(),
  /** Let this provider's base URL resolve to link-local / cloud-metadata addresses (refused by default). */
  allow_link_local: z.boolean().optional(),
  enabled: z.boolean().optional(),
});

const pricingSchema = z.strictObject({
  input: z.number().nonnegative(),
  output: z.number().nonnegative(),
  cached_input: z.number().nonnegative().optional(),
});

export const modelConfigSchema = z.strictObject({
  target: z.string().min(1).optional(),
  /** USD per million tokens. */
  pricing: pricingSchema.optional(),
});

export const keyConfigSchema = z.strictObject({
  name: z.string().min(1),
  hash: sha256Hash,
  org: z.string().min(1).optional(),
  project: z.string().min(1).optional(),
  routing_rule: z.string().min(1).optional(),
  // docs/limits.md
  rpm: limitCount.optional(),
  tpm: limitCount.optional(),
  monthly_budget_usd: nonNegative.optional(),
  expires_at: z.iso.datetime({ offset: true }).optional(),
});

const retrySchema = z.strictObject({
  attempts: z.number().int().min(0).max(10).optional(),
  on: z.array(z.enum(["429", "5xx", "network", "timeout"]).or(z.number().int())).optional(),
  backoff_ms: z.number().int().nonnegative().optional(),
});

export const routingRuleSchema = z.strictObject({
  strategy: z.enum(["fallback", "round_robin", "weighted", "latency_based", "feedback_driven", "smart_cost"]),
  targets: z
    .array(z.strictObject({ model: z.string().min(1), weight: z.number().nonnegative().optional() }))
    .min(1),
  retry: retrySchema.optional(),
  timeout_ms: z.strictObject({ attempt: positiveInt.optional(), total: positiveInt.optional() }).optional(),
  /** smart_cost: the recent success rate (0–1) a target needs to be preferred on price. */
  success_floor: z.number().min(0).max(1).optional(),
});

export const serverConfigSchema = z.strictObject({
  port: z.number().int().min(0).max(65535).optional(),
  host: z.string().min(1).optional(),
  max_body_bytes: positiveInt.optional(),
  max_admin_body_bytes: positiveInt.optional(),
  max_json_depth: positiveInt.optional(),
  max_properties: positiveInt.optional(),
  max_property_value_bytes: positiveInt.optional(),
  headers_timeout_ms: positiveInt.optional(),
  keep_alive_timeout_ms: positiveInt.optional(),
  upstream_connect_timeout_ms: positiveInt.optional(),
  upstream_first_byte_timeout_ms: positiveInt.optional(),
  upstream_idle_timeout_ms: positiveInt.optional(),
  request_deadline_ms: positiveInt.optional(),
  client_write_timeout_ms: positiveInt.optional(),
  stream_buffer_bytes: positiveInt.optional(),
  max_upstream_body_bytes: positiveInt.optional(),
  max_upstream_event_bytes: positiveInt.optional(),
  max_upstream_error_body_bytes: positiveInt.optional(),
  max_retry_after_seconds: positiveInt.optional(),
  image_fetch_max_bytes: positiveInt.optional(),
  image_fetch_timeout_ms: positiveInt.optional(),
  breaker_window_ms: positiveInt.optional(),
  breaker_min_requests: positiveInt.optional(),
  breaker_failure_percent: z.number().int().min(1).max(100).optional(),
  breaker_cooldown_ms: positiveInt.optional(),
  shutdown_grace_ms: positiveInt.optional(),
  record_queue_capacity: positiveInt.optional(),
  record_flush_interval_ms: positiveInt.optional(),
  control_poll_ms: positiveInt.optional(),
  model_list_ttl_ms: positiveInt.optional(),
  model_list_timeout_ms: positiveInt.optional(),
});

/** A cache setting that a routing rule or an org may override (docs/cache.md). */
const cacheOverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** The tier a request gets when it names none (`Floopy-Cache`): exact, or semantic (exact first). */
  mode: z.enum(["exact", "semantic"]).optional(),
  ttl_seconds: positiveInt.optional(),
  semantic_threshold: z.number().min(0).max(1).optional(),
  /** The advanced tier for conversations: turn-by-turn comparison (docs/cache.md). */
  conversation: z.boolean().optional(),
  conversation_threshold: z.number().min(0).max(1).optional(),
});

export const cacheConfigSchema = cacheOverrideSchema.extend({
  /** `local` (the built-in lexical embedder) or an embedding model reference (`openai/text-embedding-3-small`). */
  embedder: z.string().min(1).optional(),
  /** Memory budget of the in-process cache (the embedded default), in bytes. */
  max_bytes: positiveInt.optional(),
  /** Conversations with more messages than this skip the semantic tier. */
  semantic_max_messages: positiveInt.optional(),
  /** Whether requests that define tools or carry tool calls may be answered semantically. */
  semantic_with_tools: z.boolean().optional(),
  /** Whether requests with images may be answered semantically. */
  semantic_with_images: z.boolean().optional(),
  rules: z.record(z.string().min(1), cacheOverrideSchema).optional(),
  orgs: z.record(z.string().min(1), cacheOverrideSchema).optional(),
});

/** A firewall setting that an org, a key (by name) or a routing rule may override (docs/firewall.md). */
const firewallOverrideSchema = z.strictObject({
  enabled: z.boolean().optional(),
  /** PII in prompts: let it through, block the request, or redact it before a provider sees it. */
  pii: z.enum(["off", "block", "redact"]).optional(),
  /** Whether the safety model is asked after the local tier (false: local tier only). */
  safety_model: z.boolean().optional(),
  on_error: z.enum(["allow", "block"]).optional(),
});

export const firewallConfigSchema = firewallOverrideSchema.extend({
  /** The safety model (a Llama Guard–style model reference); FIREWALL_MODEL sets it too. */
  model: z.string().min(1).optional(),
  verdict_cache_threshold: z.number().min(0).max(1).optional(),
  /** How long the safety model may take before `on_error` decides. */
  timeout_ms: positiveInt.optional(),
  orgs: z.record(z.string().min(1), firewallOverrideSchema).optional(),
  keys: z.record(z.string().min(1), firewallOverrideSchema).optional(),
  rules: z.record(z.string().min(1), firewallOverrideSchema).optional(),
});

/** What request records keep of message content, for everyone or one org (docs/sessions.md). */
const loggingOverrideSchema = z.strictObject({
  /** `sessions`: the messages and answer of each turn of a session; `none`: no content at all. */
  content: z.enum(["sessions", "none"]).optional(),
});

export const loggingConfigSchema = loggingOverrideSchema.extend({
  orgs: z.record(z.string().min(1), loggingOverrideSchema).optional(),
});

export const configFileSchema = z.strictObject({
  server: serverConfigSchema.optional(),
  providers: z
    .record(
      z.string().regex(/^[a-z0-9][a-z0-9_-]*$/, "provider ids are lowercase letters, digits, - and _"),
      providerConfigSchema,
    )
    .optional(),
  models: z.record(z.string().min(1), modelConfigSchema).optional(),
  routing_rules: z.record(z.string().min(1), routingRuleSchema).optional(),
  keys: z.array(keyConfigSchema).optional(),
  limits: z
    .strictObject({
      org_rpm: limitCount.optional(),
      org_tpm: limitCount.optional(),
      org_monthly_budget_usd: nonNegative.optional(),
    })
    .optional(),
  cache: cacheConfigSchema.optional(),
  firewall: firewallConfigSchema.optional(),
  logging: loggingConfigSchema.optional(),
  usage: z
    .strictObject({
      /** Properties `GET /v1/usage` groups by from the hourly rollup (docs/requests.md#usage). */
      rollup_properties: z
        .array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, "a property name (letters, digits, '_', '.', '-')"))
        .max(20)
        .optional(),
    })
    .optional(),
});

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ProviderConfig = z.infer<typeof providerConfigSchema>;
export type KeyConfig = z.infer<typeof keyConfigSchema>;
export type RoutingRuleConfig = z.infer<typeof routingRuleSchema>;
export type ModelConfig = z.infer<typeof modelConfigSchema>;
export type CacheConfig = z.infer<typeof cacheConfigSchema>;
export type FirewallConfig = z.infer<typeof firewallConfigSchema>;
