/**
 * The client. `chat`, `responses`, `embeddings` and `models` are the official `openai` client's
 * own resources, pointed at the gateway with the same key, timeout, retries and `Floopy-*`
 * headers, so code written for `new OpenAI(...)` works unchanged on `new Floopy(...)`. Floopy's
 * own API (decisions, feedback, experiments, …) gets typed resources of its own. The key lives in
 * private fields, and the client hides it from `util.inspect` and `JSON.stringify`.
 */
import OpenAI from "openai";
import { FloopyError } from "./errors.js";
import { type FloopyOptions, floopyHeaders } from "./floopy-options.js";
import { ConstraintsResource } from "./resources/constraints.js";
import { Datasets } from "./resources/datasets.js";
import { Decisions } from "./resources/decisions.js";
import { Evaluations } from "./resources/evaluations.js";
import { Experiments } from "./resources/experiments.js";
import { Export } from "./resources/export.js";
import { Feedback } from "./resources/feedback.js";
import { Prompts } from "./resources/prompts.js";
import { Requests } from "./resources/requests.js";
import { Routing } from "./resources/routing.js";
import { Sessions } from "./resources/sessions.js";
import { Usage } from "./resources/usage.js";
import { Transport } from "./transport.js";

export const DEFAULT_BASE_URL = "http://127.0.0.1:8787/v1";
/** Per attempt, as the `openai` client's default. */
export const DEFAULT_TIMEOUT_MS = 600_000;
export const DEFAULT_MAX_RETRIES = 2;

export interface FloopyClientOptions {
  /** A Floopy gateway key (`fp_…`); default `process.env.FLOOPY_API_KEY`. */
  apiKey?: string | undefined;
  /** The gateway's OpenAI base URL, `/v1` included; default `http://127.0.0.1:8787/v1`. */
  baseURL?: string | undefined;
  /** Milliseconds per attempt; default 600,000 (the `openai` client's). */
  timeout?: number | undefined;
  /** Retries after the first attempt; default 2, 0 for none. */
  maxRetries?: number | undefined;
  /** Headers sent on every call. */
  defaultHeaders?: Record<string, string> | undefined;
  /** Gateway features for every call, sent as `Floopy-*` headers. */
  options?: FloopyOptions | undefined;
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

export class Floopy {
  /** `POST /v1/chat/completions` — the `openai` client's own resource. */
  readonly chat: OpenAI["chat"];
  /** `POST /v1/responses` — the `openai` client's own resource. */
  readonly responses: OpenAI["responses"];
  /** `POST /v1/embeddings` — the `openai` client's own resource. */
  readonly embeddings: OpenAI["embeddings"];
  /** `GET /v1/models` — the `openai` client's own resource. */
  readonly models: OpenAI["models"];

  readonly feedback: Feedback;
  readonly decisions: Decisions;
  readonly experiments: Experiments;
  readonly constraints: ConstraintsResource;
  readonly export: Export;
  readonly evaluations: Evaluations;
  readonly datasets: Datasets;
  readonly prompts: Prompts;
  readonly routing: Routing;
  readonly sessions: Sessions;
  readonly requests: Requests;
  readonly usage: Usage;

  readonly baseURL: string;
  readonly timeout: number;
  readonly maxRetries: number;
  readonly #openai: OpenAI;

  /**
   * @example
   * import Floopy from "floopy-sdk";
   * const client = new Floopy({ apiKey: process.env.FLOOPY_API_KEY, options: { cache: { enabled: true } } });
   * const completion = await client.chat.completions.create({
   *   model: "gpt-4o-mini",
   *   messages: [{ role: "user", content: "Hello" }],
   * });
   */
  constructor(clientOptions: FloopyClientOptions = {}) {
    const apiKey = clientOptions.apiKey ?? process.env.FLOOPY_API_KEY;
    if (apiKey === undefined || apiKey === "") {
      throw new FloopyError(
        "No Floopy API key: pass `new Floopy({ apiKey })` or set the FLOOPY_API_KEY environment variable.",
        { code: "missing_api_key" },
      );
    }
    this.baseURL = (clientOptions.baseURL ?? DEFAULT_BASE_URL).replace(/\/+$/, "");
    this.timeout = clientOptions.timeout ?? DEFAULT_TIMEOUT_MS;
    this.maxRetries = clientOptions.maxRetries ?? DEFAULT_MAX_RETRIES;
    const defaultHeaders = { ...clientOptions.defaultHeaders, ...floopyHeaders(clientOptions.options) };
    this.#openai = new OpenAI({
      apiKey,
      baseURL: this.baseURL,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      defaultHeaders,
      // Not read from OPENAI_ORG_ID / OPENAI_PROJECT_ID: those belong to api.openai.com, not to the gateway.
      organization: null,
      project: null,
    });
    hideKey(this.#openai, `OpenAI { baseURL: '${this.baseURL}', apiKey: '[redacted]' }`);
    this.chat = this.#openai.chat;
    this.responses = this.#openai.responses;
    this.embeddings = this.#openai.embeddings;
    this.models = this.#openai.models;

    const transport = new Transport({
      apiKey,
      baseURL: this.baseURL,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      defaultHeaders: clientOptions.defaultHeaders ?? {},
      options: clientOptions.options,
    });
    this.feedback = new Feedback(transport);
    this.decisions = new Decisions(transport);
    this.experiments = new Experiments(transport);
    this.constraints = new ConstraintsResource(transport);
    this.export = new Export(transport);
    this.evaluations = new Evaluations(transport);
    this.datasets = new Datasets(transport);
    this.prompts = new Prompts(transport);
    this.routing = new Routing(transport);
    this.sessions = new Sessions(transport);
    this.requests = new Requests(transport);
    this.usage = new Usage(transport);
  }

  /**
   * The underlying `openai` client, for its other resources (`files`, `batches`, …) where the
   * gateway serves them.
   *
   * @example
   * const page = await client.openai.models.list();
   */
  get openai(): OpenAI {
    return this.#openai;
  }

  toJSON(): Record<string, unknown> {
    return {
      baseURL: this.baseURL,
      timeout: this.timeout,
      maxRetries: this.maxRetries,
      apiKey: "[redacted]",
    };
  }

  [INSPECT](): string {
    return `Floopy { baseURL: '${this.baseURL}', timeout: ${this.timeout}, maxRetries: ${this.maxRetries}, apiKey: '[redacted]' }`;
  }
}

/**
 * The `openai` client keeps the key in a public field, and each of its resources points back at
 * it: without this, `util.inspect(client.chat)` or `JSON.stringify(client.chat)` would show the key.
 */
function hideKey(target: object, shown: string): void {
  Object.defineProperty(target, INSPECT, { value: () => shown, enumerable: false });
  Object.defineProperty(target, "toJSON", { value: () => shown, enumerable: false });
}
