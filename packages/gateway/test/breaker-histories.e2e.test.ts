/**
 * Circuit breakers through real histories, over real sockets: a fallback whose circuit opened after
 * a few stalls is still tried when it is the only target left, and a primary that keeps failing
 * opens its own circuit whatever state the fallback's circuit is in.
 */
import OpenAI from "openai";
import { afterEach, describe, expect, it } from "vitest";
import { startTestGateway, storedRecord, TEST_KEY, type TestGateway } from "./support/test-gateway.js";

let test: TestGateway | undefined;
afterEach(async () => {
  await test?.close();
  test = undefined;
});

/** A gateway whose breakers open after 3 failures and stay open for the whole test. */
async function start(): Promise<TestGateway> {
  test = await startTestGateway({
    env: {
      FLOOPY_BREAKER_MIN_REQUESTS: "3",
      FLOOPY_BREAKER_COOLDOWN_MS: "600000",
      FLOOPY_UPSTREAM_FIRST_BYTE_TIMEOUT_MS: "300",
    },
  });
  return test;
}

const chat = (model: string) => ({ model, messages: [{ role: "user" as const, content: "hi" }] });

/** Stalls `backup` until its first-byte timeout, three times: its circuit opens. */
async function openBackupByStalls(gateway: TestGateway): Promise<void> {
  gateway.backup.setFault(() => ({ kind: "hang" }));
  for (let index = 0; index < 3; index++) {
    const error = await gateway.client.chat.completions
      .create(chat("backup/backup-model"))
      .catch((caught: unknown) => caught);
    expect((error as { status?: number }).status).toBe(504);
  }
  expect(await circuit(gateway, "backup/backup-model")).toBe("open");
  gateway.backup.reset();
}

async function circuit(gateway: TestGateway, model: string): Promise<string | undefined> {
  const response = await fetch(`${gateway.gateway.url}/v1/routing/explain`, {
    method: "POST",
    headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
    body: JSON.stringify(chat(model)),
  });
  const body = (await response.json()) as { candidates: Array<{ circuit: string }> };
  return body.candidates[0]?.circuit;
}

describe("a breaker never turns a recoverable request into an error", () => {
  it("tries an open fallback when it is the only target left, and says so in the decision", async () => {
    const gateway = await start();
    await openBackupByStalls(gateway);
    gateway.fake.setFault(() => ({ kind: "status", status: 500 }));
    const { data, response } = await gateway.client.chat.completions
      .create(chat("gpt-4o-mini"), { headers: { "floopy-fallback": "backup/backup-model" } })
      .withResponse();
    expect(data.choices[0]?.message.content).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(gateway.backup.requests.length).toBe(1);
    const record = await storedRecord(gateway, response.headers.get("floopy-request-id") ?? "");
    expect(record.decision?.candidates).toMatchObject([
      { provider: "openai", skipped: null },
      { provider: "backup", skipped: "circuit_open", triedAnyway: true },
    ]);
    const api = await fetch(`${gateway.gateway.url}/v1/decisions/${record.id}`, {
      headers: { authorization: `Bearer ${TEST_KEY}` },
    });
    expect(await api.json()).toMatchObject({
      candidates: [
        { provider: "openai", skipped: null, tried_anyway: false },
        { provider: "backup", skipped: "circuit_open", tried_anyway: true },
      ],
    });
    // It answered: its circuit closed again.
    expect(await circuit(gateway, "backup/backup-model")).toBe("closed");
  });

  it("opens a consistently failing primary's circuit while its fallback's is open", async () => {
    const gateway = await start();
    await openBackupByStalls(gateway);
    gateway.fake.setFault(() => ({ kind: "status", status: 503 }));
    const providers: string[] = [];
    for (let index = 0; index < 40; index++) {
      const { response } = await gateway.client.chat.completions
        .create(chat("gpt-4o-mini"), { headers: { "floopy-fallback": "backup/backup-model" } })
        .withResponse();
      providers.push(response.headers.get("floopy-provider") ?? "");
    }
    expect(providers.every((provider) => provider === "backup")).toBe(true);
    expect(await circuit(gateway, "gpt-4o-mini")).toBe("open");
    // Three failures open it; once open, the recovered fallback answers without it.
    expect(gateway.fake.requests.length).toBeLessThanOrEqual(4);
  });

  it("tries an open fallback for a stream too", async () => {
    const gateway = await start();
    await openBackupByStalls(gateway);
    gateway.fake.setFault(() => ({ kind: "status", status: 500 }));
    const { data: stream, response } = await gateway.client.chat.completions
      .create(
        { ...chat("gpt-4o-mini"), stream: true },
        { headers: { "floopy-fallback": "backup/backup-model" } },
      )
      .withResponse();
    let text = "";
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? "";
    expect(text).toBe("Echo: hi");
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(response.headers.get("floopy-fallback-used")).toBe("true");
  });

  it("with every circuit open, tries the one opened longest ago first", async () => {
    const gateway = await start();
    await openBackupByStalls(gateway);
    // The fallback keeps stalling while the primary fails: the primary's circuit opens all the same.
    gateway.backup.setFault(() => ({ kind: "hang" }));
    gateway.fake.setFault(() => ({ kind: "status", status: 503 }));
    for (let index = 0; index < 3; index++) {
      const error = await gateway.client.chat.completions
        .create(chat("gpt-4o-mini"), { headers: { "floopy-fallback": "backup/backup-model" } })
        .catch((caught: unknown) => caught);
      expect((error as { status?: number }).status).toBe(502);
    }
    expect(await circuit(gateway, "gpt-4o-mini")).toBe("open");
    expect(await circuit(gateway, "backup/backup-model")).toBe("open");

    const explained = await fetch(`${gateway.gateway.url}/v1/routing/explain`, {
      method: "POST",
      headers: { authorization: `Bearer ${TEST_KEY}`, "content-type": "application/json" },
      body: JSON.stringify({
        request: chat("gpt-4o-mini"),
        headers: { "floopy-fallback": "backup/backup-model" },
      }),
    });
    expect(await explained.json()).toMatchObject({
      would_select: { provider: "backup", model: "backup-model" },
      order: [],
      last_resort: [
        { provider: "backup", model: "backup-model" },
        { provider: "openai", model: "gpt-4o-mini" },
      ],
      all_circuits_open: true,
    });

    gateway.backup.reset();
    const calls = gateway.fake.requests.length;
    const { response } = await gateway.client.chat.completions
      .create(chat("gpt-4o-mini"), { headers: { "floopy-fallback": "backup/backup-model" } })
      .withResponse();
    expect(response.headers.get("floopy-provider")).toBe("backup");
    expect(gateway.fake.requests.length).toBe(calls); // the primary was not needed
    const record = await storedRecord(gateway, response.headers.get("floopy-request-id") ?? "");
    expect(record.decision?.allCircuitsOpen).toBe(true);
    expect(record.decision?.candidates).toMatchObject([
      { provider: "openai", skipped: "circuit_open", triedAnyway: false },
      { provider: "backup", skipped: "circuit_open", triedAnyway: true },
    ]);
  });

  it("keeps trying a lone open target rather than refusing without trying", async () => {
    const gateway = await start();
    gateway.fake.setFault(() => ({ kind: "status", status: 503 }));
    for (let index = 0; index < 5; index++) {
      const error = await gateway.client.chat.completions
        .create(chat("gpt-4o-mini"))
        .catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as InstanceType<typeof OpenAI.APIError>).status).toBe(503);
    }
    expect(gateway.fake.requests.length).toBe(5);
    expect(await circuit(gateway, "gpt-4o-mini")).toBe("open");
    gateway.fake.setFault(undefined);
    const { response } = await gateway.client.chat.completions.create(chat("gpt-4o-mini")).withResponse();
    expect(response.headers.get("floopy-provider")).toBe("openai");
    expect(await circuit(gateway, "gpt-4o-mini")).toBe("closed");
  });
});
