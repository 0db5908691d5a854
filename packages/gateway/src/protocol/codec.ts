/**
 * The contract every wire protocol's codec fulfils, so the pipeline can take a caller in on one
 * protocol and call an upstream on another through the canonical model. Each protocol folder
 * exports one `IngressCodec` (caller side) and, where it can be an upstream, one `UpstreamCodec`.
 * Everything here is pure: bodies in, bodies out; the pipeline does the I/O.
 */
import type {
  EmbedRequest,
  GenerateRequest,
  GenerateResponse,
  StreamEvent,
  Usage,
  WithWarnings,
} from "../canonical/types.js";
import type { GatewayError } from "../errors/gateway-error.js";
import type { ServedModel } from "../providers/declaration.js";
import type { JsonObject } from "./shared/validation.js";

/** One outgoing SSE event: an optional `event:` name (Anthropic and Responses name theirs) and a JSON payload. */
export interface OutgoingSseEvent {
  event?: string;
  /** Serialized with JSON.stringify; a string is written verbatim (OpenAI's `[DONE]`). */
  data: unknown;
}

/** What the route, not the body, says about a request (Gemini carries model and streaming in the URL). */
export interface RouteFacts {
  /** The model named in the URL, if the protocol puts it there. */
  model?: string;
  /** Whether the route itself asks for a stream (Gemini `:streamGenerateContent`). */
  stream?: boolean;
  /** A count-tokens route: the body is a request to count, not to run (no `max_tokens` needed). */
  countTokens?: boolean;
}

export interface StreamEncoderOptions {
  id: string;
  /** The model name the caller should see. */
  model: string;
  created: number;
  /** OpenAI's `stream_options.include_usage`; other protocols always carry usage. */
  includeUsage: boolean;
  /** The caller's request body, for protocols whose answers echo its settings (Responses). */
  body?: JsonObject;
}

/** Turns canonical stream events into the caller's SSE events. One instance per stream. */
export interface StreamEncoder {
  push(event: StreamEvent): OutgoingSseEvent[];
  /** The stream ended cleanly: emit what closes it (`[DONE]`, `message_stop`, a buffered final event). */
  end(): OutgoingSseEvent[];
  /** The stream failed after it began: the protocol's in-band error event(s). */
  fail(error: GatewayError): OutgoingSseEvent[];
}

/** Reads one upstream SSE frame (data already JSON-parsed; `[DONE]` arrives as the string). */
export interface StreamDecoder {
  push(frame: { event: string | undefined; data: unknown }): StreamEvent[];
  /** End of the byte stream: events still buffered, if any. */
  end(): StreamEvent[];
}

/** Caller side: a protocol callers speak to Floopy. */
export interface IngressCodec {
  /** Checks shape and types; throws GatewayError `invalid_request` naming the bad field. */
  validate(body: unknown, route: RouteFacts): JsonObject;
  decodeRequest(body: JsonObject, route: RouteFacts): WithWarnings<GenerateRequest>;
  encodeResponse(response: GenerateResponse, options: { model: string; body?: JsonObject }): unknown;
  createStreamEncoder(options: StreamEncoderOptions): StreamEncoder;
  /** The protocol's error answer for a Floopy error: its status (see `shared/status-map.ts`) and body. */
  renderError(error: GatewayError): RenderedError;
}

/** An error as the caller's protocol answers it. */
export interface RenderedError {
  status: number;
  body: unknown;
}

/** Details read from an upstream's error body. */
export interface UpstreamErrorDetails {
  message: string;
  type: string | null;
  code: string | null;
  param: string | null;
}

/** Upstream side: a protocol Floopy speaks to providers. */
export interface UpstreamCodec {
  encodeRequest(request: GenerateRequest): WithWarnings<JsonObject>;
  decodeResponse(body: unknown): GenerateResponse;
  createStreamDecoder(): StreamDecoder;
  parseError(body: unknown, fallbackMessage: string): UpstreamErrorDetails;
  /** Where each operation lives and how credentials travel: the protocol's wire facts. */
  wire: UpstreamWire;
}

/** The operations a request can ask an upstream for. */
export type UpstreamOperation = "generate" | "stream_generate" | "count_tokens" | "embed";

export interface UpstreamCall {
  operation: UpstreamOperation;
  /** The upstream model name (Gemini puts it in the path). */
  model: string;
  /** The caller's own action when the caller speaks this protocol (Gemini's `embedContent`). */
  callerAction?: string;
}

/** Headers as Node hands them over, for protocols that forward some of a same-protocol caller's. */
export type CallerHeaders = Readonly<Record<string, string | string[] | undefined>>;

export interface UpstreamWire {
  /** Path (and query) under the provider's base URL; null when the protocol has no such operation. */
  path(call: UpstreamCall): string | null;
  /**
   * The credential and protocol-version headers. `caller` is the caller's headers when the caller
   * speaks this same protocol (an Anthropic caller's `anthropic-version` and `anthropic-beta`).
   */
  headers(apiKey: string | null, caller: CallerHeaders | null): Record<string, string>;
  /** Whether the body names the model (Gemini names it in the path), so pass-through rewrites it. */
  modelInBody: boolean;
  /**
   * Whether a stream reports usage only when asked (`stream_options.include_usage`, OpenAI's),
   * so pass-through asks for it on the caller's behalf where the provider's quirk says so.
   */
  streamUsageOptIn: boolean;
  /** The protocol's model-list endpoint. */
  modelList: {
    /** Path of the first page, or of the page after `pageToken`. */
    path(pageToken: string | null): string;
    /** One page: the models and the token of the next page, if any. */
    decode(body: unknown): { models: ServedModel[]; nextPageToken: string | null };
  };
}

/** Embeddings, for protocols that have them (OpenAI, Gemini). */
export interface EmbeddingsIngressCodec {
  validate(body: unknown, route: RouteFacts): JsonObject;
  decodeRequest(body: JsonObject, route: RouteFacts): EmbedRequest;
  encodeResponse(
    vectors: number[][],
    options: { model: string; usage: Usage | null; body?: JsonObject },
  ): unknown;
}

export interface EmbeddingsUpstreamCodec {
  encodeRequest(request: EmbedRequest): JsonObject;
  decodeResponse(body: unknown): { vectors: number[][]; usage: Usage | null };
}
