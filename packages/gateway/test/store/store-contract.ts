/**
 * The contract every Stores backend must meet, run against each one by stores.test.ts (undici's
 * cacheStoreTests pattern). `open` must reach the same database on every call, so a second call
 * tests re-opening; each test uses its own ids, so tests do not depend on each other's data.
 */
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { NewApiKey, RequestLogRecord, Stores } from "../../src/store/index.js";

export function storeContract(open: () => Promise<Stores>): void {
  let stores: Stores;

  beforeAll(async () => {
    stores = await open();
  });

  afterAll(async () => {
    await stores?.close();
  });

  it("runs migrations idempotently: opening again keeps the data and the version", async () => {
    const key = newKey();
    await stores.control.insertApiKey(key);
    const version = await stores.control.controlVersion();
    const again = await open();
    try {
      expect(await again.control.controlVersion()).toBe(version);
      expect(await again.control.findApiKeyByHash(key.hash)).toMatchObject({ id: key.id });
      expect(again.kind).toBe(stores.kind);
    } finally {
      await again.close();
    }
  });

  it("has the default org and project", async () => {
    expect(await stores.control.getOrg("default")).toEqual({
      id: "default",
      name: "Default",
      createdAt: expect.any(Date),
    });
    const projects = await stores.control.listProjects("default");
    expect(projects).toContainEqual({
      id: "default",
      orgId: "default",
      name: "Default",
      createdAt: expect.any(Date),
    });
    expect(await stores.control.listProjects()).toContainEqual(expect.objectContaining({ id: "default" }));
  });

  it("ensures orgs and projects once, and refuses a project id taken by another org", async () => {
    const orgId = unique("org");
    expect(await stores.control.getOrg(orgId)).toBeUndefined();
    const org = await stores.control.ensureOrg({ id: orgId, name: "First" });
    expect(org).toEqual({ id: orgId, name: "First", createdAt: expect.any(Date) });
    // Ensuring again returns what is stored; it does not rename.
    expect(await stores.control.ensureOrg({ id: orgId, name: "Second" })).toEqual(org);
    expect(await stores.control.getOrg(orgId)).toEqual(org);

    const projectId = unique("project");
    const project = await stores.control.ensureProject({ id: projectId, orgId, name: "Web" });
    expect(project).toEqual({ id: projectId, orgId, name: "Web", createdAt: expect.any(Date) });
    expect(await stores.control.ensureProject({ id: projectId, orgId, name: "Other" })).toEqual(project);
    expect(await stores.control.listProjects(orgId)).toEqual([project]);
    await expect(
      stores.control.ensureProject({ id: projectId, orgId: "default", name: "Web" }),
    ).rejects.toThrow(/already exists in org/);
  });

  it("inserts keys and finds them by id, by hash and in the list, with every field intact", async () => {
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    const projectId = unique("project");
    await stores.control.ensureProject({ id: projectId, orgId, name: projectId });
    const countBefore = await stores.control.countApiKeys();
    const key = newKey({
      orgId,
      projectId,
      routingRule: "cheap-first",
      rpm: 120,
      tpm: 200_000,
      monthlyBudgetUsd: 12.75,
      createdAt: new Date("2025-01-02T03:04:05.678Z"),
      expiresAt: new Date("2030-06-07T08:09:10.123Z"),
    });
    const inserted = await stores.control.insertApiKey(key);
    const expected = { ...key, createdAt: new Date("2025-01-02T03:04:05.678Z"), revokedAt: null };
    expect(inserted).toEqual(expected);
    expect(await stores.control.getApiKey(key.id)).toEqual(expected);
    expect(await stores.control.findApiKeyByHash(key.hash)).toEqual(expected);
    expect(await stores.control.listApiKeys()).toContainEqual(expected);
    expect(await stores.control.countApiKeys()).toBe(countBefore + 1);
    expect(await stores.control.getApiKey(unique("missing"))).toBeUndefined();
    expect(await stores.control.findApiKeyByHash(newHash())).toBeUndefined();
  });

  it("stamps createdAt when none is given, and keeps nulls as nulls", async () => {
    const before = Date.now();
    const key = newKey();
    const { createdAt, ...withoutCreatedAt } = key;
    const inserted = await stores.control.insertApiKey(withoutCreatedAt);
    expect(inserted.createdAt.getTime()).toBeGreaterThanOrEqual(before);
    expect(inserted.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    const stored = await stores.control.getApiKey(key.id);
    expect(stored).toEqual(inserted);
    expect(stored).toMatchObject({
      projectId: null,
      routingRule: null,
      rpm: null,
      tpm: null,
      monthlyBudgetUsd: null,
      expiresAt: null,
      revokedAt: null,
    });
  });

  it("refuses a second key with the same hash", async () => {
    const key = newKey();
    await stores.control.insertApiKey(key);
    await expect(stores.control.insertApiKey({ ...key, id: unique("key") })).rejects.toThrow();
    expect(await stores.control.findApiKeyByHash(key.hash)).toMatchObject({ id: key.id });
  });

  it("revokes a key once: the first time is kept, an unknown id answers false", async () => {
    const key = await stores.control.insertApiKey(newKey());
    const first = new Date("2025-03-04T05:06:07.089Z");
    const versionBefore = await stores.control.controlVersion();
    expect(await stores.control.revokeApiKey(key.id, first)).toBe(true);
    const versionAfter = await stores.control.controlVersion();
    expect(versionAfter).toBeGreaterThan(versionBefore);
    expect((await stores.control.getApiKey(key.id))?.revokedAt).toEqual(first);

    expect(await stores.control.revokeApiKey(key.id, new Date("2026-01-01T00:00:00.000Z"))).toBe(true);
    expect((await stores.control.getApiKey(key.id))?.revokedAt).toEqual(first);
    expect((await stores.control.findApiKeyByHash(key.hash))?.revokedAt).toEqual(first);
    expect(await stores.control.controlVersion()).toBe(versionAfter);

    expect(await stores.control.revokeApiKey(unique("missing"), new Date())).toBe(false);
    expect(await stores.control.controlVersion()).toBe(versionAfter);
  });

  it("updates the mutable fields of a key in place, bumping the version only on change", async () => {
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    const projectId = unique("project");
    await stores.control.ensureProject({ id: projectId, orgId, name: projectId });
    const key = await stores.control.insertApiKey(newKey({ orgId, rpm: 30 }));
    const expiresAt = new Date("2031-02-03T04:05:06.007Z");

    const before = await stores.control.controlVersion();
    const updated = await stores.control.updateApiKey(key.id, {
      name: "renamed",
      projectId,
      routingRule: "cheap-first",
      expiresAt,
    });
    expect(updated).toEqual({ ...key, name: "renamed", projectId, routingRule: "cheap-first", expiresAt });
    expect(await stores.control.getApiKey(key.id)).toEqual(updated);
    expect(await stores.control.findApiKeyByHash(key.hash)).toEqual(updated);
    const afterUpdate = await stores.control.controlVersion();
    expect(afterUpdate).toBeGreaterThan(before);

    // Fields not given stay as they are; null clears.
    const cleared = await stores.control.updateApiKey(key.id, { routingRule: null, expiresAt: null });
    expect(cleared).toEqual({ ...updated, routingRule: null, expiresAt: null });
    const afterClear = await stores.control.controlVersion();
    expect(afterClear).toBeGreaterThan(afterUpdate);

    // The same values again change nothing, so instances need not reload.
    expect(await stores.control.updateApiKey(key.id, { name: "renamed", routingRule: null })).toEqual(
      cleared,
    );
    expect(await stores.control.updateApiKey(key.id, {})).toEqual(cleared);
    expect(await stores.control.controlVersion()).toBe(afterClear);

    expect(await stores.control.updateApiKey(unique("missing"), { name: "x" })).toBeUndefined();
    expect(await stores.control.controlVersion()).toBe(afterClear);
  });

  it("updates a key's own limits (rpm, tpm, monthly budget), null clearing each", async () => {
    const key = await stores.control.insertApiKey(newKey({ rpm: 30 }));
    const before = await stores.control.controlVersion();
    const limited = await stores.control.updateApiKey(key.id, {
      rpm: 60,
      tpm: 90_000,
      monthlyBudgetUsd: 0.5,
    });
    expect(limited).toEqual({ ...key, rpm: 60, tpm: 90_000, monthlyBudgetUsd: 0.5 });
    expect(await stores.control.getApiKey(key.id)).toEqual(limited);
    const afterLimit = await stores.control.controlVersion();
    expect(afterLimit).toBeGreaterThan(before);
    // A fractional budget survives the round trip exactly (a double, not an integer column).
    expect(await stores.control.updateApiKey(key.id, { monthlyBudgetUsd: 0.5 })).toEqual(limited);
    expect(await stores.control.controlVersion()).toBe(afterLimit);
    const cleared = await stores.control.updateApiKey(key.id, { tpm: null, monthlyBudgetUsd: null });
    expect(cleared).toEqual({ ...limited, tpm: null, monthlyBudgetUsd: null });
    expect(await stores.control.controlVersion()).toBeGreaterThan(afterLimit);
  });

  it("upserts by hash: inserts, then updates name and rpm in place, keeping id and creation time", async () => {
    const key = newKey({ source: "config", name: "first", rpm: 10 });
    const inserted = await stores.control.upsertApiKeyByHash(key);
    expect(inserted).toMatchObject({ id: key.id, name: "first", rpm: 10, source: "config", revokedAt: null });

    // The key's token and spend limits are the file's too: a change to either alone is a change.
    const tokenLimited = await stores.control.upsertApiKeyByHash({
      ...key,
      tpm: 5_000,
      monthlyBudgetUsd: 9.5,
    });
    expect(tokenLimited).toEqual({ ...inserted, tpm: 5_000, monthlyBudgetUsd: 9.5 });
    const budgetVersion = await stores.control.controlVersion();
    expect(
      await stores.control.upsertApiKeyByHash({ ...key, tpm: 5_000, monthlyBudgetUsd: 10 }),
    ).toMatchObject({ monthlyBudgetUsd: 10 });
    expect(await stores.control.controlVersion()).toBeGreaterThan(budgetVersion);
    await stores.control.upsertApiKeyByHash(key);

    const version = await stores.control.controlVersion();
    // A restart re-reads the config and upserts with a fresh id; the stored id must not change.
    const updated = await stores.control.upsertApiKeyByHash({
      ...key,
      id: unique("key"),
      name: "second",
      rpm: 20,
      routingRule: "fast",
      createdAt: new Date("2000-01-01T00:00:00.000Z"),
    });
    expect(updated).toEqual({ ...inserted, name: "second", rpm: 20, routingRule: "fast" });
    expect(await stores.control.findApiKeyByHash(key.hash)).toEqual(updated);
    expect(await stores.control.controlVersion()).toBeGreaterThan(version);

    // The same values again change nothing, so the version stays (instances need not reload).
    const unchangedVersion = await stores.control.controlVersion();
    const unchanged = await stores.control.upsertApiKeyByHash({
      ...key,
      id: unique("key"),
      name: "second",
      rpm: 20,
      routingRule: "fast",
    });
    expect(unchanged).toEqual(updated);
    expect(await stores.control.controlVersion()).toBe(unchangedVersion);

    // Back to null is a change too.
    expect(await stores.control.upsertApiKeyByHash({ ...key, rpm: null })).toMatchObject({
      id: key.id,
      name: "first",
      rpm: null,
      routingRule: null,
    });

    // A revoked key stays revoked when its config entry is upserted again.
    const revokedAt = new Date("2025-05-05T05:05:05.005Z");
    await stores.control.revokeApiKey(key.id, revokedAt);
    expect(await stores.control.upsertApiKeyByHash({ ...key, name: "third" })).toMatchObject({
      id: key.id,
      name: "third",
      revokedAt,
    });
  });

  it("increases the control version after each control write", async () => {
    const versions = [await stores.control.controlVersion()];
    const record = async () => {
      const version = await stores.control.controlVersion();
      expect(version).toBeGreaterThan(versions.at(-1) ?? Number.POSITIVE_INFINITY);
      versions.push(version);
    };
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    await record();
    await stores.control.ensureProject({ id: unique("project"), orgId, name: "p" });
    await record();
    const key = newKey({ orgId });
    await stores.control.insertApiKey(key);
    await record();
    await stores.control.upsertApiKeyByHash(newKey({ orgId }));
    await record();
    await stores.control.upsertApiKeyByHash({ ...key, name: "renamed" });
    await record();
    await stores.control.revokeApiKey(key.id, new Date());
    await record();
    expect(Number.isInteger(versions.at(-1))).toBe(true);
  });

  it("round-trips a request log with every field set", async () => {
    const record = newLog({
      createdAt: new Date("2025-07-08T09:10:11.012Z"),
      orgId: "default",
      keyId: unique("key"),
      projectId: "default",
      userId: "user-ü-42",
      sessionId: "session-1",
      sessionName: "Checkout «flow»",
      sessionPath: "/a/b/c",
      // fromEntries, so "__proto__" is an own property as it would be from a parsed request.
      properties: Object.fromEntries([
        ["env", "prod"],
        ["weird key", "värde"],
        ["__proto__", "not a prototype"],
        ["empty", ""],
      ]),
      requestedModel: "smart",
      provider: "openai",
      model: "gpt-4o-mini",
      stream: true,
      status: 502,
      errorCode: "upstream_error",
      errorMessage: "all targets failed: 'quoted' \"text\"\nnewline",
      ttftMs: 123.45,
      latencyMs: 6789.01,
      usage: {
        promptTokens: 1234,
        completionTokens: 56,
        totalTokens: 1290,
        cachedTokens: 1000,
        reasoningTokens: 0,
      },
      usageSource: "upstream",
      costUsd: 0.000123456789,
      cacheStatus: "HIT-SEMANTIC",
      costSavedUsd: 0.00042,
      fallbackUsed: true,
      attempts: [
        { provider: "anthropic", model: "claude-x", status: 529, errorClass: "overloaded", latencyMs: 12.34 },
        {
          provider: "openai",
          model: "gpt-4o-mini",
          status: null,
          errorClass: "connect_timeout",
          latencyMs: 2000,
        },
      ],
    });
    expect(Object.keys(record.properties)).toContain("__proto__");
    await stores.events.insertRequestLogs([record]);
    const stored = await stores.events.getRequestLog(record.id);
    expect(stored).toEqual(record);
    expect(Object.keys(stored?.properties ?? {})).toEqual(Object.keys(record.properties));
    expect(stored?.costUsd).toBe(0.000123456789);
    expect(stored?.createdAt.toISOString()).toBe("2025-07-08T09:10:11.012Z");
  });

  it("round-trips a request log with nulls, no usage, false flags and zeros", async () => {
    const record = newLog({
      usage: null,
      usageSource: null,
      costUsd: 0,
      ttftMs: null,
      latencyMs: 0,
      status: 200,
      stream: false,
      fallbackUsed: false,
      properties: {},
      attempts: [],
    });
    await stores.events.insertRequestLogs([record]);
    expect(await stores.events.getRequestLog(record.id)).toEqual(record);

    const estimated = newLog({
      usage: { promptTokens: 0, completionTokens: 0, totalTokens: 0, cachedTokens: 0, reasoningTokens: 0 },
      usageSource: "estimate",
      costUsd: null,
    });
    await stores.events.insertRequestLogs([estimated]);
    const stored = await stores.events.getRequestLog(estimated.id);
    expect(stored).toEqual(estimated);
    expect(stored?.usage).not.toBeNull();
    expect(stored?.costUsd).toBeNull();
    expect(await stores.events.getRequestLog(unique("missing"))).toBeUndefined();
  });

  it("inserts a batch of 1200 logs, and a retried batch without duplicates", async () => {
    const orgId = unique("org");
    const start = Date.parse("2025-01-01T00:00:00.000Z");
    const records = Array.from({ length: 1200 }, (_, index) =>
      newLog({
        orgId,
        createdAt: new Date(start + index),
        latencyMs: index + 0.5,
        properties: { index: String(index) },
      }),
    );
    await stores.events.insertRequestLogs(records);
    const listed = await stores.events.listRequestLogs({ orgId, limit: 5000 });
    expect(listed).toHaveLength(1200);
    expect(listed).toEqual([...records].reverse());

    // The record queue may retry a batch whose write did land; that must not fail or duplicate.
    await stores.events.insertRequestLogs(records.slice(0, 600));
    expect(await stores.events.listRequestLogs({ orgId, limit: 5000 })).toHaveLength(1200);
    await stores.events.insertRequestLogs([]);
  });

  it("inserts a batch of any size, a record repeated within it stored once", async () => {
    const orgId = unique("org");
    const start = Date.parse("2025-02-01T00:00:00.000Z");
    const records = Array.from({ length: 37 }, (_, index) =>
      newLog({ orgId, createdAt: new Date(start + index), latencyMs: index }),
    );
    const repeated = records[20];
    if (!repeated) throw new Error("no record 20");
    await stores.events.insertRequestLogs([...records.slice(0, 30), repeated, ...records.slice(30)]);
    expect(await stores.events.listRequestLogs({ orgId, limit: 100 })).toEqual([...records].reverse());
  });

  it("lists request logs newest first, limited, optionally by org", async () => {
    const orgId = unique("org");
    const otherOrgId = unique("org");
    const base = Date.parse("2030-01-01T00:00:00.000Z");
    const oldest = newLog({ orgId, createdAt: new Date(base) });
    const middle = newLog({ orgId: otherOrgId, createdAt: new Date(base + 1_000) });
    const newest = newLog({ orgId, createdAt: new Date(base + 2_000) });
    // Inserted out of order: the order must come from createdAt, not insertion.
    await stores.events.insertRequestLogs([middle, newest, oldest]);

    expect(await stores.events.listRequestLogs({ orgId, limit: 10 })).toEqual([newest, oldest]);
    expect(await stores.events.listRequestLogs({ orgId, limit: 1 })).toEqual([newest]);
    expect(await stores.events.listRequestLogs({ orgId: otherOrgId, limit: 10 })).toEqual([middle]);
    expect(await stores.events.listRequestLogs({ orgId, limit: 0 })).toEqual([]);
    // Without an org filter, these are the newest records of all (dated in 2030).
    const all = await stores.events.listRequestLogs({ limit: 3 });
    expect(all.map((record) => record.id)).toEqual([newest.id, middle.id, oldest.id]);
    await expect(stores.events.listRequestLogs({ limit: -1 })).rejects.toThrow(RangeError);
  });

  it("filters request logs by every field, by properties exactly, and pages them by keyset", async () => {
    const orgId = unique("org");
    const base = Date.parse("2029-03-01T00:00:00.000Z");
    const at = (offset: number) => new Date(base + offset);
    const records = [
      newLog({
        orgId,
        createdAt: at(0),
        model: "m1",
        provider: "openai",
        status: 200,
        keyId: "k1",
        projectId: "p1",
        userId: "u1",
        sessionId: "s1",
        properties: { team: "search", env: "prod" },
      }),
      newLog({
        orgId,
        createdAt: at(1),
        model: "m2",
        provider: "anthropic",
        status: 429,
        keyId: "k2",
        projectId: "p2",
        userId: "u2",
        sessionId: "s2",
        properties: { team: "searching" },
      }),
      newLog({
        orgId,
        createdAt: at(2),
        model: "m1",
        provider: "openai",
        status: 200,
        keyId: "k1",
        properties: { team: 'quote "x"', weird: "Search" },
      }),
      newLog({ orgId, createdAt: at(3), model: "m1", properties: { note: '"team":"search"' } }),
    ];
    await stores.events.insertRequestLogs(records);
    const ids = async (query: Omit<Parameters<typeof stores.events.listRequestLogs>[0], "limit" | "orgId">) =>
      (await stores.events.listRequestLogs({ orgId, limit: 100, ...query })).map((record) => record.id);
    const [r0, r1, r2, r3] = records.map((record) => record.id);
    expect(await ids({ model: "m1" })).toEqual([r3, r2, r0]);
    expect(await ids({ provider: "anthropic" })).toEqual([r1]);
    expect(await ids({ status: 429 })).toEqual([r1]);
    expect(await ids({ keyId: "k1", projectId: "p1" })).toEqual([r0]);
    expect(await ids({ userId: "u2" })).toEqual([r1]);
    expect(await ids({ sessionId: "s1" })).toEqual([r0]);
    expect(await ids({ from: at(1), to: at(3) })).toEqual([r2, r1]);
    // Exact value, case-sensitive, never a prefix, never text inside another property's value.
    expect(await ids({ properties: { team: "search" } })).toEqual([r0]);
    expect(await ids({ properties: { team: "search", env: "prod" } })).toEqual([r0]);
    expect(await ids({ properties: { team: "search", env: "dev" } })).toEqual([]);
    expect(await ids({ properties: { team: 'quote "x"' } })).toEqual([r2]);
    expect(await ids({ properties: { weird: "search" } })).toEqual([]);
    const first = await stores.events.listRequestLogs({ orgId, limit: 2 });
    const last = first.at(-1);
    if (!last) throw new Error("no page");
    expect(await ids({ after: { createdAt: last.createdAt, id: last.id } })).toEqual([r1, r0]);
  });

  it("sums usage per time bucket and group in the database, with a latency histogram", async () => {
    const orgId = unique("org");
    const base = Date.parse("2029-04-01T00:00:00.000Z");
    const usage = (prompt: number, completion: number) => ({
      promptTokens: prompt,
      completionTokens: completion,
      totalTokens: prompt + completion,
      cachedTokens: 0,
      reasoningTokens: 0,
    });
    await stores.events.insertRequestLogs([
      newLog({
        orgId,
        createdAt: new Date(base),
        model: "a",
        latencyMs: 5,
        usage: usage(10, 20),
        costUsd: 0.5,
        properties: { team: "x" },
      }),
      newLog({
        orgId,
        createdAt: new Date(base + 30_000),
        model: "a",
        latencyMs: 50,
        status: 500,
        usage: usage(1, 2),
        costUsd: 0.25,
        cacheStatus: "HIT-EXACT",
      }),
      newLog({
        orgId,
        createdAt: new Date(base + 61_000),
        model: "b",
        latencyMs: 500,
        properties: { team: "x" },
      }),
      newLog({ orgId: unique("org"), createdAt: new Date(base), model: "a" }),
    ]);
    const query = {
      orgId,
      from: new Date(base),
      to: new Date(base + 120_000),
      intervalMs: 60_000,
      latencyEdgesMs: [10, 100],
    };
    const byModel = await stores.events.usage({ ...query, groupBy: { kind: "column", column: "model" } });
    expect(byModel).toEqual([
      {
        bucketStartMs: base,
        group: "a",
        requests: 2,
        errors: 1,
        inputTokens: 11,
        outputTokens: 22,
        costUsd: 0.75,
        cacheHits: 1,
        latencyHistogram: [1, 1, 0],
      },
      {
        bucketStartMs: base + 60_000,
        group: "b",
        requests: 1,
        errors: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        cacheHits: 0,
        latencyHistogram: [0, 0, 1],
      },
    ]);
    const byTeam = await stores.events.usage({
      ...query,
      intervalMs: 120_000,
      groupBy: { kind: "property", name: "team" },
    });
    expect(byTeam.map((row) => [row.group, row.requests])).toEqual(
      [
        [null, 1],
        ["x", 2],
      ].sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
    );
    const all = await stores.events.usage({ ...query, intervalMs: 120_000, groupBy: null });
    expect(all).toHaveLength(1);
    expect(all[0]?.requests).toBe(3);
  });

  it("answers whole hours from the rollup exactly as the records would, and counts a retried batch once", async () => {
    const orgId = unique("org");
    const hour = 3_600_000;
    const base = Date.parse("2029-05-01T00:00:00.000Z");
    const models = ["m1", "m2", null];
    const logs = Array.from({ length: 240 }, (_, index) =>
      newLog({
        orgId,
        // Five hours and a half, every 82.5 s, starting mid-hour.
        createdAt: new Date(base + hour / 2 + index * 82_500),
        model: models[index % 3] ?? null,
        keyId: `k${index % 2}`,
        latencyMs: [0.5, 4, 40, 400, 4_000, 400_000][index % 6] ?? 1,
        status: index % 7 === 0 ? 502 : 200,
        usage: {
          promptTokens: index,
          completionTokens: 2 * index,
          totalTokens: 3 * index,
          cachedTokens: 0,
          reasoningTokens: 0,
        },
        costUsd: index / 1000,
        cacheStatus: index % 5 === 0 ? "HIT-SEMANTIC" : "MISS",
        properties: index % 4 === 0 ? {} : { team: ["a", "b", "c"][index % 3] ?? "a" },
      }),
    );
    // The property rollup counts from the hour after next; these records are years ahead.
    await stores.events.ensureRollupProperties(["team"]);
    await stores.events.insertRequestLogs(logs.slice(0, 100));
    // A retried batch: its first 100 records are stored already and must not count twice.
    await stores.events.insertRequestLogs(logs);
    const edges = [
      1, 2, 3, 5, 7, 10, 15, 20, 30, 50, 70, 100, 150, 200, 300, 500, 700, 1_000, 1_500, 2_000, 3_000, 5_000,
      7_000, 10_000, 15_000, 20_000, 30_000, 60_000, 120_000, 300_000,
    ];
    const query = {
      orgId,
      from: new Date(base + hour / 4),
      to: new Date(base + 5 * hour + hour / 3),
      intervalMs: hour,
      latencyEdgesMs: edges,
    };
    const expected = (groupOf: (log: RequestLogRecord) => string | null, interval: number) => {
      const rows = new Map<
        string,
        {
          bucketStartMs: number;
          group: string | null;
          requests: number;
          errors: number;
          inputTokens: number;
          outputTokens: number;
          costUsd: number;
          cacheHits: number;
          latencyHistogram: number[];
        }
      >();
      for (const log of logs) {
        const at = log.createdAt.getTime();
        if (at < query.from.getTime() || at >= query.to.getTime()) continue;
        const bucketStartMs = Math.floor(at / interval) * interval;
        const group = groupOf(log);
        const id = `${bucketStartMs} ${group}`;
        const row = rows.get(id) ?? {
          bucketStartMs,
          group,
          requests: 0,
          errors: 0,
          inputTokens: 0,
          outputTokens: 0,
          costUsd: 0,
          cacheHits: 0,
          latencyHistogram: new Array<number>(edges.length + 1).fill(0),
        };
        row.requests++;
        row.errors += log.status >= 400 ? 1 : 0;
        row.inputTokens += log.usage?.promptTokens ?? 0;
        row.outputTokens += log.usage?.completionTokens ?? 0;
        row.costUsd += log.costUsd ?? 0;
        row.cacheHits += log.cacheStatus?.startsWith("HIT") ? 1 : 0;
        const lat = edges.findIndex((edge) => log.latencyMs < edge);
        const index = lat === -1 ? edges.length : lat;
        row.latencyHistogram[index] = (row.latencyHistogram[index] ?? 0) + 1;
        rows.set(id, row);
      }
      return [...rows.values()].sort(
        (a, b) => a.bucketStartMs - b.bucketStartMs || String(a.group).localeCompare(String(b.group)),
      );
    };
    const rounded = (rows: Array<{ costUsd: number }>) =>
      rows.map((row) => ({ ...row, costUsd: Math.round(row.costUsd * 1e9) }));
    const byModel = await stores.events.usage({ ...query, groupBy: { kind: "column", column: "model" } });
    expect(rounded(byModel)).toEqual(rounded(expected((log) => log.model, hour)));
    const byKeyPerDay = await stores.events.usage({
      ...query,
      intervalMs: 24 * hour,
      groupBy: { kind: "column", column: "key_id" },
    });
    expect(rounded(byKeyPerDay)).toEqual(rounded(expected((log) => log.keyId, 24 * hour)));
    const all = await stores.events.usage({ ...query, groupBy: null });
    expect(rounded(all)).toEqual(rounded(expected(() => null, hour)));
    const byTeam = await stores.events.usage({ ...query, groupBy: { kind: "property", name: "team" } });
    expect(rounded(byTeam)).toEqual(rounded(expected((log) => log.properties.team ?? null, hour)));
  });

  it("stores routing decisions beside their logs and lists them by filter, page by page", async () => {
    const orgId = unique("org");
    const base = Date.parse("2031-01-01T00:00:00.000Z");
    const decision = {
      strategy: "fallback",
      candidates: [
        {
          provider: "openai",
          model: "gpt-4o-mini",
          source: "rule" as const,
          score: 2,
          skipped: "circuit_open",
        },
        { provider: "anthropic", model: "claude-x", source: "rule" as const, score: 1, skipped: null },
      ],
      allCircuitsOpen: false,
    };
    const routed = (offset: number, overrides: Partial<RequestLogRecord> = {}) =>
      newLog({ orgId, createdAt: new Date(base + offset), routingRule: "resilient", decision, ...overrides });
    // Two in the same millisecond: the id breaks the tie, so pages neither skip nor repeat.
    const a = routed(0, { provider: "anthropic", model: "claude-x", status: 200 });
    const b = routed(1_000, { provider: "openai", model: "gpt-4o-mini", status: 502 });
    const c = routed(1_000, { provider: "anthropic", model: "claude-x", status: 200, routingRule: "other" });
    const unrouted = newLog({ orgId, createdAt: new Date(base + 2_000), decision: null });
    await stores.events.insertRequestLogs([a, b, c, unrouted]);

    expect(await stores.events.getRequestLog(a.id)).toEqual(a);
    const all = await stores.events.listDecisions({ orgId, limit: 10 });
    const newestFirst = [b, c].sort((x, y) => (x.id < y.id ? 1 : -1));
    expect(all).toEqual([...newestFirst, a]);
    const first = await stores.events.listDecisions({ orgId, limit: 2 });
    const last = first.at(-1) as RequestLogRecord;
    const second = await stores.events.listDecisions({
      orgId,
      limit: 2,
      after: { createdAt: last.createdAt, id: last.id },
    });
    expect([...first, ...second]).toEqual(all);
    expect(await stores.events.listDecisions({ orgId, limit: 10, rule: "other" })).toEqual([c]);
    expect(await stores.events.listDecisions({ orgId, limit: 10, status: 502 })).toEqual([b]);
    expect(
      await stores.events.listDecisions({ orgId, limit: 10, provider: "anthropic", model: "claude-x" }),
    ).toHaveLength(2);
    expect(
      await stores.events.listDecisions({
        orgId,
        limit: 10,
        from: new Date(base + 500),
        to: new Date(base + 1_500),
      }),
    ).toHaveLength(2);
    expect(await stores.events.listDecisions({ orgId: unique("org"), limit: 10 })).toEqual([]);
  });

  it("keeps key scopes: gateway by default, admin when asked, counted apart", async () => {
    const gatewayBefore = await stores.control.countApiKeys("gateway");
    const adminBefore = await stores.control.countApiKeys("admin");
    const { scope: _scope, ...unscoped } = newKey();
    expect(await stores.control.insertApiKey(unscoped)).toMatchObject({ scope: "gateway" });
    const admin = await stores.control.insertApiKey(newKey({ scope: "admin" }));
    expect(admin.scope).toBe("admin");
    expect(await stores.control.findApiKeyByHash(admin.hash)).toMatchObject({ scope: "admin" });
    expect(await stores.control.countApiKeys("gateway")).toBe(gatewayBefore + 1);
    expect(await stores.control.countApiKeys("admin")).toBe(adminBefore + 1);
    // An upsert by hash may change the scope (the config file is the source of truth for its keys).
    const upserted = await stores.control.upsertApiKeyByHash({
      ...newKey({ hash: admin.hash }),
      scope: "gateway",
    });
    expect(upserted).toMatchObject({ id: admin.id, scope: "gateway" });
  });

  it("creates, replaces, lists and deletes routing rules, bumping the version only on change", async () => {
    const name = unique("rule");
    const definition = { strategy: "fallback", targets: [{ model: "openai/gpt-4o-mini" }] };
    const version = async () => stores.control.controlVersion();
    const start = await version();
    const created = await stores.control.saveRoutingRule({
      name,
      definition,
      source: "admin",
      mode: "create",
      replaceable: [],
    });
    expect(created).toEqual({
      outcome: "created",
      rule: { name, definition, source: "admin", createdAt: expect.any(Date), updatedAt: expect.any(Date) },
    });
    expect(await version()).toBe(start + 1);
    expect(await stores.control.getRoutingRule(name)).toEqual(created.rule);
    expect(await stores.control.listRoutingRules()).toContainEqual(created.rule);

    // Create on a taken name, or an upsert over a source it may not replace: exists, no write.
    const again = { name, definition: { ...definition, strategy: "round_robin" }, source: "admin" as const };
    expect(
      await stores.control.saveRoutingRule({ ...again, mode: "create", replaceable: ["admin"] }),
    ).toMatchObject({
      outcome: "exists",
      rule: { definition },
    });
    expect(
      await stores.control.saveRoutingRule({ ...again, mode: "upsert", replaceable: ["config"] }),
    ).toMatchObject({
      outcome: "exists",
    });
    expect(await version()).toBe(start + 1);

    // An identical upsert changes nothing; a different one replaces, keeping the creation time.
    expect(
      await stores.control.saveRoutingRule({
        name,
        definition,
        source: "admin",
        mode: "upsert",
        replaceable: ["admin"],
      }),
    ).toMatchObject({ outcome: "unchanged" });
    expect(await version()).toBe(start + 1);
    const replaced = await stores.control.saveRoutingRule({
      ...again,
      mode: "upsert",
      replaceable: ["admin"],
    });
    expect(replaced).toMatchObject({ outcome: "replaced", rule: { definition: again.definition } });
    expect(replaced.rule.createdAt).toEqual(created.rule.createdAt);
    expect(await version()).toBe(start + 2);

    // Deleting: only from the sources allowed, never while a live key names it, once.
    expect(await stores.control.deleteRoutingRule(name, ["config"])).toEqual({
      outcome: "wrong_source",
      source: "admin",
    });
    const user = await stores.control.insertApiKey(newKey({ routingRule: name }));
    expect(await stores.control.deleteRoutingRule(name, ["admin"])).toEqual({
      outcome: "in_use",
      keyIds: [user.id],
    });
    await stores.control.revokeApiKey(user.id, new Date());
    const beforeDelete = await version();
    expect(await stores.control.deleteRoutingRule(name, ["admin"])).toEqual({ outcome: "deleted" });
    expect(await version()).toBe(beforeDelete + 1);
    expect(await stores.control.getRoutingRule(name)).toBeUndefined();
    expect(await stores.control.deleteRoutingRule(name, ["admin"])).toEqual({ outcome: "not_found" });
  });

  it("lets exactly one of several concurrent creates of a rule win", async () => {
    const name = unique("rule");
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        stores.control.saveRoutingRule({
          name,
          definition: { strategy: "fallback", targets: [{ model: `m${index}` }] },
          source: "admin",
          mode: "create",
          replaceable: [],
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === "created")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === "exists")).toHaveLength(4);
  });

  it("sums each key's spend since a time, ignoring unpriced and older records", async () => {
    const orgId = unique("org");
    const [keyA, keyB] = [unique("key"), unique("key")];
    const since = new Date("2031-03-01T00:00:00.000Z");
    const at = (iso: string) => new Date(iso);
    await stores.events.insertRequestLogs([
      newLog({ orgId, keyId: keyA, costUsd: 0.25, createdAt: at("2031-03-01T00:00:00.000Z") }),
      newLog({ orgId, keyId: keyA, costUsd: 0.5, createdAt: at("2031-03-15T10:00:00.000Z") }),
      newLog({ orgId, keyId: keyA, costUsd: 9, createdAt: at("2031-02-28T23:59:59.999Z") }),
      newLog({ orgId, keyId: keyA, costUsd: null, createdAt: at("2031-03-02T00:00:00.000Z") }),
      newLog({ orgId, keyId: keyB, costUsd: 1.125, createdAt: at("2031-03-03T00:00:00.000Z") }),
    ]);
    const spend = (await stores.events.spendSince(since)).filter((entry) => entry.orgId === orgId);
    expect(spend.sort((a, b) => a.costUsd - b.costUsd)).toEqual([
      { keyId: keyA, orgId, costUsd: 0.75 },
      { keyId: keyB, orgId, costUsd: 1.125 },
    ]);
  });

  it("creates, replaces, lists and deletes providers, bumping the version on every write", async () => {
    const name = unique("vllm").toLowerCase();
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    const version = async () => stores.control.controlVersion();
    const start = await version();
    const fields = {
      name,
      type: "openai-compatible",
      baseUrl: "http://10.0.0.5:8000/v1",
      models: ["llama-3.1-8b", "qwen"],
      orgId: null,
      sealedApiKey: "v1:iv:tag:first",
      source: "admin" as const,
    };
    const created = await stores.control.saveProvider({ ...fields, mode: "create" });
    expect(created).toEqual({
      outcome: "created",
      provider: { ...fields, createdAt: expect.any(Date), updatedAt: expect.any(Date) },
    });
    expect(await version()).toBe(start + 1);
    expect(await stores.control.getProvider(name)).toEqual(created.provider);
    expect(await stores.control.listProviders()).toContainEqual(created.provider);

    // A create on a taken name is refused and writes nothing.
    const other = { ...fields, type: "groq", sealedApiKey: "v1:iv:tag:other" };
    expect(await stores.control.saveProvider({ ...other, mode: "create" })).toEqual({
      outcome: "exists",
      provider: created.provider,
    });
    expect(await version()).toBe(start + 1);

    // An upsert replaces every field, keeping the creation time; nulls stay nulls.
    const replacement = {
      ...fields,
      type: "groq",
      baseUrl: null,
      models: null,
      orgId,
      sealedApiKey: null,
    };
    const replaced = await stores.control.saveProvider({ ...replacement, mode: "upsert" });
    expect(replaced).toEqual({
      outcome: "replaced",
      provider: { ...replacement, createdAt: created.provider.createdAt, updatedAt: expect.any(Date) },
    });
    expect(await version()).toBe(start + 2);
    expect(await stores.control.getProvider(name)).toEqual(replaced.provider);

    // An upsert of a new name creates.
    const fresh = unique("fresh").toLowerCase();
    expect(await stores.control.saveProvider({ ...fields, name: fresh, mode: "upsert" })).toMatchObject({
      outcome: "created",
      provider: { name: fresh },
    });
    expect(await version()).toBe(start + 3);

    expect(await stores.control.deleteProvider(name)).toBe(true);
    expect(await version()).toBe(start + 4);
    expect(await stores.control.getProvider(name)).toBeUndefined();
    expect(await stores.control.deleteProvider(name)).toBe(false);
    expect(await version()).toBe(start + 4);
    expect((await stores.control.listProviders()).map((provider) => provider.name)).not.toContain(name);
    await stores.control.deleteProvider(fresh);
  });

  it("lets exactly one of several concurrent creates of a provider win", async () => {
    const name = unique("race").toLowerCase();
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, (_, index) =>
        stores.control.saveProvider({
          name,
          type: "openai",
          baseUrl: null,
          models: null,
          orgId: null,
          sealedApiKey: `v1:iv:tag:${index}`,
          source: "admin",
          mode: "create",
        }),
      ),
    );
    expect(outcomes.filter((outcome) => outcome.outcome === "created")).toHaveLength(1);
    expect(outcomes.filter((outcome) => outcome.outcome === "exists")).toHaveLength(4);
    await stores.control.deleteProvider(name);
  });

  it("reseals every provider credential in one transaction, or none of them", async () => {
    const names = [unique("a").toLowerCase(), unique("b").toLowerCase(), unique("keyless").toLowerCase()];
    const [first, second, keyless] = names as [string, string, string];
    const save = (name: string, sealedApiKey: string | null) =>
      stores.control.saveProvider({
        name,
        type: "openai-compatible",
        baseUrl: "http://127.0.0.1:1/v1",
        models: null,
        orgId: null,
        sealedApiKey,
        source: "admin",
        mode: "create",
      });
    await save(first, "old:first");
    await save(second, "old:second");
    await save(keyless, null);
    const sealedOf = async (name: string) => (await stores.control.getProvider(name))?.sealedApiKey;

    // A reseal that fails part-way leaves every row as it was, and the version alone.
    const before = await stores.control.controlVersion();
    let calls = 0;
    await expect(
      stores.control.resealProviderKeys((sealed) => {
        calls++;
        if (sealed === "old:second") throw new Error("cannot unseal");
        return sealed.replace("old:", "new:");
      }),
    ).rejects.toThrow("cannot unseal");
    expect(calls).toBeGreaterThan(0);
    expect(await sealedOf(first)).toBe("old:first");
    expect(await sealedOf(second)).toBe("old:second");
    expect(await stores.control.controlVersion()).toBe(before);

    // Other tests' providers may share the database: reseal theirs unchanged in form.
    const count = await stores.control.resealProviderKeys((sealed) =>
      sealed.startsWith("old:") ? sealed.replace("old:", "new:") : sealed,
    );
    expect(count).toBeGreaterThanOrEqual(2);
    expect(await sealedOf(first)).toBe("new:first");
    expect(await sealedOf(second)).toBe("new:second");
    expect(await sealedOf(keyless)).toBeNull();
    expect(await stores.control.controlVersion()).toBe(before + 1);
    for (const name of names) await stores.control.deleteProvider(name);
  });

  it("keeps gateway instance markers: saved, updated in place, listed, removed once", async () => {
    const marker = {
      id: "gw_contract",
      host: "host-a",
      pid: 4242,
      startedAt: new Date(1_700_000_000_000),
      flushedAt: new Date(1_700_000_000_000),
      seenAt: new Date(1_700_000_000_000),
    };
    await stores.events.saveGatewayInstance(marker);
    const later = { ...marker, flushedAt: new Date(1_700_000_005_000), seenAt: new Date(1_700_000_006_000) };
    await stores.events.saveGatewayInstance(later);
    expect(await stores.events.listGatewayInstances()).toContainEqual(later);
    expect(await stores.events.removeGatewayInstance(marker.id)).toBe(true);
    expect(await stores.events.removeGatewayInstance(marker.id)).toBe(false);
    expect((await stores.events.listGatewayInstances()).map((entry) => entry.id)).not.toContain(marker.id);
  });

  it("lists, creates and renames orgs, bumping the version only on change", async () => {
    const id = unique("org");
    const before = await stores.control.controlVersion();
    const created = await stores.control.createOrg({ id, name: "Acme" });
    expect(created).toEqual({ id, name: "Acme", createdAt: expect.any(Date) });
    const afterCreate = await stores.control.controlVersion();
    expect(afterCreate).toBeGreaterThan(before);
    // A taken id is refused without a write, and keeps its name.
    expect(await stores.control.createOrg({ id, name: "Other" })).toBeUndefined();
    expect(await stores.control.controlVersion()).toBe(afterCreate);
    expect(await stores.control.getOrg(id)).toEqual(created);
    const listed = await stores.control.listOrgs();
    expect(listed).toContainEqual(created);
    expect(listed).toContainEqual(expect.objectContaining({ id: "default" }));

    const renamed = await stores.control.renameOrg(id, "Acme Ltd");
    expect(renamed).toEqual({ ...created, name: "Acme Ltd" });
    expect(await stores.control.getOrg(id)).toEqual(renamed);
    const afterRename = await stores.control.controlVersion();
    expect(afterRename).toBeGreaterThan(afterCreate);
    expect(await stores.control.renameOrg(id, "Acme Ltd")).toEqual(renamed);
    expect(await stores.control.controlVersion()).toBe(afterRename);
    expect(await stores.control.renameOrg(unique("missing"), "x")).toBeUndefined();
    expect(await stores.control.controlVersion()).toBe(afterRename);
  });

  it("creates projects once (ids are global) and gets them by id", async () => {
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    const id = unique("project");
    const before = await stores.control.controlVersion();
    const created = await stores.control.createProject({ id, orgId, name: "Web" });
    expect(created).toEqual({ id, orgId, name: "Web", createdAt: expect.any(Date) });
    expect(await stores.control.controlVersion()).toBeGreaterThan(before);
    expect(await stores.control.getProject(id)).toEqual(created);
    expect(await stores.control.getProject(unique("missing"))).toBeUndefined();
    const afterCreate = await stores.control.controlVersion();
    expect(await stores.control.createProject({ id, orgId: "default", name: "Taken" })).toBeUndefined();
    expect(await stores.control.controlVersion()).toBe(afterCreate);
    expect(await stores.control.listProjects(orgId)).toEqual([created]);
  });

  it("replaces an org's constraints whole, null clearing, bumping the version only on change", async () => {
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    expect(await stores.control.getConstraints(orgId)).toBeUndefined();
    const values = {
      costLimitMonthlyUsd: 250.25,
      tokenWindowSeconds: 3600,
      maxTokensPerWindow: 1_000_000,
      maxRequestsPerMinute: 120,
    };
    const before = await stores.control.controlVersion();
    const saved = await stores.control.putConstraints(orgId, values);
    expect(saved).toEqual({ orgId, ...values, updatedAt: expect.any(Date) });
    expect(await stores.control.getConstraints(orgId)).toEqual(saved);
    const afterPut = await stores.control.controlVersion();
    expect(afterPut).toBeGreaterThan(before);

    // The same values again change nothing: not the version, not the time.
    expect(await stores.control.putConstraints(orgId, { ...values })).toEqual(saved);
    expect(await stores.control.controlVersion()).toBe(afterPut);

    const partial = await stores.control.putConstraints(orgId, {
      ...values,
      tokenWindowSeconds: null,
      maxTokensPerWindow: null,
    });
    expect(partial).toMatchObject({ orgId, ...values, tokenWindowSeconds: null, maxTokensPerWindow: null });
    expect(await stores.control.controlVersion()).toBeGreaterThan(afterPut);
    expect(await stores.control.listConstraints()).toContainEqual(partial);

    const cleared = await stores.control.putConstraints(orgId, {
      costLimitMonthlyUsd: null,
      tokenWindowSeconds: null,
      maxTokensPerWindow: null,
      maxRequestsPerMinute: null,
    });
    expect(cleared).toEqual({
      orgId,
      costLimitMonthlyUsd: null,
      tokenWindowSeconds: null,
      maxTokensPerWindow: null,
      maxRequestsPerMinute: null,
      updatedAt: expect.any(Date),
    });
    expect(await stores.control.getConstraints(orgId)).toEqual(cleared);
    // Another org's constraints are its own.
    expect(await stores.control.getConstraints("default")).not.toMatchObject({ orgId });
  });

  it("appends audit entries and lists them newest first, by resource, page by page", async () => {
    const resource = unique("resource");
    const version = await stores.control.controlVersion();
    const at = new Date("2032-01-01T00:00:00.000Z");
    const entry = (index: number, createdAt: Date) => ({
      actorKeyId: index === 0 ? null : `key_${index}`,
      action: `${resource}.update`,
      resource,
      resourceId: `thing_${index}`,
      beforeHash: index === 0 ? null : "a".repeat(64),
      afterHash: index === 3 ? null : "b".repeat(64),
      detail: { index, request_id: `req_${index}`, nested: { fields: ["name", "rpm"] } },
      createdAt,
    });
    const appended = [];
    // Three in the same millisecond: they list in the order they were appended.
    appended.push(await stores.control.appendAudit(entry(0, new Date(at.getTime() - 1_000))));
    for (const index of [1, 2, 3]) appended.push(await stores.control.appendAudit(entry(index, at)));
    expect(appended[1]).toEqual({ ...entry(1, at), id: expect.stringMatching(/^aud_/) });
    expect(new Set(appended.map((item) => item.id)).size).toBe(4);
    // The log is no control change: instances need not reload for it.
    expect(await stores.control.controlVersion()).toBe(version);

    const newestFirst = [...appended].reverse();
    expect(await stores.control.listAudit({ limit: 10, resource })).toEqual(newestFirst);
    const first = await stores.control.listAudit({ limit: 2, resource });
    expect(first).toEqual(newestFirst.slice(0, 2));
    const last = first.at(-1);
    if (!last) throw new Error("no page");
    const second = await stores.control.listAudit({
      limit: 10,
      resource,
      after: { createdAt: last.createdAt, id: last.id },
    });
    expect(second).toEqual(newestFirst.slice(2));
    expect(await stores.control.listAudit({ limit: 10, resource: unique("resource") })).toEqual([]);
    // Unfiltered, these (dated 2032) are among the newest of all.
    const all = await stores.control.listAudit({ limit: 500 });
    expect(all.map((item) => item.id)).toEqual(expect.arrayContaining(appended.map((item) => item.id)));
    const { createdAt: _given, ...unstamped } = entry(4, at);
    const stampedAfter = Date.now();
    const stamped = await stores.control.appendAudit(unstamped);
    expect(stamped.createdAt.getTime()).toBeGreaterThanOrEqual(stampedAfter);
    expect(stamped.createdAt.getTime()).toBeLessThanOrEqual(Date.now());
    await expect(stores.control.listAudit({ limit: -1 })).rejects.toThrow(RangeError);
  });

  it("creates, replaces, lists and deletes plans, bumping the version only on change", async () => {
    const id = unique("plan");
    const version = async () => stores.control.controlVersion();
    const start = await version();
    const created = await stores.control.savePlan({
      id,
      name: "Free",
      features: ["experiments", "prompts"],
      mode: "create",
    });
    expect(created).toEqual({
      outcome: "created",
      plan: {
        id,
        name: "Free",
        features: ["experiments", "prompts"],
        createdAt: expect.any(Date),
        updatedAt: expect.any(Date),
      },
    });
    expect(await version()).toBe(start + 1);
    expect(await stores.control.getPlan(id)).toEqual(created.plan);
    expect(await stores.control.listPlans()).toContainEqual(created.plan);
    expect(await stores.control.getPlan(unique("missing"))).toBeUndefined();

    // A create on a taken id writes nothing; an identical upsert neither.
    expect(await stores.control.savePlan({ id, name: "Other", features: "*", mode: "create" })).toEqual({
      outcome: "exists",
      plan: created.plan,
    });
    expect(
      await stores.control.savePlan({
        id,
        name: "Free",
        features: ["experiments", "prompts"],
        mode: "upsert",
      }),
    ).toEqual({ outcome: "unchanged", plan: created.plan });
    expect(await version()).toBe(start + 1);

    // "*" and the empty list are kept as given; a replace keeps the creation time.
    const everything = await stores.control.savePlan({ id, name: "Pro", features: "*", mode: "upsert" });
    expect(everything).toMatchObject({ outcome: "replaced", plan: { id, name: "Pro", features: "*" } });
    expect(everything.plan.createdAt).toEqual(created.plan.createdAt);
    expect(await stores.control.getPlan(id)).toEqual(everything.plan);
    expect(await version()).toBe(start + 2);
    const nothing = await stores.control.savePlan({ id, name: "Pro", features: [], mode: "upsert" });
    expect(nothing).toMatchObject({ outcome: "replaced", plan: { features: [] } });
    expect(await stores.control.getPlan(id)).toMatchObject({ features: [] });
    expect(await version()).toBe(start + 3);

    expect(await stores.control.deletePlan(id)).toEqual({ outcome: "deleted" });
    expect(await stores.control.getPlan(id)).toBeUndefined();
    expect(await version()).toBe(start + 4);
    expect(await stores.control.deletePlan(id)).toEqual({ outcome: "not_found" });
    expect(await version()).toBe(start + 4);
  });

  it("puts orgs on plans with an expiry, and refuses to delete a plan an org is on", async () => {
    const orgId = unique("org");
    await stores.control.ensureOrg({ id: orgId, name: orgId });
    const planId = unique("plan");
    await stores.control.savePlan({
      id: planId,
      name: "Team",
      features: ["routing_explain"],
      mode: "create",
    });
    const version = async () => stores.control.controlVersion();

    // A new org is on the default plan, without expiry, and not listed among the orgs with a plan.
    expect(await stores.control.getOrgPlan(orgId)).toEqual({
      orgId,
      planId: null,
      subscriptionExpiresAt: null,
    });
    expect((await stores.control.listOrgPlans()).map((entry) => entry.orgId)).not.toContain(orgId);
    expect(await stores.control.getOrgPlan(unique("missing"))).toBeUndefined();

    const start = await version();
    const expiresAt = new Date("2030-04-05T06:07:08.009Z");
    const set = await stores.control.setOrgPlan(orgId, { planId, subscriptionExpiresAt: expiresAt });
    const onTeam = { orgId, planId, subscriptionExpiresAt: expiresAt };
    expect(set).toEqual({ outcome: "set", orgPlan: onTeam });
    expect(await stores.control.getOrgPlan(orgId)).toEqual(onTeam);
    expect(await stores.control.listOrgPlans()).toContainEqual(onTeam);
    expect(await version()).toBe(start + 1);
    // The org itself reads as before.
    expect(await stores.control.getOrg(orgId)).toEqual({
      id: orgId,
      name: orgId,
      createdAt: expect.any(Date),
    });

    // The same again, or the plan alone (the expiry left out stays), changes nothing.
    expect(await stores.control.setOrgPlan(orgId, { planId, subscriptionExpiresAt: expiresAt })).toEqual({
      outcome: "unchanged",
      orgPlan: onTeam,
    });
    expect(await stores.control.setOrgPlan(orgId, { planId })).toEqual({
      outcome: "unchanged",
      orgPlan: onTeam,
    });
    expect(await version()).toBe(start + 1);

    // Unknown orgs and plans are refused without a write.
    expect(await stores.control.setOrgPlan(unique("missing"), { planId: null })).toEqual({
      outcome: "org_not_found",
    });
    expect(await stores.control.setOrgPlan(orgId, { planId: unique("missing") })).toEqual({
      outcome: "plan_not_found",
    });
    expect(await stores.control.getOrgPlan(orgId)).toEqual(onTeam);
    expect(await version()).toBe(start + 1);

    // While the org is on it, the plan stays.
    expect(await stores.control.deletePlan(planId)).toEqual({ outcome: "in_use", orgIds: [orgId] });
    expect(await stores.control.getPlan(planId)).toMatchObject({ id: planId });
    expect(await version()).toBe(start + 1);

    // Back to the default plan, expiry kept; then the expiry cleared: the org is unlisted again.
    expect(await stores.control.setOrgPlan(orgId, { planId: null })).toEqual({
      outcome: "set",
      orgPlan: { orgId, planId: null, subscriptionExpiresAt: expiresAt },
    });
    expect(await stores.control.listOrgPlans()).toContainEqual({
      orgId,
      planId: null,
      subscriptionExpiresAt: expiresAt,
    });
    expect(await stores.control.setOrgPlan(orgId, { planId: null, subscriptionExpiresAt: null })).toEqual({
      outcome: "set",
      orgPlan: { orgId, planId: null, subscriptionExpiresAt: null },
    });
    expect((await stores.control.listOrgPlans()).map((entry) => entry.orgId)).not.toContain(orgId);
    expect(await version()).toBe(start + 3);
    expect(await stores.control.deletePlan(planId)).toEqual({ outcome: "deleted" });
  });

  it("lets a plan's delete and a move onto it take turns: never an org on a deleted plan", async () => {
    for (let round = 0; round < 10; round += 1) {
      const orgId = unique("org");
      await stores.control.ensureOrg({ id: orgId, name: orgId });
      const planId = unique("plan");
      await stores.control.savePlan({ id: planId, name: "Team", features: "*", mode: "create" });
      const [deleted, moved] = await Promise.all([
        stores.control.deletePlan(planId),
        stores.control.setOrgPlan(orgId, { planId }),
      ]);
      const plan = await stores.control.getPlan(planId);
      const orgPlan = await stores.control.getOrgPlan(orgId);
      if (deleted.outcome === "deleted") {
        expect(moved).toEqual({ outcome: "plan_not_found" });
        expect(plan).toBeUndefined();
        expect(orgPlan?.planId).toBeNull();
      } else {
        expect(deleted).toEqual({ outcome: "in_use", orgIds: [orgId] });
        expect(moved).toMatchObject({ outcome: "set" });
        expect(plan).toMatchObject({ id: planId });
        expect(orgPlan?.planId).toBe(planId);
      }
    }
  });

  it("answers ping", async () => {
    await expect(stores.ping()).resolves.toBeUndefined();
  });

  it("rejects, rather than hangs, once its database is gone", async () => {
    const closed = await open();
    await closed.close();
    await closed.close();
    await expectPromptRejection(closed.ping());
    await expectPromptRejection(closed.control.controlVersion());
    await expectPromptRejection(closed.control.listApiKeys());
    await expectPromptRejection(closed.control.insertApiKey(newKey()));
    await expectPromptRejection(closed.events.insertRequestLogs([newLog()]));
    await expectPromptRejection(closed.events.listRequestLogs({ limit: 1 }));
  });
}

async function expectPromptRejection(promise: Promise<unknown>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<"hung">((resolve) => {
    timer = setTimeout(() => resolve("hung"), 5_000);
  });
  const outcome = await Promise.race([
    promise.then(
      () => "resolved" as const,
      () => "rejected" as const,
    ),
    timeout,
  ]);
  clearTimeout(timer);
  expect(outcome).toBe("rejected");
}

function unique(prefix: string): string {
  return `${prefix}_${randomUUID()}`;
}

function newHash(): string {
  return `sha256:${randomUUID().replaceAll("-", "")}${randomUUID().replaceAll("-", "")}`;
}

function newKey(overrides: Partial<NewApiKey> = {}): NewApiKey & { createdAt: Date } {
  return {
    id: unique("key"),
    orgId: "default",
    projectId: null,
    name: "test key",
    hash: newHash(),
    displayPrefix: "fp_abcd",
    source: "cli",
    scope: "gateway",
    routingRule: null,
    rpm: null,
    tpm: null,
    monthlyBudgetUsd: null,
    expiresAt: null,
    createdAt: new Date("2025-02-03T04:05:06.789Z"),
    ...overrides,
  };
}

function newLog(overrides: Partial<RequestLogRecord> = {}): RequestLogRecord {
  return {
    id: unique("req"),
    createdAt: new Date("2025-06-01T12:00:00.000Z"),
    operation: "generate",
    ingressProtocol: "openai-chat",
    orgId: null,
    keyId: null,
    projectId: null,
    userId: null,
    sessionId: null,
    sessionName: null,
    sessionPath: null,
    properties: {},
    requestedModel: null,
    provider: null,
    model: null,
    stream: false,
    status: 200,
    errorCode: null,
    errorMessage: null,
    ttftMs: null,
    latencyMs: 1.5,
    usage: null,
    usageSource: null,
    costUsd: null,
    cacheStatus: null,
    costSavedUsd: null,
    fallbackUsed: false,
    attempts: [],
    routingRule: null,
    decision: null,
    experiment: null,
    turn: null,
    ...overrides,
  };
}
