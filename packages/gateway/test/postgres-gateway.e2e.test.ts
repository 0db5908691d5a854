/**
 * The distributed deployment's state on PostgreSQL: two gateway instances on one database share
 * keys (a key created through one is honoured by the other within seconds, a revoke likewise) and
 * write their request records to the same place.
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { generateApiKey } from "../src/control/api-keys.js";
import { newKeyRecord } from "../src/control/bootstrap-keys.js";
import { describeWithPostgres } from "./support/postgres.js";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

const ADMIN_KEY = `fp_admin_${randomBytes(12).toString("hex")}`;

describeWithPostgres("gateway on PostgreSQL", (postgres) => {
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    const env = {
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
      FLOOPY_ADMIN_KEY: ADMIN_KEY,
    };
    first = await startTestGateway({ env });
    second = await startTestGateway({ env });
  });
  afterAll(async () => {
    await Promise.all([first?.close(), second?.close()]);
  });

  it("answers through either instance and records both requests in PostgreSQL", async () => {
    for (const instance of [first, second]) {
      const { data, response } = await instance.client.chat.completions
        .create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "hello pg" }] })
        .withResponse();
      expect(data.choices[0]?.message.content).toBe("Echo: hello pg");
      const requestId = response.headers.get("floopy-request-id") ?? "";
      const record = await storedRecord(instance, requestId);
      expect(record.status).toBe(200);
      const schema = postgres.schemas.at(-1);
      const rows = await postgres.query(`select id from ${schema}.request_logs where id = $1`, [requestId]);
      expect(rows.rowCount).toBe(1);
    }
  });

  it("honours a key created through one instance on the other, and a revoke too", async () => {
    const key = generateApiKey();
    const record = await first.gateway.stores.control.insertApiKey(
      newKeyRecord("shared", key, "cli", { orgId: "default", projectId: null, expiresAt: null }),
    );
    const client = new OpenAI({ baseURL: `${second.gateway.url}/v1`, apiKey: key, maxRetries: 0 });
    const ask = () =>
      client.chat.completions.create({ model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] });
    await eventually(async () => {
      expect((await ask()).choices).toHaveLength(1);
    });
    await first.gateway.stores.control.revokeApiKey(record.id, new Date());
    await eventually(async () => {
      const error = await ask().catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    });
  });

  it("applies a routing rule made through one instance's admin API on the other, and its deletion", async () => {
    const adminCall = (method: string, path: string, body?: unknown) =>
      fetch(`${first.gateway.url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${ADMIN_KEY}`,
          "x-floopy-confirm": "routing_rules",
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    const askSecond = () =>
      second.client.chat.completions
        .create(
          { model: "gpt-4o-mini", messages: [{ role: "user", content: "x" }] },
          { headers: { "floopy-routing-rule": "shared-rule" } },
        )
        .withResponse();
    const created = await adminCall("POST", "/admin/routing_rules", {
      name: "shared-rule",
      strategy: "fallback",
      targets: [{ model: "backup/backup-model" }],
    });
    expect(created.status).toBe(201);
    await eventually(async () => {
      expect((await askSecond()).response.headers.get("floopy-provider")).toBe("backup");
    });
    expect((await adminCall("DELETE", "/admin/routing_rules/shared-rule")).status).toBe(204);
    await eventually(async () => {
      expect(await askSecond().catch((caught: unknown) => caught)).toBeInstanceOf(OpenAI.BadRequestError);
    });
  });
});

function eventually(assertion: () => Promise<void>): Promise<void> {
  return vi.waitFor(assertion, { timeout: 10_000, interval: 50 });
}
