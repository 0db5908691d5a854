/**
 * Experiments over Kysely (control store). At most one active experiment per org and variant A
 * rule: traffic routed by that rule is split one way only. Creating and rolling back bump the
 * control version, so every instance's snapshot (which the route stage reads) changes within a
 * poll, and at once on the instance that made the change. Results are counted from the request
 * logs, which carry the experiment and variant of every request an experiment routed.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { ExperimentRecord, ExperimentStatus, ExperimentStore, VariantOutcomes } from "../types.js";
import { newestFirst } from "./newest-first.js";
import { newObjectId } from "./object-ids.js";
import type { Database, ExperimentsTable } from "./schema.js";
import { bumpVersion } from "./sql-control-store.js";
import { fromEpochMs, fromEpochMsOrNull, toEpochMs } from "./sql-values.js";

export class SqlExperimentStore implements ExperimentStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createExperiment(
    experiment: Omit<ExperimentRecord, "id" | "status" | "createdAt" | "updatedAt" | "endedAt">,
  ): Promise<ExperimentRecord | undefined> {
    const now = Date.now();
    return this.db.transaction().execute(async (transaction) => {
      const clash = await transaction
        .selectFrom("experiments")
        .select("id")
        .where("org_id", "=", experiment.orgId)
        .where("variant_a_rule", "=", experiment.variantARule)
        .where("status", "=", "active")
        .executeTakeFirst();
      if (clash !== undefined) return undefined;
      const row = await transaction
        .insertInto("experiments")
        .values({
          id: newObjectId("exp"),
          org_id: experiment.orgId,
          name: experiment.name,
          description: experiment.description,
          variant_a_rule: experiment.variantARule,
          variant_b_rule: experiment.variantBRule,
          split_percentage: experiment.splitPercentage,
          status: "active",
          created_at: now,
          updated_at: now,
          ended_at: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return toExperiment(row);
    });
  }

  async getExperiment(orgId: string, id: string): Promise<ExperimentRecord | undefined> {
    const row = await this.db
      .selectFrom("experiments")
      .selectAll()
      .where("id", "=", id)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toExperiment(row);
  }

  async findExperiment(id: string): Promise<ExperimentRecord | undefined> {
    const row = await this.db.selectFrom("experiments").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toExperiment(row);
  }

  async listExperiments(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<ExperimentRecord[]> {
    const rows = await this.db
      .selectFrom("experiments")
      .selectAll()
      .where("org_id", "=", orgId)
      .$call(newestFirst(after, limit))
      .execute();
    return rows.map(toExperiment);
  }

  async listActiveExperiments(): Promise<ExperimentRecord[]> {
    const rows = await this.db.selectFrom("experiments").selectAll().where("status", "=", "active").execute();
    return rows.map(toExperiment);
  }

  async rollBackExperiment(orgId: string, id: string, at: Date): Promise<ExperimentRecord | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const ended = await transaction
        .updateTable("experiments")
        .set({ status: "rolled_back", ended_at: toEpochMs(at), updated_at: toEpochMs(at) })
        .where("id", "=", id)
        .where("org_id", "=", orgId)
        .where("status", "=", "active")
        .returningAll()
        .executeTakeFirst();
      if (ended !== undefined) {
        await bumpVersion(transaction);
        return toExperiment(ended);
      }
      const row = await transaction
        .selectFrom("experiments")
        .selectAll()
        .where("id", "=", id)
        .where("org_id", "=", orgId)
        .executeTakeFirst();
      return row === undefined ? undefined : toExperiment(row);
    });
  }

  async experimentOutcomes(experimentId: string): Promise<VariantOutcomes[]> {
    const rows = await this.db
      .selectFrom("request_logs")
      .select([
        "experiment_variant",
        sql<number>`count(*)`.as("requests"),
        sql<number>`sum(case when status < 400 then 1 else 0 end)`.as("successes"),
        sql<number>`coalesce(sum(latency_ms), 0)`.as("latency_ms_sum"),
        sql<number>`coalesce(sum(cost_usd), 0)`.as("cost_usd_sum"),
      ])
      .where("experiment_id", "=", experimentId)
      .groupBy("experiment_variant")
      .execute();
    return rows.map((row) => ({
      variant: row.experiment_variant === "B" ? "B" : "A",
      requests: Number(row.requests),
      successes: Number(row.successes),
      latencyMsSum: Number(row.latency_ms_sum),
      costUsdSum: Number(row.cost_usd_sum),
    }));
  }
}

function toExperiment(row: Selectable<ExperimentsTable>): ExperimentRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    variantARule: row.variant_a_rule,
    variantBRule: row.variant_b_rule,
    splitPercentage: Number(row.split_percentage),
    status: row.status as ExperimentStatus,
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
    endedAt: fromEpochMsOrNull(row.ended_at),
  };
}
