/**
 * 0002: every routed request's decision beside its log record — the rule it was routed by (a
 * column, to filter on) and the whole decision (JSON: strategy, candidates with scores and skip
 * reasons).
 */
import type { Kysely, Migration } from "kysely";

export const routingDecisionsMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("request_logs").addColumn("routing_rule", "text").execute();
    await db.schema.alterTable("request_logs").addColumn("decision", "text").execute();
  },

  async down(db: Kysely<unknown>): Promise<void> {
    await db.schema.alterTable("request_logs").dropColumn("decision").execute();
    await db.schema.alterTable("request_logs").dropColumn("routing_rule").execute();
  },
};
