/**
 * Sessions and feedback over Kysely (events store), for SQLite and PostgreSQL alike. A turn is
 * written with its request log (sql-event-store.ts); this reads them back. Feedback is one row per
 * subject (`request:<id>` or `session:<id>`) and org, kept unique by an index, so two instances
 * answering the same repeat agree on which was first.
 */
import { type Kysely, type Selectable, sql } from "kysely";
import type { ChatMessage, FeedbackRecord, SessionStore, SessionTurn } from "../types.js";
import { newObjectId } from "./object-ids.js";
import type { Database, FeedbackTable, SessionTurnsTable } from "./schema.js";
import { fromEpochMs, fromFlag, toEpochMs, toFlag } from "./sql-values.js";

export class SqlSessionStore implements SessionStore {
  constructor(private readonly db: Kysely<Database>) {}

  async listSessionTurns(orgId: string, sessionId: string, limit: number): Promise<SessionTurn[]> {
    const rows = await this.db
      .selectFrom("session_turns")
      .selectAll()
      .where("org_id", "=", orgId)
      .where("session_id", "=", sessionId)
      .orderBy("created_at", "asc")
      .orderBy("request_id", "asc")
      .limit(limit)
      .execute();
    return rows.map(toSessionTurn);
  }

  async latestSessionOfKey(orgId: string, keyId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom("session_turns")
      .select("session_id")
      .where("org_id", "=", orgId)
      .where("key_id", "=", keyId)
      .orderBy("created_at", "desc")
      .orderBy("request_id", "desc")
      .limit(1)
      .executeTakeFirst();
    return row?.session_id;
  }

  async insertFeedback(given: Omit<FeedbackRecord, "id">): Promise<FeedbackRecord | undefined> {
    const feedback: FeedbackRecord = { ...given, id: newObjectId("fb") };
    const subject =
      feedback.requestId !== null ? `request:${feedback.requestId}` : `session:${feedback.sessionId ?? ""}`;
    const inserted = await this.db
      .insertInto("feedback")
      .values({
        id: feedback.id,
        org_id: feedback.orgId,
        subject,
        request_id: feedback.requestId,
        session_id: feedback.sessionId,
        key_id: feedback.keyId,
        score: feedback.score,
        useful: feedback.useful === null ? null : toFlag(feedback.useful),
        comment: feedback.comment,
        targets: JSON.stringify(feedback.targets),
        created_at: toEpochMs(feedback.createdAt),
      })
      .onConflict((conflict) => conflict.columns(["org_id", "subject"]).doNothing())
      .returning("id")
      .executeTakeFirst();
    return inserted === undefined ? undefined : feedback;
  }

  async listFeedbackAfter(after: { createdAt: Date; id: string }, limit: number): Promise<FeedbackRecord[]> {
    const ms = toEpochMs(after.createdAt);
    const rows = await this.db
      .selectFrom("feedback")
      .selectAll()
      .where(sql<boolean>`((created_at, id) > (${ms}, ${after.id}))`)
      .orderBy("created_at", "asc")
      .orderBy("id", "asc")
      .limit(limit)
      .execute();
    return rows.map(toFeedback);
  }
}

function toFeedback(row: Selectable<FeedbackTable>): FeedbackRecord {
  const targets: unknown = JSON.parse(row.targets);
  return {
    id: row.id,
    orgId: row.org_id,
    requestId: row.request_id,
    sessionId: row.session_id,
    keyId: row.key_id,
    score: row.score,
    useful: row.useful === null ? null : fromFlag(row.useful),
    comment: row.comment,
    targets: Array.isArray(targets)
      ? targets.filter((entry): entry is string => typeof entry === "string")
      : [],
    createdAt: fromEpochMs(row.created_at),
  };
}

function toSessionTurn(row: Selectable<SessionTurnsTable>): SessionTurn {
  return {
    requestId: row.request_id,
    orgId: row.org_id,
    keyId: row.key_id,
    sessionId: row.session_id,
    createdAt: fromEpochMs(row.created_at),
    provider: row.provider,
    model: row.model,
    messages: row.messages === null ? null : (JSON.parse(row.messages) as ChatMessage[]),
  };
}
