/**
 * Server settings: every tunable of the request path with its shipped default
 * (RELIABILITY.md "Defaults"). Resolved once at start from flags, environment and config file.
 */

export interface Settings {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  /** FLOOPY_REDIS_URL: shared state (limits, change notifications) for a fleet; unset → memory. */
  redisUrl: string | undefined;
  masterKey: string | undefined;
  bootstrapKey: string | undefined;
  /** FLOOPY_ADMIN_KEY: an admin-scoped key for automation, created at start if absent. */
  adminKey: string | undefined;
  /** FIREWALL_MODEL (or the config's `firewall.model`): the firewall's safety model; null: local tier only. */
  firewallModel: string | null;
  /** `floopy serve --demo` / FLOOPY_DEMO=1: enable the built-in demo provider (`mock/…`). */
  demo: boolean;
  maxBodyBytes: number;
  maxAdminBodyBytes: number;
  maxJsonDepth: number;
  maxProperties: number;
  maxPropertyValueBytes: number;
  maxHeaderBytes: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  upstreamConnectTimeoutMs: number;
  upstreamFirstByteTimeoutMs: number;
  upstreamIdleTimeoutMs: number;
  requestDeadlineMs: number;
  clientWriteTimeoutMs: number;
  streamBufferBytes: number;
  /** Largest JSON answer read from a provider; beyond it the attempt fails (502) and is aborted. */
  maxUpstreamBodyBytes: number;
  /** Largest single stream event (or unfinished line) from a provider; beyond it the stream fails. */
  maxUpstreamEventBytes: number;
  /** How much of a provider's error body is read; the rest is dropped (the status still counts). */
  maxUpstreamErrorBodyBytes: number;
  /** Longest wait a provider's Retry-After can impose, and the most a caller is told to wait. */
  maxRetryAfterSeconds: number;
  imageFetchMaxBytes: number;
  imageFetchTimeoutMs: number;
  breakerWindowMs: number;
  breakerMinRequests: number;
  /** Percent (1-100) of failed requests in the window that opens a target's circuit. */
  breakerFailurePercent: number;
  breakerCooldownMs: number;
  shutdownGraceMs: number;
  recordQueueCapacity: number;
  recordFlushIntervalMs: number;
  controlPollMs: number;
  /** How long a provider's model list is reused before it is asked again. */
  modelListTtlMs: number;
  /** How long `GET /v1/models` waits for a provider's list before answering with the catalogue's. */
  modelListTimeoutMs: number;
}

const MiB = 1024 * 1024;

export const defaultSettings: Settings = {
  port: 8787,
  host: "127.0.0.1",
  dataDir: "./.floopy",
  databaseUrl: undefined,
  redisUrl: undefined,
  masterKey: undefined,
  bootstrapKey: undefined,
  adminKey: undefined,
  firewallModel: null,
  demo: false,
  maxBodyBytes: 32 * MiB,
  maxAdminBodyBytes: 1 * MiB,
  maxJsonDepth: 64,
  maxProperties: 64,
  maxPropertyValueBytes: 1024,
  maxHeaderBytes: 16 * 1024,
  headersTimeoutMs: 10_000,
  keepAliveTimeoutMs: 65_000,
  upstreamConnectTimeoutMs: 5_000,
  upstreamFirstByteTimeoutMs: 120_000,
  upstreamIdleTimeoutMs: 60_000,
  requestDeadlineMs: 600_000,
  clientWriteTimeoutMs: 60_000,
  streamBufferBytes: 1 * MiB,
  maxUpstreamBodyBytes: 64 * MiB,
  maxUpstreamEventBytes: 8 * MiB,
  maxUpstreamErrorBodyBytes: 1 * MiB,
  maxRetryAfterSeconds: 60,
  imageFetchMaxBytes: 20 * MiB,
  imageFetchTimeoutMs: 10_000,
  breakerWindowMs: 30_000,
  breakerMinRequests: 10,
  breakerFailurePercent: 50,
  breakerCooldownMs: 15_000,
  shutdownGraceMs: 30_000,
  recordQueueCapacity: 50_000,
  recordFlushIntervalMs: 1_000,
  controlPollMs: 1_000,
  modelListTtlMs: 300_000,
  modelListTimeoutMs: 2_000,
};

/** Environment variable for each numeric setting (`FLOOPY_` + the config file's snake_case name). */
export const numericSettingNames = {
  maxBodyBytes: "max_body_bytes",
  maxAdminBodyBytes: "max_admin_body_bytes",
  maxJsonDepth: "max_json_depth",
  maxProperties: "max_properties",
  maxPropertyValueBytes: "max_property_value_bytes",
  headersTimeoutMs: "headers_timeout_ms",
  keepAliveTimeoutMs: "keep_alive_timeout_ms",
  upstreamConnectTimeoutMs: "upstream_connect_timeout_ms",
  upstreamFirstByteTimeoutMs: "upstream_first_byte_timeout_ms",
  upstreamIdleTimeoutMs: "upstream_idle_timeout_ms",
  requestDeadlineMs: "request_deadline_ms",
  clientWriteTimeoutMs: "client_write_timeout_ms",
  streamBufferBytes: "stream_buffer_bytes",
  maxUpstreamBodyBytes: "max_upstream_body_bytes",
  maxUpstreamEventBytes: "max_upstream_event_bytes",
  maxUpstreamErrorBodyBytes: "max_upstream_error_body_bytes",
  maxRetryAfterSeconds: "max_retry_after_seconds",
  imageFetchMaxBytes: "image_fetch_max_bytes",
  imageFetchTimeoutMs: "image_fetch_timeout_ms",
  breakerWindowMs: "breaker_window_ms",
  breakerMinRequests: "breaker_min_requests",
  breakerFailurePercent: "breaker_failure_percent",
  breakerCooldownMs: "breaker_cooldown_ms",
  shutdownGraceMs: "shutdown_grace_ms",
  recordQueueCapacity: "record_queue_capacity",
  recordFlushIntervalMs: "record_flush_interval_ms",
  controlPollMs: "control_poll_ms",
  modelListTtlMs: "model_list_ttl_ms",
  modelListTimeoutMs: "model_list_timeout_ms",
} as const satisfies Partial<Record<keyof Settings, string>>;
