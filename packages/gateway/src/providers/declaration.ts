/**
 * What a provider is: a small declaration of its wire protocol, where it lives, how it takes
 * credentials, its quirks and the models it is known to serve. Adding an OpenAI-compatible
 * provider is one file of this shape plus a registry line.
 */

/** The wire protocols Floopy speaks to providers. */
export type UpstreamProtocol = "openai-chat" | "openai-responses" | "anthropic-messages" | "gemini";

export type Operation =
  | "list_models"
  | "get_model"
  | "generate"
  | "stream_generate"
  | "embed"
  | "count_tokens"
  /** `POST /v1/routing/explain`: route, then answer with the decision instead of dispatching. */
  | "explain"
  | "get_decision"
  | "list_decisions"
  /** `GET /v1/requests`, `GET /v1/requests/{id}`: the request log. */
  | "list_requests"
  | "get_request"
  /** `GET /v1/usage`: usage per time bucket and group. */
  | "usage"
  /** `GET /v1/export/decisions`: every decision of a range, streamed as JSON Lines. */
  | "export_decisions"
  /** `GET/PUT /v1/constraints`: the caller's org's own constraints. */
  | "constraints"
  /** `GET /v1/session/{id}`: a session's conversation. */
  | "get_session"
  /** `POST /v1/feedback`. */
  | "feedback"
  /** The prompt library (`/v1/prompts…`). */
  | "prompts"
  /** Experiments (`/v1/experiments…`). */
  | "experiments"
  /** Datasets and evaluation runs (`/v1/datasets…`, `/v1/evaluations…`). */
  | "evaluations"
  /** The admin API (`/admin/…`); the route and `params.action` say which call. */
  | "admin";

/** One model a provider serves, as its model-list endpoint describes it (normalised). */
export interface ServedModel {
  /** The name to send upstream as `model` (Gemini's `models/` prefix removed). */
  id: string;
  displayName: string | null;
  /** Unix seconds, when the upstream says. */
  created: number | null;
  ownedBy: string | null;
  inputTokenLimit: number | null;
  outputTokenLimit: number | null;
  /** Gemini's `supportedGenerationMethods`, when the upstream says. */
  methods: readonly string[] | null;
}

export interface ProviderDeclaration {
  /** The provider type id, also the `<id>/model` prefix for built-ins. */
  id: string;
  displayName: string;
  /**
   * The protocol requests are translated to when the caller's own protocol is not one the
   * provider serves; also the one its models are listed and its errors read with.
   */
  protocol: UpstreamProtocol;
  /**
   * Further protocols the provider serves natively (OpenAI: the Responses API). A caller speaking
   * one of them is passed through to that protocol's endpoints instead of being translated. Each
   * protocol's endpoints and credential headers are its own (`protocol/<name>/wire.ts`).
   */
  alsoSpeaks?: readonly UpstreamProtocol[];
  /** What the vendor's own SDK takes as base URL (for the OpenAI family: including the version path). */
  defaultBaseUrl: string | null;
  /** Prefix of `<PREFIX>_API_KEY` / `<PREFIX>_BASE_URL`; null for types enabled only from config. */
  envPrefix: string | null;
  /** Extra environment variables accepted for the key, in order after `<PREFIX>_API_KEY`. */
  extraKeyEnv?: readonly string[];
  /** Whether calls work without a credential (local servers such as vLLM or Ollama). */
  keyOptional: boolean;
  /** Bare model names this provider claims in the catalogue (`gpt-*` → openai). */
  modelPatterns: readonly RegExp[];
  /** Models shipped in the catalogue: what `GET /v1/models` lists when the provider cannot be asked. */
  models: readonly string[];
  supportsEmbeddings: boolean;
  quirks: {
    /** How the upstream reports usage on streams: OpenAI's `stream_options.include_usage`, or always. */
    streamUsage: "stream-options" | "always" | "none";
  };
}
