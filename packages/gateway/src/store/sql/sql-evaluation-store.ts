/**
 * Datasets and evaluation runs over Kysely, for SQLite and PostgreSQL alike. A dataset and its
 * items are written in one transaction (in statements under the bound-parameter limit). A run's
 * ownership moves only by conditional updates, so two instances racing to resume a stale run
 * never both take it; results are unique per run and item position, so a resumed run that
 * retries an item it had finished writes nothing twice.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type {
  DatasetItem,
  DatasetItemInput,
  DatasetRecord,
  EvaluationResultRecord,
  EvaluationRunRecord,
  EvaluationStatus,
  EvaluationStore,
  EvaluationTotals,
} from "../types.js";
import { newestFirst } from "./newest-first.js";
import { newObjectId } from "./object-ids.js";
import type { Database, DatasetsTable, EvaluationResultsTable, EvaluationRunsTable } from "./schema.js";
import {
  chunks,
  fromEpochMs,
  fromEpochMsOrNull,
  fromFlag,
  toEpochMs,
  toEpochMsOrNull,
  toFlag,
} from "./sql-values.js";

const ITEMS_PER_STATEMENT = 500;

export class SqlEvaluationStore implements EvaluationStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createDataset(
    dataset: { orgId: string; name: string },
    items: ReadonlyArray<{ input: DatasetItemInput; expected: unknown }>,
  ): Promise<DatasetRecord> {
    const id = newObjectId("ds");
    const now = Date.now();
    const rows = items.map((item, position) => ({
      dataset_id: id,
      position,
      id: `${id}_${position}`,
      input: JSON.stringify(item.input),
      expected: item.expected === undefined ? null : JSON.stringify(item.expected),
    }));
    return this.db.transaction().execute(async (transaction) => {
      const row = await transaction
        .insertInto("datasets")
        .values({ id, org_id: dataset.orgId, name: dataset.name, item_count: items.length, created_at: now })
        .returningAll()
        .executeTakeFirstOrThrow();
      for (const batch of chunks(rows, ITEMS_PER_STATEMENT)) {
        await transaction.insertInto("dataset_items").values(batch).execute();
      }
      return toDataset(row);
    });
  }

  async getDataset(orgId: string, id: string): Promise<DatasetRecord | undefined> {
    const row = await this.db
      .selectFrom("datasets")
      .selectAll()
      .where("id", "=", id)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toDataset(row);
  }

  async listDatasets(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<DatasetRecord[]> {
    const rows = await this.db
      .selectFrom("datasets")
      .selectAll()
      .where("org_id", "=", orgId)
      .$call(newestFirst(after, limit))
      .execute();
    return rows.map(toDataset);
  }

  async listDatasetItems(datasetId: string, limit: number, afterPosition = -1): Promise<DatasetItem[]> {
    const rows = await this.db
      .selectFrom("dataset_items")
      .selectAll()
      .where("dataset_id", "=", datasetId)
      .where("position", ">", afterPosition)
      .orderBy("position", "asc")
      .limit(limit)
      .execute();
    return rows.map((row) => ({
      id: row.id,
      position: Number(row.position),
      input: JSON.parse(row.input) as DatasetItemInput,
      expected: row.expected === null ? null : (JSON.parse(row.expected) as unknown),
    }));
  }

  async createRun(
    run: Pick<EvaluationRunRecord, "orgId" | "keyId" | "datasetId" | "model" | "promptId" | "config">,
  ): Promise<EvaluationRunRecord> {
    const row = await this.db
      .insertInto("evaluation_runs")
      .values({
        id: newObjectId("run"),
        org_id: run.orgId,
        key_id: run.keyId,
        dataset_id: run.datasetId,
        model: run.model,
        prompt_id: run.promptId,
        status: "pending",
        config: JSON.stringify(run.config),
        summary: null,
        error: null,
        owner: null,
        // Stale from the start: whichever instance looks first may take it.
        heartbeat_at: 0,
        claims: 0,
        created_at: Date.now(),
        started_at: null,
        finished_at: null,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toRun(row);
  }

  async getRun(orgId: string, id: string): Promise<EvaluationRunRecord | undefined> {
    const row = await this.db
      .selectFrom("evaluation_runs")
      .selectAll()
      .where("id", "=", id)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  async listRuns(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<EvaluationRunRecord[]> {
    const rows = await this.db
      .selectFrom("evaluation_runs")
      .selectAll()
      .where("org_id", "=", orgId)
      .$call(newestFirst(after, limit))
      .execute();
    return rows.map(toRun);
  }

  async claimStaleRuns(owner: string, staleBefore: Date, now: Date): Promise<EvaluationRunRecord[]> {
    const stale = await this.db
      .selectFrom("evaluation_runs")
      .select(["id", "heartbeat_at"])
      .where("status", "in", ["pending", "running"])
      .where("heartbeat_at", "<", toEpochMs(staleBefore))
      .orderBy("created_at", "asc")
      .limit(20)
      .execute();
    const claimed: EvaluationRunRecord[] = [];
    for (const candidate of stale) {
      const row = await this.db
        .updateTable("evaluation_runs")
        .set((eb) => ({ owner, heartbeat_at: toEpochMs(now), claims: eb("claims", "+", 1) }))
        .where("id", "=", candidate.id)
        // Only if nobody took it since it was read.
        .where("heartbeat_at", "=", candidate.heartbeat_at)
        .where("status", "in", ["pending", "running"])
        .returningAll()
        .executeTakeFirst();
      if (row !== undefined) claimed.push(toRun(row));
    }
    return claimed;
  }

  async releaseRun(id: string, owner: string): Promise<void> {
    await this.db
      .updateTable("evaluation_runs")
      .set((eb) => ({ owner: null, heartbeat_at: 0, claims: eb("claims", "-", 1) }))
      .where("id", "=", id)
      .where("owner", "=", owner)
      .where("status", "in", ["pending", "running"])
      .execute();
  }

  async heartbeat(owner: string, ids: readonly string[], now: Date): Promise<string[]> {
    if (ids.length === 0) return [];
    const rows = await this.db
      .updateTable("evaluation_runs")
      .set({ heartbeat_at: toEpochMs(now) })
      .where("owner", "=", owner)
      .where("id", "in", [...ids])
      .where("status", "in", ["pending", "running"])
      .returning("id")
      .execute();
    return rows.map((row) => row.id);
  }

  async updateRun(
    id: string,
    from: readonly EvaluationStatus[],
    change: Partial<
      Pick<EvaluationRunRecord, "status" | "summary" | "error" | "owner" | "startedAt" | "finishedAt">
    > & {
      heartbeatAt?: Date;
    },
  ): Promise<EvaluationRunRecord | undefined> {
    const row = await this.db
      .updateTable("evaluation_runs")
      .set({
        ...(change.status === undefined ? {} : { status: change.status }),
        ...(change.summary === undefined
          ? {}
          : { summary: change.summary === null ? null : JSON.stringify(change.summary) }),
        ...(change.error === undefined ? {} : { error: change.error }),
        ...(change.owner === undefined ? {} : { owner: change.owner }),
        ...(change.startedAt === undefined ? {} : { started_at: toEpochMsOrNull(change.startedAt) }),
        ...(change.finishedAt === undefined ? {} : { finished_at: toEpochMsOrNull(change.finishedAt) }),
        ...(change.heartbeatAt === undefined ? {} : { heartbeat_at: toEpochMs(change.heartbeatAt) }),
      })
      .where("id", "=", id)
      .where("status", "in", [...from])
      .returningAll()
      .executeTakeFirst();
    return row === undefined ? undefined : toRun(row);
  }

  async insertResult(result: Omit<EvaluationResultRecord, "id">): Promise<boolean> {
    const row = await this.db
      .insertInto("evaluation_results")
      .values({
        id: newObjectId("res"),
        run_id: result.runId,
        position: result.position,
        input_id: result.inputId,
        output: result.output,
        score: result.score,
        cost_usd: result.costUsd,
        failed: toFlag(result.failed),
        metadata: JSON.stringify(result.metadata),
        created_at: toEpochMs(result.createdAt),
      })
      .onConflict((conflict) => conflict.columns(["run_id", "position"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    return row !== undefined;
  }

  async listResults(runId: string, limit: number, afterPosition = -1): Promise<EvaluationResultRecord[]> {
    const rows = await this.db
      .selectFrom("evaluation_results")
      .selectAll()
      .where("run_id", "=", runId)
      .where("position", ">", afterPosition)
      .orderBy("position", "asc")
      .limit(limit)
      .execute();
    return rows.map(toResult);
  }

  async resultPositions(runId: string): Promise<number[]> {
    const rows = await this.db
      .selectFrom("evaluation_results")
      .select("position")
      .where("run_id", "=", runId)
      .execute();
    return rows.map((row) => Number(row.position));
  }

  async totals(runId: string): Promise<EvaluationTotals> {
    const row = await this.db
      .selectFrom("evaluation_results")
      .select([
        sql<number>`count(*)`.as("items"),
        sql<number>`count(score)`.as("scored"),
        sql<number>`coalesce(sum(failed), 0)`.as("failed"),
        sql<number>`coalesce(sum(score), 0)`.as("score_sum"),
        sql<number>`coalesce(sum(cost_usd), 0)`.as("cost_usd"),
      ])
      .where("run_id", "=", runId)
      .executeTakeFirstOrThrow();
    return {
      items: Number(row.items),
      scored: Number(row.scored),
      failed: Number(row.failed),
      scoreSum: Number(row.score_sum),
      costUsd: Number(row.cost_usd),
    };
  }
}

function toDataset(row: Selectable<DatasetsTable>): DatasetRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    itemCount: Number(row.item_count),
    createdAt: fromEpochMs(row.created_at),
  };
}

function toRun(row: Selectable<EvaluationRunsTable>): EvaluationRunRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    keyId: row.key_id,
    datasetId: row.dataset_id,
    model: row.model,
    promptId: row.prompt_id,
    status: row.status as EvaluationStatus,
    config: JSON.parse(row.config) as Record<string, unknown>,
    summary: row.summary === null ? null : (JSON.parse(row.summary) as Record<string, unknown>),
    error: row.error,
    owner: row.owner,
    heartbeatAt: fromEpochMs(Number(row.heartbeat_at)),
    claims: Number(row.claims),
    createdAt: fromEpochMs(row.created_at),
    startedAt: fromEpochMsOrNull(row.started_at),
    finishedAt: fromEpochMsOrNull(row.finished_at),
  };
}

function toResult(row: Selectable<EvaluationResultsTable>): EvaluationResultRecord {
  return {
    id: row.id,
    runId: row.run_id,
    position: Number(row.position),
    inputId: row.input_id,
    output: row.output,
    score: row.score,
    costUsd: row.cost_usd,
    failed: fromFlag(row.failed),
    metadata: JSON.parse(row.metadata) as Record<string, unknown>,
    createdAt: fromEpochMs(row.created_at),
  };
}
