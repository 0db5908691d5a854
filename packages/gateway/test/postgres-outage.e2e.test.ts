/**
 * PostgreSQL unreachable is a degradation, never an outage (issue 12): the gateway reaches the
 * database through a TCP relay this test can cut, as a network partition or a database restart
 * would. While it is cut, requests keep flowing on the last snapshot, `/readyz` says degraded,
 * and request records wait in the queue; once it is back, they are all written. A new instance
 * that cannot reach its database does not start (so it is never ready).
 */
import { randomBytes } from "node:crypto";
import { connect, createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { describeWithPostgres } from "./support/postgres.js";
import { runGatewayToExit } from "./support/spawn-gateway.js";
import { startTestGateway, type TestGateway } from "./support/test-gateway.js";

interface Relay {
  port: number;
  cut(): Promise<void>;
  restore(): Promise<void>;
  close(): Promise<void>;
}

/** Forwards connections on a local port to the database; `cut` drops them and refuses new ones. */
async function startRelay(target: { host: string; port: number }): Promise<Relay> {
  const sockets = new Set<Socket>();
  let server: Server;
  let port = 0;
  const listen = () =>
    new Promise<void>((resolve) => {
      server = createServer((client) => {
        const upstream = connect(target.port, target.host);
        for (const socket of [client, upstream]) {
          sockets.add(socket);
          socket.on("close", () => sockets.delete(socket));
          socket.on("error", () => socket.destroy());
        }
        client.pipe(upstream).pipe(client);
      });
      server.listen(port, "127.0.0.1", () => {
        port = (server.address() as { port: number }).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      for (const socket of sockets) socket.destroy();
      server.close(() => resolve());
    });
  await listen();
  return { port, cut: stop, restore: listen, close: stop };
}

describeWithPostgres("PostgreSQL unreachable", (postgres) => {
  let relay: Relay;
  let test: TestGateway;
  let databaseUrl: string;

  beforeAll(async () => {
    const direct = new URL(await postgres.freshSchemaUrl());
    relay = await startRelay({ host: direct.hostname, port: Number(direct.port || 5432) });
    direct.hostname = "127.0.0.1";
    direct.port = String(relay.port);
    databaseUrl = direct.toString();
    test = await startTestGateway({
      env: { FLOOPY_DATABASE_URL: databaseUrl, FLOOPY_MASTER_KEY: randomBytes(32).toString("base64") },
    });
  });
  afterAll(async () => {
    await test?.close();
    await relay?.close();
  });

  const ask = () =>
    test.client.chat.completions
      .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "during the outage" }] })
      .withResponse();

  it("keeps answering on the last snapshot, says degraded, and writes the queued records once it is back", async () => {
    const before = await ask();
    expect(before.response.status).toBe(200);
    await relay.cut();
    const ids: string[] = [];
    for (let index = 0; index < 20; index++) {
      const { response } = await ask();
      expect(response.status).toBe(200);
      ids.push(response.headers.get("floopy-request-id") ?? "");
    }
    const ready = await fetch(`${test.gateway.url}/readyz`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { status: string; stores: { control: string } };
    expect(body.status).toBe("degraded");
    expect(body.stores.control).toContain("unreachable");
    // A flush or two fails meanwhile; nothing is dropped.
    await vi.waitFor(() => expect(test.gateway.services.records.counters.writeFailures).toBeGreaterThan(0), {
      timeout: 15_000,
    });
    expect(test.gateway.services.records.counters.droppedWriteFailed).toBe(0);

    await relay.restore();
    await vi.waitFor(
      async () => {
        await test.gateway.services.records.flush();
        for (const id of ids) expect(await test.gateway.stores.events.getRequestLog(id)).toBeDefined();
      },
      { timeout: 30_000, interval: 200 },
    );
    const again = await fetch(`${test.gateway.url}/readyz`);
    expect(((await again.json()) as { status: string }).status).toBe("ready");
  }, 60_000);

  it("does not start an instance that cannot reach its database", async () => {
    await relay.cut();
    try {
      const run = await runGatewayToExit({
        FLOOPY_DATABASE_URL: databaseUrl,
        FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
      });
      expect(run.code).toBe(2);
      expect(run.output).toContain("cannot reach the database");
    } finally {
      await relay.restore();
    }
  }, 60_000);
});
