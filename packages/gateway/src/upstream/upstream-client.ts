/**
 * Upstream HTTP: one undici Agent (a keep-alive pool per origin) with every timeout set
 * explicitly (undici's own defaults are 300 s), redirects never followed (a provider key must not
 * reach another origin), and the connect-time address guard. Fallback is not here: it is
 * dispatch's, because it changes body, protocol and credentials.
 */
import { Agent, type Dispatcher } from "undici";
import { guardedLookup, isForbiddenUpstreamAddress } from "./address-guard.js";

export interface UpstreamClientOptions {
  connectTimeoutMs: number;
  firstByteTimeoutMs: number;
  idleTimeoutMs: number;
  keepAliveTimeoutMs?: number;
}

export interface UpstreamRequest {
  url: URL;
  method: "GET" | "POST";
  headers: Record<string, string>;
  body?: string | Buffer;
  signal: AbortSignal;
  allowLinkLocal: boolean;
  /** Overrides the first-byte timeout for this call (slow reasoning models). */
  firstByteTimeoutMs?: number;
}

export type UpstreamResponse = Dispatcher.ResponseData;

export class UpstreamClient {
  private readonly guarded: Agent;
  private readonly open: Agent;

  constructor(private readonly options: UpstreamClientOptions) {
    const common = {
      headersTimeout: options.firstByteTimeoutMs,
      bodyTimeout: options.idleTimeoutMs,
      keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000,
      keepAliveMaxTimeout: 600_000,
      connections: null,
      pipelining: 1,
    };
    this.guarded = new Agent({
      ...common,
      connect: { timeout: options.connectTimeoutMs, lookup: guardedLookup },
    });
    this.open = new Agent({ ...common, connect: { timeout: options.connectTimeoutMs } });
  }

  async send(request: UpstreamRequest): Promise<UpstreamResponse> {
    if (!request.allowLinkLocal && isForbiddenUpstreamAddress(request.url.hostname)) {
      const error: NodeJS.ErrnoException = new Error(
        `refused to connect to ${request.url.hostname}: link-local or metadata address`,
      );
      error.code = "EFORBIDDENADDRESS";
      throw error;
    }
    const dispatcher = request.allowLinkLocal ? this.open : this.guarded;
    return dispatcher.request({
      origin: request.url.origin,
      path: request.url.pathname + request.url.search,
      method: request.method,
      headers: request.headers,
      body: request.body ?? null,
      signal: request.signal,
      headersTimeout: request.firstByteTimeoutMs ?? this.options.firstByteTimeoutMs,
      bodyTimeout: this.options.idleTimeoutMs,
    });
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.guarded.close(), this.open.close()]);
  }
}
