/**
 * The prompt library over Kysely (control store). A prompt's versions are immutable rows; adding
 * one takes the next number in the same transaction that moves the prompt's `latest_version`, so
 * two writers never hand out the same number (the primary key refuses the loser, which retries).
 * Every write bumps the control version: each instance's snapshot holds the library, so the
 * prompt stage never reads the database.
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import type {
  ChatMessage,
  NewPromptVersion,
  PromptRecord,
  PromptStore,
  PromptVersionRecord,
} from "../types.js";
import { newestFirst } from "./newest-first.js";
import { newObjectId } from "./object-ids.js";
import type { Database, PromptsTable, PromptVersionsTable } from "./schema.js";
import { bumpVersion } from "./sql-control-store.js";
import { fromEpochMs } from "./sql-values.js";

export class SqlPromptStore implements PromptStore {
  constructor(private readonly db: Kysely<Database>) {}

  async createPrompt(
    prompt: { orgId: string; name: string; description: string | null },
    first: NewPromptVersion,
  ): Promise<{ prompt: PromptRecord; version: PromptVersionRecord } | undefined> {
    const now = Date.now();
    const id = newObjectId("prm");
    return this.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto("prompts")
        .values({
          id,
          org_id: prompt.orgId,
          name: prompt.name,
          description: prompt.description,
          latest_version: 1,
          created_at: now,
          updated_at: now,
        })
        .onConflict((conflict) => conflict.columns(["org_id", "name"]).doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted === undefined) return undefined;
      const version = await insertVersion(transaction, id, 1, first, now);
      await bumpVersion(transaction);
      return { prompt: toPrompt(inserted), version };
    });
  }

  async addPromptVersion(
    orgId: string,
    promptId: string,
    version: NewPromptVersion,
  ): Promise<PromptVersionRecord | undefined> {
    const now = Date.now();
    return this.db.transaction().execute(async (transaction) => {
      // The update takes the row's lock (PostgreSQL) or the database's (SQLite): the number is ours.
      const moved = await transaction
        .updateTable("prompts")
        .set((eb) => ({ latest_version: eb("latest_version", "+", 1), updated_at: now }))
        .where("id", "=", promptId)
        .where("org_id", "=", orgId)
        .returning("latest_version")
        .executeTakeFirst();
      if (moved === undefined) return undefined;
      const record = await insertVersion(transaction, promptId, Number(moved.latest_version), version, now);
      await bumpVersion(transaction);
      return record;
    });
  }

  async getPrompt(orgId: string, promptId: string): Promise<PromptRecord | undefined> {
    const row = await this.db
      .selectFrom("prompts")
      .selectAll()
      .where("id", "=", promptId)
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toPrompt(row);
  }

  async findPrompt(promptId: string): Promise<PromptRecord | undefined> {
    const row = await this.db.selectFrom("prompts").selectAll().where("id", "=", promptId).executeTakeFirst();
    return row === undefined ? undefined : toPrompt(row);
  }

  async listPrompts(
    orgId: string,
    limit: number,
    after?: { createdAt: Date; id: string },
  ): Promise<PromptRecord[]> {
    const rows = await this.db
      .selectFrom("prompts")
      .selectAll()
      .where("org_id", "=", orgId)
      .$call(newestFirst(after, limit))
      .execute();
    return rows.map(toPrompt);
  }

  async getPromptVersion(promptId: string, version: number): Promise<PromptVersionRecord | undefined> {
    const row = await this.db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("prompt_id", "=", promptId)
      .where("version", "=", version)
      .executeTakeFirst();
    return row === undefined ? undefined : toPromptVersion(row);
  }

  async listPromptVersions(
    promptId: string,
    limit: number,
    afterVersion = 0,
  ): Promise<PromptVersionRecord[]> {
    const rows = await this.db
      .selectFrom("prompt_versions")
      .selectAll()
      .where("prompt_id", "=", promptId)
      .where("version", ">", afterVersion)
      .orderBy("version", "asc")
      .limit(limit)
      .execute();
    return rows.map(toPromptVersion);
  }

  async loadPromptLibrary(): Promise<{ prompts: PromptRecord[]; versions: PromptVersionRecord[] }> {
    const [prompts, versions] = await Promise.all([
      this.db.selectFrom("prompts").selectAll().execute(),
      this.db.selectFrom("prompt_versions").selectAll().execute(),
    ]);
    return { prompts: prompts.map(toPrompt), versions: versions.map(toPromptVersion) };
  }
}

async function insertVersion(
  transaction: Transaction<Database>,
  promptId: string,
  version: number,
  content: NewPromptVersion,
  now: number,
): Promise<PromptVersionRecord> {
  const row = await transaction
    .insertInto("prompt_versions")
    .values({
      prompt_id: promptId,
      version,
      messages: JSON.stringify(content.messages),
      model: content.model,
      defaults: JSON.stringify(content.defaults),
      created_at: now,
    })
    .returningAll()
    .executeTakeFirstOrThrow();
  return toPromptVersion(row);
}

function toPrompt(row: Selectable<PromptsTable>): PromptRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    name: row.name,
    description: row.description,
    latestVersion: Number(row.latest_version),
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

function toPromptVersion(row: Selectable<PromptVersionsTable>): PromptVersionRecord {
  return {
    promptId: row.prompt_id,
    version: Number(row.version),
    messages: JSON.parse(row.messages) as ChatMessage[],
    model: row.model,
    defaults: JSON.parse(row.defaults) as Record<string, string>,
    createdAt: fromEpochMs(row.created_at),
  };
}
