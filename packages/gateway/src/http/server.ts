/**
 * The HTTP server: Fastify routes for every ingress, each handing the raw request to the pipeline.
 * Bodies are read as raw bytes under the route's size limit (so the pass-through path can forward
 * them untouched and the depth check sees them before `JSON.parse`). Node's own limits cover what
 * arrives before any route runs: header size and header timeout.
 *
 * Before a body is read, as soon as the headers are in, every route authenticates its caller and
 * an unknown URL is answered: a caller without a valid key gets its 401 while it is still sending
 * (or withholding) its body, and the connection is then closed. Floopy's own API (platform/) and
 * the admin API (admin/) are route modules registered here like the generation routes.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import Fastify, {
  type FastifyError,
  type FastifyInstance,
  type FastifyReply,
  type FastifyRequest,
} from "fastify";
import { adminRoutes } from "../admin/routes.js";
import { GatewayError, isGatewayError } from "../errors/gateway-error.js";
import { authenticateCaller, type Caller } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { refuseLoop } from "../pipeline/request-loop.js";
import { type IngressRequest, rejectRequest, runPipeline } from "../pipeline/run-pipeline.js";
import type { GatewayServices } from "../pipeline/services.js";
import { platformRoutes } from "../platform/routes.js";
import type { IngressProtocol } from "../protocol/ingress-protocol.js";
import type { Operation } from "../providers/declaration.js";
import { answerClientError } from "./client-error-answer.js";
import { closeAfterAnswer } from "./close-after-answer.js";
import { openApiDocument } from "./openapi.js";
import { newRequestId } from "./request-id.js";
import { routeFamily } from "./route-family.js";

/** How long a refused connection may go on sending a body nobody reads before it is cut. */
const REFUSED_BODY_LINGER_MS = 2_000;

export interface ServerOptions {
  services: GatewayServices;
  /** Readiness: resolves when the stores answer. */
  /** `degraded`: a store is unreachable and this instance serves without it (the answer says which). */
  checkReady: () => Promise<{ status: "ready" | "degraded"; stores: Record<string, string> }>;
}

interface RouteConfig {
  protocol: IngressProtocol;
  operation: Operation;
  route: string;
  callerProtocol?: IngressRoute["callerProtocol"];
}

export function buildServer(options: ServerOptions): FastifyInstance<Server> {
  const { services } = options;
  const { settings } = services;
  // Callers authenticated from their headers, for the handler that runs once the body is in.
  const callers = new WeakMap<IncomingMessage, Caller>();
  const ingressOf = (request: FastifyRequest, reply: FastifyReply, config: RouteConfig) =>
    ingressFrom(request, reply, config, callers.get(request.raw));
  /** Answers before the body is read; the connection closes after the answer if a body was announced. */
  const refuseEarly = (
    request: FastifyRequest,
    reply: FastifyReply,
    config: RouteConfig,
    error: GatewayError,
  ) => {
    reply.hijack();
    const headers = request.raw.headers;
    if (headers["transfer-encoding"] !== undefined || Number(headers["content-length"] ?? 0) > 0) {
      reply.raw.setHeader("connection", "close");
      closeAfterAnswer(request.raw.socket, REFUSED_BODY_LINGER_MS);
    }
    rejectRequest(services, ingressFrom(request, reply, config, undefined), error);
  };
  const app = Fastify({
    logger: false,
    genReqId: () => newRequestId(),
    bodyLimit: settings.maxAdminBodyBytes,
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    // Receiving the whole request (headers and a 32 MiB body) must finish within this.
    requestTimeout: Math.max(settings.headersTimeoutMs, 120_000),
    forceCloseConnections: "idle",
    return503OnClosing: true,
    clientErrorHandler: answerClientError,
    // A URL the router cannot decode: a 400 in the URL's protocol family, not Fastify's own shape.
    frameworkErrors: (error, request, reply) => {
      const protocol = routeFamily(request.raw.url ?? "");
      refuseEarly(
        request,
        reply,
        { ...unknownRoute, protocol },
        new GatewayError(
          "BAD_REQUEST",
          `The request URL is not valid: ${error.message}`,
          ownApiCode(protocol, "invalid_request"),
        ),
      );
    },
    serverFactory: (handler) => {
      const server = createServer(
        {
          maxHeaderSize: settings.maxHeaderBytes,
          headersTimeout: settings.headersTimeoutMs,
          requestTimeout: Math.max(settings.headersTimeoutMs, 120_000),
          keepAliveTimeout: settings.keepAliveTimeoutMs,
          // Node checks header/request timeouts on this interval (30 s by default), which would let
          // a slow-loris client hold a socket up to 30 s past the configured headers timeout.
          connectionsCheckingInterval: Math.min(1_000, settings.headersTimeoutMs),
        },
        handler,
      );
      return server;
    },
  }) as unknown as FastifyInstance<Server>;

  app.addHook("onRequest", (request, reply, done) => {
    if (request.is404) {
      const protocol = routeFamily(request.url);
      refuseEarly(request, reply, { ...unknownRoute, protocol }, unknownUrl(request, protocol));
      return;
    }
    const config = request.routeOptions.config as unknown as Partial<RouteConfig> | undefined;
    // A Gemini path with an action that does not exist is as unknown as any other URL.
    if (config?.route === geminiRoute.route && geminiActions[geminiAction(request)] === undefined) {
      refuseEarly(request, reply, geminiRoute, unknownUrl(request, "gemini"));
      return;
    }
    if (config?.protocol === undefined || config.operation === undefined) {
      done(); // health, readiness, metrics: no key
      return;
    }
    // `/v1/models` serves three SDKs; the key's presentation says whose shape, errors included.
    const protocol = callerProtocolOf(request, config as RouteConfig);
    try {
      // Before the key: a looped request carries the gateway's provider key, not a Floopy key.
      refuseLoop(services, request.headers);
      const caller = authenticateCaller(services, {
        protocol,
        operation: config.operation,
        headers: request.headers,
        query: request.query as Record<string, unknown> | undefined,
      });
      callers.set(request.raw, caller);
    } catch (error) {
      if (!isGatewayError(error)) throw error;
      refuseEarly(request, reply, { ...(config as RouteConfig), protocol }, error);
      return;
    }
    done();
  });

  app.removeAllContentTypeParsers();
  app.addContentTypeParser("*", { parseAs: "buffer" }, (_request, body, done) => done(null, body));

  const generation = (protocol: IngressProtocol, operation: Operation, route: string) => ({
    bodyLimit: settings.maxBodyBytes,
    config: { protocol, operation, route } satisfies RouteConfig,
  });
  const handle = (request: FastifyRequest, reply: FastifyReply) => {
    const config = request.routeOptions.config as unknown as RouteConfig;
    reply.hijack();
    return runPipeline(services, ingressOf(request, reply, config));
  };

  app.post("/v1/chat/completions", generation("openai-chat", "generate", "chat_completions"), handle);
  app.post("/chat/completions", generation("openai-chat", "generate", "chat_completions"), handle);
  app.post("/v1/responses", generation("openai-responses", "generate", "responses"), handle);
  app.post("/v1/messages", generation("anthropic-messages", "generate", "messages"), handle);
  app.post(
    "/v1/messages/count_tokens",
    generation("anthropic-messages", "count_tokens", "count_tokens"),
    handle,
  );
  app.post("/v1/embeddings", generation("openai-embeddings", "embed", "embeddings"), handle);
  app.post("/embeddings", generation("openai-embeddings", "embed", "embeddings"), handle);
  // Gemini names the model and the action in the path: `/v1beta/models/{model}:{action}`.
  const gemini = (request: FastifyRequest, reply: FastifyReply) => {
    reply.hijack();
    const ingress = ingressOf(request, reply, geminiRoute);
    // The router has decoded the path already; decoding again would misread a literal `%`.
    const tail = (request.params as Record<string, string>)["*"] ?? "";
    const colon = tail.lastIndexOf(":");
    const action = geminiAction(request);
    const resolved = geminiActions[action];
    const query = request.query as Record<string, unknown> | undefined;
    const key = typeof query?.key === "string" ? query.key : undefined;
    ingress.params = { action, ...(key === undefined ? {} : { key }) };
    if (!resolved) {
      return rejectRequest(services, ingress, unknownUrl(request, "gemini"));
    }
    ingress.protocol = resolved.protocol;
    ingress.operation = resolved.operation;
    ingress.route = resolved.route;
    ingress.routeFacts = { model: tail.slice(0, colon), stream: resolved.stream };
    return runPipeline(services, ingress);
  };
  const geminiOptions = { bodyLimit: settings.maxBodyBytes, config: geminiRoute };
  app.post("/v1beta/models/*", geminiOptions, gemini);
  app.post("/v1/models/*", geminiOptions, gemini);
  // Floopy's own API and the admin API: each route module's stages, the same ingress otherwise.
  const register = (declared: IngressRoute) => {
    const config: RouteConfig = {
      protocol: declared.protocol,
      operation: declared.operation,
      route: declared.route,
      ...(declared.callerProtocol ? { callerProtocol: declared.callerProtocol } : {}),
    };
    app.route({
      method: declared.method,
      url: declared.url,
      bodyLimit: declared.bodyLimit === "generation" ? settings.maxBodyBytes : settings.maxAdminBodyBytes,
      config,
      handler: (request, reply) => {
        reply.hijack();
        const ingress = ingressOf(request, reply, config);
        ingress.protocol = callerProtocolOf(request, config);
        const params: Record<string, string> = {};
        for (const [name, value] of Object.entries((request.query as Record<string, unknown>) ?? {}))
          if (typeof value === "string") params[name] = value;
        // Path parameters (`:id`, `:version`, …) win over a query parameter of the same name; the
        // rest of the path after `/models/` is the id (model ids may hold slashes).
        const path = (request.params as Record<string, string> | undefined) ?? {};
        for (const [name, value] of Object.entries(path)) if (name !== "*") params[name] = value;
        const id = path.id ?? path["*"];
        if (id !== undefined) params.id = id;
        ingress.params = params;
        return runPipeline(services, ingress, declared.stages);
      },
    });
  };
  for (const declared of platformRoutes) register(declared);
  for (const declared of adminRoutes) register(declared);
  // Health, readiness and metrics skip the pipeline, which sets the request id on every other
  // answer: set it here so every response carries one.
  const withRequestId = (request: FastifyRequest, reply: FastifyReply) =>
    reply.header("floopy-request-id", request.id).header("x-request-id", request.id);
  app.get("/healthz", async (request, reply) => withRequestId(request, reply).send({ status: "ok" }));
  // Public, like the vendors' own API descriptions: it holds no secret and no org's data.
  app.get("/openapi.json", async (request, reply) => withRequestId(request, reply).send(openApiDocument()));
  app.get("/readyz", async (request, reply) => {
    withRequestId(request, reply);
    try {
      return reply.send(await options.checkReady());
    } catch (error) {
      return reply.code(503).send({ status: "unavailable", error: (error as Error).message });
    }
  });
  app.get("/metrics", async (request, reply) => {
    withRequestId(request, reply);
    services.metrics.recordQueueSize.set(services.records.size);
    for (const { target, state } of services.breakers.states()) {
      services.metrics.circuitState.set({ target }, state === "closed" ? 0 : state === "half_open" ? 1 : 2);
    }
    const text = await services.metrics.registry.metrics();
    return reply.header("content-type", services.metrics.registry.contentType).send(text);
  });

  // The onRequest hook answers unknown URLs before their body; this covers anything it did not.
  app.setNotFoundHandler((request, reply) => {
    const protocol = routeFamily(request.url);
    refuseEarly(request, reply, { ...unknownRoute, protocol }, unknownUrl(request, protocol));
  });

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const config = (request.routeOptions.config as unknown as Partial<RouteConfig>) ?? {};
    reply.hijack();
    // Floopy's own API (admin included) takes small bodies and answers lowercase codes.
    const ownApi = config.protocol === "floopy-api";
    const bodyLimit = request.routeOptions.bodyLimit ?? settings.maxAdminBodyBytes;
    rejectRequest(
      services,
      ingressOf(request, reply, { ...unknownRoute, protocol: routeFamily(request.url), ...config }),
      frameworkError(error, bodyLimit, ownApi),
    );
  });

  return app;
}

const geminiRoute: RouteConfig = { protocol: "gemini", operation: "generate", route: "gemini" };

/** `generateContent` of `/v1beta/models/gemini-2.5-flash:generateContent` ("" when none). */
function geminiAction(request: FastifyRequest): string {
  const tail = (request.params as Record<string, string> | undefined)?.["*"] ?? "";
  const colon = tail.lastIndexOf(":");
  return colon > 0 ? tail.slice(colon + 1) : "";
}

const geminiActions: Record<
  string,
  { protocol: IngressProtocol; operation: Operation; route: string; stream: boolean } | undefined
> = {
  generateContent: { protocol: "gemini", operation: "generate", route: "generate_content", stream: false },
  streamGenerateContent: {
    protocol: "gemini",
    operation: "generate",
    route: "stream_generate_content",
    stream: true,
  },
  countTokens: { protocol: "gemini", operation: "count_tokens", route: "count_tokens", stream: false },
  embedContent: { protocol: "gemini-embeddings", operation: "embed", route: "embed_content", stream: false },
  batchEmbedContents: {
    protocol: "gemini-embeddings",
    operation: "embed",
    route: "batch_embed_contents",
    stream: false,
  },
};

/** The route's protocol, or for a route several SDKs call, the one this caller speaks. */
function callerProtocolOf(request: FastifyRequest, config: RouteConfig): IngressProtocol {
  return config.callerProtocol
    ? config.callerProtocol(request.headers, (request.query as Record<string, unknown> | undefined) ?? {})
    : config.protocol;
}

const unknownRoute: RouteConfig = { protocol: "openai-models", operation: "get_model", route: "unknown" };

/** Own-API shapes name their codes in lowercase; the generation protocols carry the registry's. */
function ownApiCode(protocol: IngressProtocol, wireCode: string): { wireCode?: string } {
  return protocol === "floopy-api" ? { wireCode } : {};
}

function unknownUrl(request: FastifyRequest, protocol: IngressProtocol): GatewayError {
  const path = (request.raw.url ?? "").split("?", 1)[0];
  return new GatewayError(
    "NOT_FOUND",
    `Unknown request URL: ${request.raw.method ?? "GET"} ${path}.`,
    ownApiCode(protocol, "not_found"),
  );
}

function ingressFrom(
  request: FastifyRequest,
  reply: FastifyReply,
  config: RouteConfig,
  caller: Caller | undefined,
): IngressRequest {
  const params = request.params as Record<string, string> | undefined;
  const ingress: IngressRequest = {
    id: request.id,
    route: config.route,
    protocol: config.protocol,
    operation: config.operation,
    request: request.raw as IncomingMessage,
    response: reply.raw as ServerResponse,
    headers: request.headers,
    rawBody: Buffer.isBuffer(request.body) ? request.body : undefined,
  };
  if (caller !== undefined) ingress.caller = caller;
  // The router has decoded the path already.
  if (params?.["*"] !== undefined) ingress.params = { id: params["*"] };
  return ingress;
}

function frameworkError(error: FastifyError, maxBodyBytes: number, ownApi: boolean): GatewayError {
  switch (error.code) {
    case "FST_ERR_CTP_BODY_TOO_LARGE":
      return new GatewayError(
        ownApi ? "body_too_large" : "PAYLOAD_TOO_LARGE",
        `The request body is larger than the limit of ${maxBodyBytes} bytes.`,
      );
    case "FST_ERR_CTP_INVALID_CONTENT_LENGTH":
      return new GatewayError(
        ownApi ? "invalid_request" : "BAD_REQUEST",
        "The Content-Length header does not match the body.",
      );
    default:
      if (typeof error.statusCode === "number" && error.statusCode >= 400 && error.statusCode < 500) {
        return new GatewayError(
          error.statusCode === 413 ? "PAYLOAD_TOO_LARGE" : "BAD_REQUEST",
          error.message,
          {
            status: error.statusCode,
          },
        );
      }
      return new GatewayError("INTERNAL", "The gateway failed to process the request.", { cause: error });
  }
}
