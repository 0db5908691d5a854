/**
 * The distributed deployment's state on PostgreSQL: two gateway instances on one database share
 * keys (a key created through one is honoured by the other within seconds, a revoke likewise) and
 * write their request records to the same place.
 */
import { randomBytes } from "node:crypto";
import OpenAI from "openai";
import { afterAll, beforeAll, expect, it } from "vitest";
import { generateApiKey } from "../src/control/api-keys.js";
import { newKeyRecord } from "../src/control/bootstrap-keys.js";
import { describeWithPostgres } from "./support/postgres.js";
import { startTestGateway, storedRecord, type TestGateway } from "./support/test-gateway.js";

describeWithPostgres("gateway on PostgreSQL", (postgres) => {
  let first: TestGateway;
  let second: TestGateway;

  beforeAll(async () => {
    const env = {
      FLOOPY_DATABASE_URL: await postgres.freshSchemaUrl(),
      FLOOPY_MASTER_KEY: randomBytes(32).toString("base64"),
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
});

async function eventually(assertion: () => Promise<void>): Promise<void> {
  let last: unknown;
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      await assertion();
      return;
    } catch (error) {
      last = error;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
  throw last;
}
