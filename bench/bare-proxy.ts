/**
 * The floor: a bare pass-through proxy, the least any gateway must do. A node:http server that
 * forwards each request to the upstream over an undici Pool, streaming the request body up and the
 * response body down, with no parsing, no auth, no records. The gateway's targets are ratios to it.
 *
 *   BENCH_UPSTREAM=http://127.0.0.1:1234 node --import tsx bench/bare-proxy.ts   # prints its URL
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { pipeline } from "node:stream/promises";
import { Pool } from "undici";

const upstream = new URL(process.env.BENCH_UPSTREAM ?? "http://127.0.0.1:8080");
const pool = new Pool(upstream.origin, { connections: 256, keepAliveTimeout: 60_000 });
const hopByHop = new Set(["connection", "keep-alive", "transfer-encoding", "host", "content-length"]);

const server = createServer(async (request, response) => {
  try {
    const headers: Record<string, string> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (typeof value === "string" && !hopByHop.has(name)) headers[name] = value;
    }
    const answer = await pool.request({
      path: `${upstream.pathname.replace(/\/$/, "")}${request.url ?? "/"}`,
      method: (request.method ?? "GET") as "POST",
      headers,
      body: request,
    });
    const out: Record<string, string> = {};
    for (const [name, value] of Object.entries(answer.headers)) {
      if (typeof value === "string" && !hopByHop.has(name)) out[name] = value;
    }
    response.writeHead(answer.statusCode, out);
    await pipeline(answer.body, response);
  } catch {
    if (!response.headersSent) response.writeHead(502).end();
    else response.destroy();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, "127.0.0.1", () => {
  process.stdout.write(`http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.once("SIGTERM", () => process.exit(0));
