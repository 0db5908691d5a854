/**
 * A fake OpenAI API on a real port, faithful to OpenAI's wire format (bodies, stream chunks,
 * errors, headers), with recording and fault injection from `fake-server.ts`. Point the official
 * client, or a gateway, at `fake.url`.
 */
import type { Exchange } from "../exchange.js";
import {
  type FakeServer,
  hasMalformedBody,
  type RecordedRequest,
  startFakeServer,
  type WireProtocol,
} from "../fake-server.js";
import { createIdSource } from "../ids.js";
import { type ChatContext, chatCompletions, type Replier } from "./chat.js";
import { embeddings } from "./embeddings.js";
import {
  invalidRequest,
  MALFORMED_BODY,
  maskKey,
  openaiErrorBody,
  statusDefaults,
  unknownUrl,
} from "./errors.js";
import { listModels, retrieveModel } from "./models.js";
import { responses } from "./responses.js";

export interface FakeOpenAIOptions {
  /** Defaults to 0: a free port. */
  port?: number;
  /** When set, requests must carry `Authorization: Bearer <apiKey>`, as OpenAI checks. */
  apiKey?: string;
  /** What `/v1/models` lists; chat and embeddings accept any model either way. */
  models?: string[];
}

export interface FakeOpenAI extends FakeServer {
  /** Base URL with `/v1`, what the openai client takes as `baseURL`. */
  readonly url: string;
  /** Overrides what chat completions and responses answer; undefined restores the echo. */
  setReply(replier: Replier | undefined): void;
  /** Forgets recorded requests, faults and the replier. */
  reset(): void;
}

export const DEFAULT_MODELS: readonly string[] = ["gpt-4o-mini", "gpt-4o", "text-embedding-3-small"];

const MODEL_PATH = "/v1/models/";
// What OpenAI reports for a tier with room to spare; the rate-limit fault reports the exhausted variant.
const RATE_LIMIT_REQUESTS = "10000";
const RATE_LIMIT_TOKENS = "30000000";

/**
 * Starts a fake OpenAI on 127.0.0.1.
 *
 * @example
 * const fake = await startFakeOpenAI({ apiKey: "sk-test" });
 * const client = new OpenAI({ baseURL: fake.url, apiKey: "sk-test", maxRetries: 0 });
 * fake.pushFault({ kind: "rate-limit", retryAfterSeconds: 2 });
 * await fake.close();
 */
export async function startFakeOpenAI(options: FakeOpenAIOptions = {}): Promise<FakeOpenAI> {
  const ids = createIdSource();
  const models: readonly string[] = options.models ?? DEFAULT_MODELS;
  const chat: ChatContext = { ids, replier: undefined };
  const expectedAuthorization = options.apiKey === undefined ? undefined : `Bearer ${options.apiKey}`;

  const protocol: WireProtocol = {
    commonHeaders(request) {
      return {
        "x-request-id": ids.next("req_"),
        "openai-version": "2020-10-01",
        "openai-organization": "testkit",
        "openai-processing-ms": String(Date.now() - request.receivedAt),
        "x-ratelimit-limit-requests": RATE_LIMIT_REQUESTS,
        "x-ratelimit-limit-tokens": RATE_LIMIT_TOKENS,
        "x-ratelimit-remaining-requests": "9999",
        "x-ratelimit-remaining-tokens": "29999000",
        "x-ratelimit-reset-requests": "6ms",
        "x-ratelimit-reset-tokens": "0s",
      };
    },
    errorBody: openaiErrorBody,
    streamError: (error) => ({ data: JSON.stringify(openaiErrorBody(error)) }),
    statusError(fault) {
      const defaults = statusDefaults(fault.status);
      return {
        status: fault.status,
        message: fault.message ?? defaults.message,
        type: fault.type ?? defaults.type,
        param: null,
        code: fault.code ?? null,
      };
    },
    rateLimit(retryAfterSeconds, request) {
      const model = modelOf(request);
      return {
        error: {
          status: 429,
          message: `Rate limit reached for ${model === undefined ? "requests" : model} in organization org-testkit on requests per min (RPM): Limit ${RATE_LIMIT_REQUESTS}, Used ${RATE_LIMIT_REQUESTS}, Requested 1. Please try again in ${retryAfterSeconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
          type: "requests",
          param: null,
          code: "rate_limit_exceeded",
        },
        headers: {
          "retry-after": String(retryAfterSeconds),
          "x-ratelimit-remaining-requests": "0",
          "x-ratelimit-reset-requests": `${retryAfterSeconds}s`,
        },
      };
    },
    echoCredentials(request, status) {
      // Deliberately unmasked: the point is to prove the gateway never passes this on.
      const authorization = request.headers.authorization;
      return {
        status,
        message: `Incorrect API key provided: ${String(authorization ?? "")}. You can find your API key at https://platform.openai.com/account/api-keys.`,
        type: statusDefaults(status).type,
        param: null,
        code: "invalid_api_key",
      };
    },
    handle(exchange) {
      const request = exchange.request;
      if (expectedAuthorization !== undefined) {
        const authorization = request.headers.authorization;
        if (authorization !== expectedAuthorization)
          return exchange.error(authenticationError(authorization));
      }
      const { method, path } = request;
      if (method === "POST" && path === "/v1/chat/completions")
        return post(exchange, () => chatCompletions(exchange, chat));
      if (method === "POST" && path === "/v1/embeddings") return post(exchange, () => embeddings(exchange));
      if (method === "POST" && path === "/v1/responses")
        return post(exchange, () => responses(exchange, chat));
      if (method === "GET" && path === "/v1/models") return listModels(exchange, models);
      if (method === "GET" && path.startsWith(MODEL_PATH) && path.length > MODEL_PATH.length) {
        return retrieveModel(exchange, models, decodeURIComponent(path.slice(MODEL_PATH.length)));
      }
      return exchange.error(unknownUrl(method, path));
    },
  };

  const server = await startFakeServer({
    protocol,
    ...(options.port === undefined ? {} : { port: options.port }),
  });
  return {
    ...server,
    url: `${server.origin}/v1`,
    setReply(replier) {
      chat.replier = replier;
    },
    reset() {
      server.reset();
      chat.replier = undefined;
    },
  };
}

function post(exchange: Exchange, route: () => Promise<void>): Promise<void> {
  if (hasMalformedBody(exchange.request)) return exchange.error(MALFORMED_BODY);
  return route();
}

function authenticationError(authorization: string | string[] | undefined) {
  const key =
    typeof authorization === "string" && authorization.startsWith("Bearer ") ? authorization.slice(7) : "";
  if (key === "") {
    return {
      ...invalidRequest(
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). You can obtain an API key from https://platform.openai.com/account/api-keys.",
      ),
      status: 401,
    };
  }
  return {
    ...invalidRequest(
      `Incorrect API key provided: ${maskKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
      null,
      "invalid_api_key",
    ),
    status: 401,
  };
}

function modelOf(request: RecordedRequest): string | undefined {
  const body = request.body;
  if (typeof body !== "object" || body === null || !("model" in body)) return undefined;
  return typeof body.model === "string" ? body.model : undefined;
}
