/**
 * Redis connections with the settings RELIABILITY.md asks for on a hot path: explicit connect and
 * command timeouts, no offline queue (a command while disconnected fails at once instead of
 * waiting for a reconnect that may never come), a bounded retry per request, and reconnection
 * with capped backoff forever. Errors are reported, never left as unhandled 'error' events.
 */
import { Redis } from "ioredis";

export interface RedisClientOptions {
  url: string;
  /** How long one command may take before it fails (the request then counts in memory). */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** Connection errors, at most one call per distinct message in a row. */
  onError?: (error: Error) => void;
  /** A subscriber connection: queues its SUBSCRIBE until connected, and has no command timeout. */
  subscriber?: boolean;
}

export function createRedisClient(options: RedisClientOptions): Redis {
  const subscriber = options.subscriber === true;
  const client = new Redis(options.url, {
    connectTimeout: options.connectTimeoutMs ?? 1_000,
    ...(subscriber ? {} : { commandTimeout: options.commandTimeoutMs ?? 250 }),
    enableOfflineQueue: subscriber,
    maxRetriesPerRequest: subscriber ? null : 1,
    // Reconnect for ever, 50 ms after the first loss, backing off to one attempt a second.
    retryStrategy: (attempt) => Math.min(50 * 2 ** Math.min(attempt, 5), 1_000),
    autoResubscribe: true,
    // A charge that timed out was counted in memory instead; resending it on reconnect would
    // count it twice. A subscriber's SUBSCRIBE cut off with its connection must be resent, or the
    // instance would never hear of a change again.
    autoResendUnfulfilledCommands: subscriber,
    lazyConnect: false,
  });
  let last = "";
  client.on("error", (error: Error) => {
    if (error.message === last) return;
    last = error.message;
    options.onError?.(error);
  });
  client.on("ready", () => {
    last = "";
  });
  return client;
}

/** Resolves once the client is ready, or after `ms` (the caller then starts degraded). */
export function whenReady(client: Redis, ms: number): Promise<boolean> {
  if (client.status === "ready") return Promise.resolve(true);
  return new Promise((resolve) => {
    const done = (ready: boolean) => {
      clearTimeout(timer);
      client.off("ready", onReady);
      resolve(ready);
    };
    const onReady = () => done(true);
    const timer = setTimeout(() => done(false), ms);
    client.on("ready", onReady);
  });
}
