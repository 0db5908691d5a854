/** The wire protocols callers speak on Floopy's routes. */
export type IngressProtocol = "openai-chat" | "openai-embeddings" | "openai-models";
