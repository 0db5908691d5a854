/** The wire protocols callers speak on Floopy's routes. */
export type IngressProtocol =
  | "openai-chat"
  | "openai-responses"
  | "anthropic-messages"
  | "gemini"
  | "openai-embeddings"
  | "gemini-embeddings"
  | "openai-models"
  /** Floopy's own API (decisions, …): `{"error":{"code","message"}}` errors. */
  | "floopy-api";
