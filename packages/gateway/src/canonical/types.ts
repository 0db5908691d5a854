/**
 * The canonical model: the internal lingua franca every protocol codec decodes into and encodes
 * from. Pure data, no I/O. Fields model what any vendor may send: optional where vendors omit,
 * `null` kept distinct from absent where a vendor makes the difference meaningful.
 */

export type Role = "system" | "user" | "assistant" | "tool";

export interface TextPart {
  type: "text";
  text: string;
  /** Provider-side prompt caching hint (Anthropic `cache_control`), carried opaquely. */
  cacheControl?: unknown;
}

export interface ImagePart {
  type: "image";
  /** Either a URL (http(s) or data:) or inline base64 data with its media type. */
  source: { kind: "url"; url: string } | { kind: "base64"; mediaType: string; data: string };
  detail?: "auto" | "low" | "high";
}

export interface ToolCallPart {
  type: "tool-call";
  id: string;
  name: string;
  /** The arguments as the JSON text the model produced (kept as text so nothing is reformatted). */
  arguments: string;
}

export interface ToolResultPart {
  type: "tool-result";
  toolCallId: string;
  content: string | Array<TextPart | ImagePart>;
  isError?: boolean;
}

export interface ThinkingPart {
  type: "thinking";
  text: string;
  /** Vendor signature that must be returned verbatim on the next turn (Anthropic). */
  signature?: string;
  redacted?: boolean;
}

export type ContentPart = TextPart | ImagePart | ToolCallPart | ToolResultPart | ThinkingPart;

export interface Message {
  role: Role;
  content: ContentPart[];
  /** OpenAI's optional participant name. */
  name?: string;
}

export interface ToolDefinition {
  name: string;
  description?: string;
  /** JSON Schema of the arguments. */
  parameters?: Record<string, unknown>;
  strict?: boolean;
}

export type ToolChoice = "auto" | "none" | "required" | { name: string };

export type ResponseFormat =
  | { type: "text" }
  | { type: "json_object" }
  | {
      type: "json_schema";
      name: string;
      schema: Record<string, unknown>;
      strict?: boolean;
      description?: string;
    };

export interface GenerateRequest {
  model: string;
  /** System instructions, kept apart from the conversation (Anthropic and Gemini carry them apart). */
  system: TextPart[];
  messages: Message[];
  tools?: ToolDefinition[];
  toolChoice?: ToolChoice;
  parallelToolCalls?: boolean;
  maxTokens?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  seed?: number;
  stop?: string[];
  presencePenalty?: number;
  frequencyPenalty?: number;
  n?: number;
  responseFormat?: ResponseFormat;
  reasoningEffort?: string;
  user?: string;
  stream: boolean;
  /** Whether the caller asked for usage in the stream (OpenAI `stream_options.include_usage`). */
  streamUsage?: boolean;
}

/** Unified finish reasons; `raw` keeps the vendor's own value. */
export type FinishReason = "stop" | "length" | "tool_calls" | "content_filter" | "error" | "other";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** Tokens written into a provider-side prompt cache (Anthropic). */
  cacheWriteTokens?: number;
}

export interface Choice {
  index: number;
  content: ContentPart[];
  finishReason: FinishReason | null;
  rawFinishReason: string | null;
  refusal?: string | null;
}

export interface GenerateResponse {
  id: string;
  model: string;
  created: number;
  choices: Choice[];
  usage: Usage | null;
}

/** Canonical stream events, noun-verb named. `index` is the choice index. */
export type StreamEvent =
  | { type: "response-start"; id: string; model: string; created: number }
  | { type: "text-delta"; index: number; text: string }
  | { type: "thinking-delta"; index: number; text: string; signature?: string }
  | { type: "tool-call-start"; index: number; toolIndex: number; id: string; name: string }
  | { type: "tool-call-delta"; index: number; toolIndex: number; argumentsDelta: string }
  | { type: "tool-call-end"; index: number; toolIndex: number }
  | { type: "finish"; index: number; finishReason: FinishReason; rawFinishReason: string | null }
  | { type: "usage"; usage: Usage }
  | { type: "error"; message: string; errorType: string; code: string | null };

/** A value with the warnings of what could not be carried (deliberate drops are observable). */
export interface WithWarnings<T> {
  value: T;
  warnings: string[];
}

export interface EmbedRequest {
  model: string;
  input: string[] | number[][];
  dimensions?: number;
  user?: string;
}

export const emptyUsage: Usage = Object.freeze({
  promptTokens: 0,
  completionTokens: 0,
  totalTokens: 0,
  cachedTokens: 0,
  reasoningTokens: 0,
});
