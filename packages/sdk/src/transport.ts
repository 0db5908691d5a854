/**
 * The one place Floopy's own resources talk HTTP: it builds the URL and headers, sends with a
 * timeout per attempt, retries what `retry-policy` says may be retried, and turns failures into
 * `FloopyError`s. It holds the API key, which goes out in `Authorization` and nowhere else: the
 * transport hides it from `util.inspect` and `JSON.stringify`, and never logs a body.
 */
import { errorFromResponse } from "./error-from-response.js";
import { FloopyAbortError, FloopyConnectionError, type FloopyError, FloopyTimeoutError } from "./errors.js";
import { type FloopyOptions, floopyHeaders } from "./floopy-options.js";
import type { RequestOptions } from "./request-options.js";
import { isRetryableStatus, retryDelayMs } from "./retry-policy.js";

export type QueryValue = string | number | boolean | Date | null | undefined;
export type Query = Readonly<Record<string, QueryValue>>;

export interface TransportSettings {
  apiKey: string;
  baseURL: string;
  timeout: number;
  maxRetries: number;
  defaultHeaders: Readonly<Record<string, string>>;
  options: FloopyOptions | undefined;
}

export interface HttpRequest {
  method: "GET" | "POST" | "PUT" | "DELETE";
  /** Relative to the base URL, which already ends in `/v1`. */
  path: string;
  query?: Query | undefined;
  /** Sent as JSON unless `contentType` says otherwise (then it must be a string). */
  body?: unknown;
  contentType?: string;
  /** Headers the resource needs (e.g. `X-Floopy-Confirm`). */
  headers?: Record<string, string>;
}

type Attempt =
  | { ok: true; response: Response; text: string | undefined }
  | { ok: false; error: FloopyError; retryable: boolean; headers: Headers | undefined };

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export class Transport {
  readonly #apiKey: string;
  readonly #settings: Omit<TransportSettings, "apiKey">;

  constructor(settings: TransportSettings) {
    const { apiKey, ...rest } = settings;
    this.#apiKey = apiKey;
    this.#settings = { ...rest, baseURL: rest.baseURL.replace(/\/+$/, "") };
  }

  get baseURL(): string {
    return this.#settings.baseURL;
  }

  /** Sends the request and parses the JSON answer (`undefined` for an empty one). */
  async json(request: HttpRequest, options: RequestOptions | undefined): Promise<unknown> {
    const { text } = await this.#send(request, options, true);
    return text === undefined || text === "" ? undefined : JSON.parse(text);
  }

  /** Sends the request and answers the response with its body unread, for streaming. */
  async stream(request: HttpRequest, options: RequestOptions | undefined): Promise<Response> {
    const { response } = await this.#send(request, options, false);
    return response;
  }

  toJSON(): Record<string, unknown> {
    return { baseURL: this.#settings.baseURL, apiKey: "[redacted]" };
  }

  [INSPECT](): string {
    return `Transport { baseURL: '${this.#settings.baseURL}', apiKey: '[redacted]' }`;
  }

  async #send(
    request: HttpRequest,
    options: RequestOptions | undefined,
    readBody: boolean,
  ): Promise<{ response: Response; text: string | undefined }> {
    const url = this.#url(request.path, request.query);
    const init: RequestInit = { method: request.method, headers: this.#headers(request, options) };
    if (request.body !== undefined) {
      init.body = request.contentType === undefined ? JSON.stringify(request.body) : (request.body as string);
    }
    const maxRetries = options?.maxRetries ?? this.#settings.maxRetries;
    const timeout = options?.timeout ?? this.#settings.timeout;
    for (let retry = 0; ; retry++) {
      const attempt = await this.#attempt(url, init, timeout, options?.signal, readBody);
      if (attempt.ok) return attempt;
      if (!attempt.retryable || retry >= maxRetries) throw attempt.error;
      const delay = retryDelayMs(retry, attempt.headers);
      if (delay === undefined) throw attempt.error;
      await sleep(delay, options?.signal);
    }
  }

  async #attempt(
    url: URL,
    init: RequestInit,
    timeout: number,
    callerSignal: AbortSignal | undefined,
    readBody: boolean,
  ): Promise<Attempt> {
    const timer = new AbortController();
    const timeoutHandle = setTimeout(() => timer.abort(), timeout);
    const signal = callerSignal ? AbortSignal.any([timer.signal, callerSignal]) : timer.signal;
    try {
      const response = await fetch(url, { ...init, signal });
      if (!response.ok) {
        const text = await response.text();
        return {
          ok: false,
          error: errorFromResponse(response.status, response.headers, text),
          retryable: isRetryableStatus(response.status),
          headers: response.headers,
        };
      }
      // A stream's body outlives the timeout, as in the `openai` client: it bounds the wait for an answer.
      return { ok: true, response, text: readBody ? await response.text() : undefined };
    } catch (error) {
      if (callerSignal?.aborted) {
        return {
          ok: false,
          error: new FloopyAbortError("The call was aborted.", { cause: callerSignal.reason }),
          retryable: false,
          headers: undefined,
        };
      }
      if (timer.signal.aborted) {
        return {
          ok: false,
          error: new FloopyTimeoutError(`Floopy did not answer within ${timeout} ms.`, {
            code: "timeout",
          }),
          retryable: true,
          headers: undefined,
        };
      }
      return {
        ok: false,
        error: new FloopyConnectionError(`Could not reach Floopy at ${url.origin}: ${describe(error)}`, {
          code: "connection_error",
          cause: error,
        }),
        retryable: true,
        headers: undefined,
      };
    } finally {
      clearTimeout(timeoutHandle);
    }
  }

  #url(path: string, query: Query | undefined): URL {
    const url = new URL(`${this.#settings.baseURL}${path}`);
    for (const [name, value] of Object.entries(query ?? {})) {
      if (value === undefined || value === null) continue;
      url.searchParams.set(name, value instanceof Date ? value.toISOString() : String(value));
    }
    return url;
  }

  #headers(request: HttpRequest, options: RequestOptions | undefined): Record<string, string> {
    // Lower-cased so a later layer replaces an earlier one whatever the spelling.
    const headers: Record<string, string> = {};
    const layers = [
      this.#settings.defaultHeaders,
      floopyHeaders(this.#settings.options),
      floopyHeaders(options?.options),
      request.headers ?? {},
      options?.headers ?? {},
    ];
    for (const layer of layers) {
      for (const [name, value] of Object.entries(layer)) headers[name.toLowerCase()] = value;
    }
    headers.accept ??= "application/json";
    if (request.body !== undefined) headers["content-type"] = request.contentType ?? "application/json";
    headers.authorization = `Bearer ${this.#apiKey}`;
    return headers;
  }
}

function describe(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const cause = error.cause;
  return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
}

function sleep(milliseconds: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(new FloopyAbortError("The call was aborted.", { cause: signal.reason }));
      return;
    }
    const onAbort = () => {
      clearTimeout(handle);
      reject(new FloopyAbortError("The call was aborted.", { cause: signal?.reason }));
    };
    const handle = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, milliseconds);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}
