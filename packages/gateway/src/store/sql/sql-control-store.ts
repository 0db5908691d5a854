/**
 * The control store over Kysely, one implementation for SQLite and PostgreSQL. Every write runs in
 * a transaction that also bumps `control_meta.version`, so an instance polling the version sees a
 * change exactly when there is one; writes that change nothing (ensuring an existing org, an
 * upsert with identical fields) leave the version alone, so restarts do not make every instance
 * rebuild its snapshot.
 */
import { randomBytes } from "node:crypto";
import type { Insertable, Kysely, Selectable, Transaction, Updateable } from "kysely";
import type {
  ApiKeyChanges,
  ApiKeyRecord,
  ApiKeyScope,
  ApiKeySource,
  AuditEntry,
  AuditQuery,
  ControlStore,
  DeletePlanResult,
  DeleteRoutingRuleResult,
  NewApiKey,
  NewAuditEntry,
  Org,
  OrgConstraints,
  OrgConstraintValues,
  OrgPlan,
  OrgPlanChange,
  PlanRecord,
  Project,
  ProviderRecord,
  RoutingRuleRecord,
  RoutingRuleSource,
  SavePlan,
  SavePlanResult,
  SaveProvider,
  SaveProviderResult,
  SaveRoutingRule,
  SaveRoutingRuleResult,
  SetOrgPlanResult,
} from "../types.js";
import { newestFirst } from "./newest-first.js";
import type {
  ApiKeysTable,
  AuditLogTable,
  Database,
  OrgConstraintsTable,
  OrgsTable,
  PlansTable,
  ProjectsTable,
  ProvidersTable,
  RoutingRulesTable,
} from "./schema.js";
import { fromEpochMs, fromEpochMsOrNull, toEpochMs, toEpochMsOrNull } from "./sql-values.js";

export class SqlControlStore implements ControlStore {
  constructor(private readonly db: Kysely<Database>) {}

  async controlVersion(): Promise<number> {
    const row = await this.db
      .selectFrom("control_meta")
      .select("version")
      .where("id", "=", 1)
      .executeTakeFirstOrThrow(() => new Error("control_meta has no version row; were migrations run?"));
    return Number(row.version);
  }

  async ensureOrg(org: { id: string; name: string }): Promise<Org> {
    return this.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto("orgs")
        .values({ id: org.id, name: org.name, created_at: Date.now() })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) {
        await bumpVersion(transaction);
        return toOrg(inserted);
      }
      const existing = await transaction
        .selectFrom("orgs")
        .selectAll()
        .where("id", "=", org.id)
        .executeTakeFirstOrThrow();
      return toOrg(existing);
    });
  }

  async getOrg(id: string): Promise<Org | undefined> {
    const row = await this.db.selectFrom("orgs").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toOrg(row);
  }

  async ensureProject(project: { id: string; orgId: string; name: string }): Promise<Project> {
    return this.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto("projects")
        .values({ id: project.id, org_id: project.orgId, name: project.name, created_at: Date.now() })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) {
        await bumpVersion(transaction);
        return toProject(inserted);
      }
      const existing = await transaction
        .selectFrom("projects")
        .selectAll()
        .where("id", "=", project.id)
        .executeTakeFirstOrThrow();
      // Project ids are global; quietly returning another org's project would let a key of this
      // org be locked to it.
      if (existing.org_id !== project.orgId) {
        throw new Error(`project "${project.id}" already exists in org "${existing.org_id}"`);
      }
      return toProject(existing);
    });
  }

  async listProjects(orgId?: string): Promise<Project[]> {
    const rows = await this.db
      .selectFrom("projects")
      .selectAll()
      .$if(orgId !== undefined, (query) => query.where("org_id", "=", orgId ?? ""))
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toProject);
  }

  async insertApiKey(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.db.transaction().execute(async (transaction) => {
      const row = await transaction
        .insertInto("api_keys")
        .values(toApiKeyRow(key))
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return toApiKey(row);
    });
  }

  async upsertApiKeyByHash(key: NewApiKey): Promise<ApiKeyRecord> {
    return this.db.transaction().execute(async (transaction) => {
      // On a hash match the existing row keeps its id, created_at and revoked_at (logs refer to
      // the id; a revoked key stays revoked); the other fields take the new values. The WHERE
      // makes an identical upsert update nothing and return no row, so the version stays put.
      const changed = await transaction
        .insertInto("api_keys")
        .values(toApiKeyRow(key))
        .onConflict((conflict) =>
          conflict
            .column("hash")
            .doUpdateSet((eb) => ({
              org_id: eb.ref("excluded.org_id"),
              project_id: eb.ref("excluded.project_id"),
              name: eb.ref("excluded.name"),
              display_prefix: eb.ref("excluded.display_prefix"),
              source: eb.ref("excluded.source"),
              scope: eb.ref("excluded.scope"),
              routing_rule: eb.ref("excluded.routing_rule"),
              rpm: eb.ref("excluded.rpm"),
              tpm: eb.ref("excluded.tpm"),
              monthly_budget_usd: eb.ref("excluded.monthly_budget_usd"),
              expires_at: eb.ref("excluded.expires_at"),
            }))
            .where((eb) =>
              eb.or([
                eb("api_keys.org_id", "is distinct from", eb.ref("excluded.org_id")),
                eb("api_keys.project_id", "is distinct from", eb.ref("excluded.project_id")),
                eb("api_keys.name", "is distinct from", eb.ref("excluded.name")),
                eb("api_keys.display_prefix", "is distinct from", eb.ref("excluded.display_prefix")),
                eb("api_keys.source", "is distinct from", eb.ref("excluded.source")),
                eb("api_keys.scope", "is distinct from", eb.ref("excluded.scope")),
                eb("api_keys.routing_rule", "is distinct from", eb.ref("excluded.routing_rule")),
                eb("api_keys.rpm", "is distinct from", eb.ref("excluded.rpm")),
                eb("api_keys.tpm", "is distinct from", eb.ref("excluded.tpm")),
                eb("api_keys.monthly_budget_usd", "is distinct from", eb.ref("excluded.monthly_budget_usd")),
                eb("api_keys.expires_at", "is distinct from", eb.ref("excluded.expires_at")),
              ]),
            ),
        )
        .returningAll()
        .executeTakeFirst();
      if (changed !== undefined) {
        await bumpVersion(transaction);
        return toApiKey(changed);
      }
      const existing = await transaction
        .selectFrom("api_keys")
        .selectAll()
        .where("hash", "=", key.hash)
        .executeTakeFirstOrThrow();
      return toApiKey(existing);
    });
  }

  async listApiKeys(): Promise<ApiKeyRecord[]> {
    const rows = await this.db
      .selectFrom("api_keys")
      .selectAll()
      .orderBy("created_at")
      .orderBy("id")
      .execute();
    return rows.map(toApiKey);
  }

  async getApiKey(id: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom("api_keys").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async findApiKeyByHash(hash: string): Promise<ApiKeyRecord | undefined> {
    const row = await this.db.selectFrom("api_keys").selectAll().where("hash", "=", hash).executeTakeFirst();
    return row === undefined ? undefined : toApiKey(row);
  }

  async updateApiKey(id: string, changes: ApiKeyChanges): Promise<ApiKeyRecord | undefined> {
    const set: Updateable<ApiKeysTable> = {};
    if (changes.name !== undefined) set.name = changes.name;
    if (changes.projectId !== undefined) set.project_id = changes.projectId;
    if (changes.routingRule !== undefined) set.routing_rule = changes.routingRule;
    if (changes.expiresAt !== undefined) set.expires_at = toEpochMsOrNull(changes.expiresAt);
    if (changes.rpm !== undefined) set.rpm = changes.rpm;
    if (changes.tpm !== undefined) set.tpm = changes.tpm;
    if (changes.monthlyBudgetUsd !== undefined) set.monthly_budget_usd = changes.monthlyBudgetUsd;
    return this.db.transaction().execute(async (transaction) => {
      const existing = await transaction
        .selectFrom("api_keys")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (existing === undefined) return undefined;
      const changed = (Object.keys(set) as Array<keyof typeof set>).some(
        (column) => existing[column] !== set[column],
      );
      if (!changed) return toApiKey(existing);
      const updated = await transaction
        .updateTable("api_keys")
        .set(set)
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return toApiKey(updated);
    });
  }

  async revokeApiKey(id: string, at: Date): Promise<boolean> {
    const revokedAt = toEpochMs(at);
    return this.db.transaction().execute(async (transaction) => {
      const result = await transaction
        .updateTable("api_keys")
        .set({ revoked_at: revokedAt })
        .where("id", "=", id)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      if (result.numUpdatedRows > 0n) {
        await bumpVersion(transaction);
        return true;
      }
      const existing = await transaction
        .selectFrom("api_keys")
        .select("id")
        .where("id", "=", id)
        .executeTakeFirst();
      return existing !== undefined;
    });
  }

  async countApiKeys(scope?: ApiKeyScope): Promise<number> {
    const row = await this.db
      .selectFrom("api_keys")
      .select((eb) => eb.fn.countAll<number | string>().as("count"))
      .$if(scope !== undefined, (query) => query.where("scope", "=", scope ?? ""))
      .executeTakeFirstOrThrow();
    return Number(row.count);
  }

  async listRoutingRules(): Promise<RoutingRuleRecord[]> {
    const rows = await this.db.selectFrom("routing_rules").selectAll().orderBy("name").execute();
    return rows.map(toRoutingRule);
  }

  async getRoutingRule(name: string): Promise<RoutingRuleRecord | undefined> {
    const row = await this.db
      .selectFrom("routing_rules")
      .selectAll()
      .where("name", "=", name)
      .executeTakeFirst();
    return row === undefined ? undefined : toRoutingRule(row);
  }

  async saveRoutingRule(rule: SaveRoutingRule): Promise<SaveRoutingRuleResult> {
    const definition = JSON.stringify(rule.definition);
    const now = Date.now();
    return this.db.transaction().execute(async (transaction) => {
      // Insert-or-nothing first: of two concurrent creates exactly one inserts (the primary key
      // decides), and the other sees the winner's row below.
      const inserted = await transaction
        .insertInto("routing_rules")
        .values({ name: rule.name, definition, source: rule.source, created_at: now, updated_at: now })
        .onConflict((conflict) => conflict.column("name").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) {
        await bumpVersion(transaction);
        return { outcome: "created", rule: toRoutingRule(inserted) };
      }
      const existing = await transaction
        .selectFrom("routing_rules")
        .selectAll()
        .where("name", "=", rule.name)
        .executeTakeFirstOrThrow();
      if (rule.mode === "create" || !rule.replaceable.includes(toRoutingRuleSource(existing.source))) {
        return { outcome: "exists", rule: toRoutingRule(existing) };
      }
      if (existing.definition === definition && existing.source === rule.source) {
        return { outcome: "unchanged", rule: toRoutingRule(existing) };
      }
      const replaced = await transaction
        .updateTable("routing_rules")
        .set({ definition, source: rule.source, updated_at: now })
        .where("name", "=", rule.name)
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return { outcome: "replaced", rule: toRoutingRule(replaced) };
    });
  }

  async deleteRoutingRule(
    name: string,
    sources: readonly RoutingRuleSource[],
  ): Promise<DeleteRoutingRuleResult> {
    return this.db.transaction().execute(async (transaction) => {
      const existing = await transaction
        .selectFrom("routing_rules")
        .select("source")
        .where("name", "=", name)
        .executeTakeFirst();
      if (existing === undefined) return { outcome: "not_found" };
      const source = toRoutingRuleSource(existing.source);
      if (!sources.includes(source)) return { outcome: "wrong_source", source };
      const users = await transaction
        .selectFrom("api_keys")
        .select("id")
        .where("routing_rule", "=", name)
        .where("revoked_at", "is", null)
        .orderBy("id")
        .execute();
      if (users.length > 0) return { outcome: "in_use", keyIds: users.map((row) => row.id) };
      // A key created between the check and the delete would name a missing rule; the route stage
      // treats that as "no default rule", the same as before the rule existed.
      await transaction.deleteFrom("routing_rules").where("name", "=", name).execute();
      await bumpVersion(transaction);
      return { outcome: "deleted" };
    });
  }

  async listOrgs(): Promise<Org[]> {
    const rows = await this.db.selectFrom("orgs").selectAll().orderBy("created_at").orderBy("id").execute();
    return rows.map(toOrg);
  }

  async createOrg(org: { id: string; name: string }): Promise<Org | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto("orgs")
        .values({ id: org.id, name: org.name, created_at: Date.now() })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted === undefined) return undefined;
      await bumpVersion(transaction);
      return toOrg(inserted);
    });
  }

  async renameOrg(id: string, name: string): Promise<Org | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const existing = await transaction
        .selectFrom("orgs")
        .selectAll()
        .where("id", "=", id)
        .executeTakeFirst();
      if (existing === undefined) return undefined;
      if (existing.name === name) return toOrg(existing);
      const renamed = await transaction
        .updateTable("orgs")
        .set({ name })
        .where("id", "=", id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return toOrg(renamed);
    });
  }

  async createProject(project: { id: string; orgId: string; name: string }): Promise<Project | undefined> {
    return this.db.transaction().execute(async (transaction) => {
      const inserted = await transaction
        .insertInto("projects")
        .values({ id: project.id, org_id: project.orgId, name: project.name, created_at: Date.now() })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted === undefined) return undefined;
      await bumpVersion(transaction);
      return toProject(inserted);
    });
  }

  async getProject(id: string): Promise<Project | undefined> {
    const row = await this.db.selectFrom("projects").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toProject(row);
  }

  async getConstraints(orgId: string): Promise<OrgConstraints | undefined> {
    const row = await this.db
      .selectFrom("org_constraints")
      .selectAll()
      .where("org_id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toConstraints(row);
  }

  async putConstraints(orgId: string, values: OrgConstraintValues): Promise<OrgConstraints> {
    const row: Insertable<OrgConstraintsTable> = {
      org_id: orgId,
      cost_limit_monthly_usd: values.costLimitMonthlyUsd,
      token_window_seconds: values.tokenWindowSeconds,
      max_tokens_per_window: values.maxTokensPerWindow,
      max_requests_per_minute: values.maxRequestsPerMinute,
      updated_at: Date.now(),
    };
    return this.db.transaction().execute(async (transaction) => {
      // As for keys by hash: the WHERE makes a replace with the same values write nothing.
      const changed = await transaction
        .insertInto("org_constraints")
        .values(row)
        .onConflict((conflict) =>
          conflict
            .column("org_id")
            .doUpdateSet((eb) => ({
              cost_limit_monthly_usd: eb.ref("excluded.cost_limit_monthly_usd"),
              token_window_seconds: eb.ref("excluded.token_window_seconds"),
              max_tokens_per_window: eb.ref("excluded.max_tokens_per_window"),
              max_requests_per_minute: eb.ref("excluded.max_requests_per_minute"),
              updated_at: eb.ref("excluded.updated_at"),
            }))
            .where((eb) =>
              eb.or(
                (
                  [
                    "cost_limit_monthly_usd",
                    "token_window_seconds",
                    "max_tokens_per_window",
                    "max_requests_per_minute",
                  ] as const
                ).map((column) =>
                  eb(`org_constraints.${column}`, "is distinct from", eb.ref(`excluded.${column}`)),
                ),
              ),
            ),
        )
        .returningAll()
        .executeTakeFirst();
      if (changed !== undefined) {
        await bumpVersion(transaction);
        return toConstraints(changed);
      }
      const existing = await transaction
        .selectFrom("org_constraints")
        .selectAll()
        .where("org_id", "=", orgId)
        .executeTakeFirstOrThrow();
      return toConstraints(existing);
    });
  }

  async listConstraints(): Promise<OrgConstraints[]> {
    const rows = await this.db.selectFrom("org_constraints").selectAll().orderBy("org_id").execute();
    return rows.map(toConstraints);
  }

  async appendAudit(entry: NewAuditEntry): Promise<AuditEntry> {
    const createdAt = toEpochMs(entry.createdAt ?? new Date());
    // Not a control change: nothing in the snapshot depends on the log, so the version stays.
    const row = await this.db
      .insertInto("audit_log")
      .values({
        id: auditId(createdAt),
        created_at: createdAt,
        actor_key_id: entry.actorKeyId,
        action: entry.action,
        resource: entry.resource,
        resource_id: entry.resourceId,
        before_hash: entry.beforeHash,
        after_hash: entry.afterHash,
        detail: JSON.stringify(entry.detail),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toAuditEntry(row);
  }

  async listAudit(query: AuditQuery): Promise<AuditEntry[]> {
    if (!Number.isSafeInteger(query.limit) || query.limit < 0) {
      throw new RangeError(`listAudit: limit must be a non-negative integer, got ${query.limit}`);
    }
    const { after, resource } = query;
    const rows = await this.db
      .selectFrom("audit_log")
      .selectAll()
      .$if(resource !== undefined, (select) => select.where("resource", "=", resource ?? ""))
      .$call(newestFirst(after, query.limit))
      .execute();
    return rows.map(toAuditEntry);
  }

  async listProviders(): Promise<ProviderRecord[]> {
    const rows = await this.db.selectFrom("providers").selectAll().orderBy("name").execute();
    return rows.map(toProvider);
  }

  async getProvider(name: string): Promise<ProviderRecord | undefined> {
    const row = await this.db.selectFrom("providers").selectAll().where("name", "=", name).executeTakeFirst();
    return row === undefined ? undefined : toProvider(row);
  }

  async saveProvider(provider: SaveProvider): Promise<SaveProviderResult> {
    const now = Date.now();
    const fields = {
      type: provider.type,
      base_url: provider.baseUrl,
      models: provider.models === null ? null : JSON.stringify(provider.models),
      org_id: provider.orgId,
      sealed_api_key: provider.sealedApiKey,
      source: provider.source,
    };
    return this.db.transaction().execute(async (transaction) => {
      // Insert-or-nothing first, as for routing rules: of two concurrent creates exactly one wins.
      const inserted = await transaction
        .insertInto("providers")
        .values({ name: provider.name, ...fields, created_at: now, updated_at: now })
        .onConflict((conflict) => conflict.column("name").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) {
        await bumpVersion(transaction);
        return { outcome: "created", provider: toProvider(inserted) };
      }
      if (provider.mode === "create") {
        const existing = await transaction
          .selectFrom("providers")
          .selectAll()
          .where("name", "=", provider.name)
          .executeTakeFirstOrThrow();
        return { outcome: "exists", provider: toProvider(existing) };
      }
      // Always a change: a sealed credential differs on every seal (a fresh IV), even for the same key.
      const replaced = await transaction
        .updateTable("providers")
        .set({ ...fields, updated_at: now })
        .where("name", "=", provider.name)
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return { outcome: "replaced", provider: toProvider(replaced) };
    });
  }

  async deleteProvider(name: string): Promise<boolean> {
    return this.db.transaction().execute(async (transaction) => {
      const result = await transaction.deleteFrom("providers").where("name", "=", name).executeTakeFirst();
      if (result.numDeletedRows === 0n) return false;
      await bumpVersion(transaction);
      return true;
    });
  }

  async resealProviderKeys(reseal: (sealed: string) => string): Promise<number> {
    return this.db.transaction().execute(async (transaction) => {
      const rows = await transaction
        .selectFrom("providers")
        .select(["name", "sealed_api_key"])
        .where("sealed_api_key", "is not", null)
        .orderBy("name")
        .execute();
      let count = 0;
      for (const row of rows) {
        if (row.sealed_api_key === null) continue;
        // A throw rolls the whole transaction back: no row is left under the new key alone.
        const resealed = reseal(row.sealed_api_key);
        await transaction
          .updateTable("providers")
          .set({ sealed_api_key: resealed })
          .where("name", "=", row.name)
          .execute();
        count++;
      }
      if (count > 0) await bumpVersion(transaction);
      return count;
    });
  }

  async listPlans(): Promise<PlanRecord[]> {
    const rows = await this.db.selectFrom("plans").selectAll().orderBy("id").execute();
    return rows.map(toPlan);
  }

  async getPlan(id: string): Promise<PlanRecord | undefined> {
    const row = await this.db.selectFrom("plans").selectAll().where("id", "=", id).executeTakeFirst();
    return row === undefined ? undefined : toPlan(row);
  }

  async savePlan(plan: SavePlan): Promise<SavePlanResult> {
    const features = JSON.stringify(plan.features);
    const now = Date.now();
    return this.db.transaction().execute(async (transaction) => {
      // Insert-or-nothing first, so of two concurrent creates exactly one wins (as for rules).
      const inserted = await transaction
        .insertInto("plans")
        .values({ id: plan.id, name: plan.name, features, created_at: now, updated_at: now })
        .onConflict((conflict) => conflict.column("id").doNothing())
        .returningAll()
        .executeTakeFirst();
      if (inserted !== undefined) {
        await bumpVersion(transaction);
        return { outcome: "created", plan: toPlan(inserted) };
      }
      const existing = await transaction
        .selectFrom("plans")
        .selectAll()
        .where("id", "=", plan.id)
        .executeTakeFirstOrThrow();
      if (plan.mode === "create") return { outcome: "exists", plan: toPlan(existing) };
      if (existing.name === plan.name && existing.features === features) {
        return { outcome: "unchanged", plan: toPlan(existing) };
      }
      const replaced = await transaction
        .updateTable("plans")
        .set({ name: plan.name, features, updated_at: now })
        .where("id", "=", plan.id)
        .returningAll()
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return { outcome: "replaced", plan: toPlan(replaced) };
    });
  }

  async deletePlan(id: string): Promise<DeletePlanResult> {
    return this.db.transaction().execute(async (transaction) => {
      if (!(await lockPlan(transaction, id))) return { outcome: "not_found" };
      const users = await transaction
        .selectFrom("orgs")
        .select("id")
        .where("plan_id", "=", id)
        .orderBy("id")
        .execute();
      if (users.length > 0) return { outcome: "in_use", orgIds: users.map((row) => row.id) };
      await transaction.deleteFrom("plans").where("id", "=", id).execute();
      await bumpVersion(transaction);
      return { outcome: "deleted" };
    });
  }

  async getOrgPlan(orgId: string): Promise<OrgPlan | undefined> {
    const row = await this.db
      .selectFrom("orgs")
      .select(["id", "plan_id", "subscription_expires_at"])
      .where("id", "=", orgId)
      .executeTakeFirst();
    return row === undefined ? undefined : toOrgPlan(row);
  }

  async listOrgPlans(): Promise<OrgPlan[]> {
    const rows = await this.db
      .selectFrom("orgs")
      .select(["id", "plan_id", "subscription_expires_at"])
      .where((eb) => eb.or([eb("plan_id", "is not", null), eb("subscription_expires_at", "is not", null)]))
      .orderBy("id")
      .execute();
    return rows.map(toOrgPlan);
  }

  async setOrgPlan(orgId: string, change: OrgPlanChange): Promise<SetOrgPlanResult> {
    return this.db.transaction().execute(async (transaction) => {
      const existing = await transaction
        .selectFrom("orgs")
        .select(["id", "plan_id", "subscription_expires_at"])
        .where("id", "=", orgId)
        .executeTakeFirst();
      if (existing === undefined) return { outcome: "org_not_found" };
      if (change.planId !== null && !(await lockPlan(transaction, change.planId))) {
        return { outcome: "plan_not_found" };
      }
      const expiresAt =
        change.subscriptionExpiresAt === undefined
          ? existing.subscription_expires_at
          : toEpochMsOrNull(change.subscriptionExpiresAt);
      if (existing.plan_id === change.planId && existing.subscription_expires_at === expiresAt) {
        return { outcome: "unchanged", orgPlan: toOrgPlan(existing) };
      }
      const updated = await transaction
        .updateTable("orgs")
        .set({ plan_id: change.planId, subscription_expires_at: expiresAt })
        .where("id", "=", orgId)
        .returning(["id", "plan_id", "subscription_expires_at"])
        .executeTakeFirstOrThrow();
      await bumpVersion(transaction);
      return { outcome: "set", orgPlan: toOrgPlan(updated) };
    });
  }
}

let auditSequence = 0;

/**
 * `aud_<time><sequence><random>`: entries of one process in the same millisecond sort in the
 * order they were appended (the list breaks ties by id), and instances never collide.
 */
function auditId(createdAt: number): string {
  auditSequence = (auditSequence + 1) % 36 ** 6;
  return `aud_${createdAt.toString(36).padStart(9, "0")}${auditSequence.toString(36).padStart(6, "0")}${randomBytes(6).toString("hex")}`;
}

function toConstraints(row: Selectable<OrgConstraintsTable>): OrgConstraints {
  return {
    orgId: row.org_id,
    costLimitMonthlyUsd: row.cost_limit_monthly_usd,
    tokenWindowSeconds: row.token_window_seconds,
    maxTokensPerWindow: row.max_tokens_per_window,
    maxRequestsPerMinute: row.max_requests_per_minute,
    updatedAt: fromEpochMs(row.updated_at),
  };
}

function toAuditEntry(row: Selectable<AuditLogTable>): AuditEntry {
  const detail: unknown = JSON.parse(row.detail);
  return {
    id: row.id,
    createdAt: fromEpochMs(row.created_at),
    actorKeyId: row.actor_key_id,
    action: row.action,
    resource: row.resource,
    resourceId: row.resource_id,
    beforeHash: row.before_hash,
    afterHash: row.after_hash,
    detail:
      typeof detail === "object" && detail !== null && !Array.isArray(detail)
        ? (detail as Record<string, unknown>)
        : {},
  };
}

/**
 * Locks a plan's row for the rest of the transaction (false when there is none), so putting an org
 * on a plan and deleting that plan take turns: the delete then sees the org, or the move sees the
 * plan gone. A no-op update, since it locks on both dialects (SQLite's transactions are exclusive
 * anyway; PostgreSQL has no `for update` SQLite would parse).
 */
async function lockPlan(transaction: Transaction<Database>, id: string): Promise<boolean> {
  const locked = await transaction
    .updateTable("plans")
    .set((eb) => ({ updated_at: eb.ref("updated_at") }))
    .where("id", "=", id)
    .returning("id")
    .executeTakeFirst();
  return locked !== undefined;
}

export async function bumpVersion(transaction: Transaction<Database>): Promise<void> {
  await transaction
    .updateTable("control_meta")
    .set((eb) => ({ version: eb("version", "+", 1) }))
    .where("id", "=", 1)
    .execute();
}

function toOrg(row: Selectable<OrgsTable>): Org {
  return { id: row.id, name: row.name, createdAt: fromEpochMs(row.created_at) };
}

function toProject(row: Selectable<ProjectsTable>): Project {
  return { id: row.id, orgId: row.org_id, name: row.name, createdAt: fromEpochMs(row.created_at) };
}

function toApiKeyRow(key: NewApiKey): Insertable<ApiKeysTable> {
  return {
    id: key.id,
    org_id: key.orgId,
    project_id: key.projectId,
    name: key.name,
    hash: key.hash,
    display_prefix: key.displayPrefix,
    source: key.source,
    scope: key.scope ?? "gateway",
    routing_rule: key.routingRule,
    rpm: key.rpm,
    tpm: key.tpm,
    monthly_budget_usd: key.monthlyBudgetUsd,
    created_at: toEpochMs(key.createdAt ?? new Date()),
    expires_at: toEpochMsOrNull(key.expiresAt),
    revoked_at: null,
  };
}

function toApiKey(row: Selectable<ApiKeysTable>): ApiKeyRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    projectId: row.project_id,
    name: row.name,
    hash: row.hash,
    displayPrefix: row.display_prefix,
    source: toApiKeySource(row.source),
    scope: toApiKeyScope(row.scope),
    routingRule: row.routing_rule,
    rpm: row.rpm,
    // A read-only reader (open-control-reader.ts) may see a database from before 0005.
    tpm: row.tpm ?? null,
    monthlyBudgetUsd: row.monthly_budget_usd ?? null,
    createdAt: fromEpochMs(row.created_at),
    expiresAt: fromEpochMsOrNull(row.expires_at),
    revokedAt: fromEpochMsOrNull(row.revoked_at),
  };
}

// A Record, so adding a source to ApiKeySource without listing it here is a compile error.
const apiKeySources: Record<ApiKeySource, true> = {
  cli: true,
  config: true,
  bootstrap: true,
  generated: true,
  admin: true,
};

function isApiKeySource(value: string): value is ApiKeySource {
  return Object.hasOwn(apiKeySources, value);
}

function toApiKeySource(value: string): ApiKeySource {
  if (!isApiKeySource(value)) throw new Error(`api_keys.source holds an unknown value "${value}"`);
  return value;
}

function toApiKeyScope(value: string): ApiKeyScope {
  if (value !== "gateway" && value !== "admin")
    throw new Error(`api_keys.scope holds an unknown value "${value}"`);
  return value;
}

function toRoutingRuleSource(value: string): RoutingRuleSource {
  if (value !== "config" && value !== "admin") {
    throw new Error(`routing_rules.source holds an unknown value "${value}"`);
  }
  return value;
}

function toRoutingRule(row: Selectable<RoutingRulesTable>): RoutingRuleRecord {
  const definition: unknown = JSON.parse(row.definition);
  if (typeof definition !== "object" || definition === null || Array.isArray(definition)) {
    throw new Error(`routing_rules.definition of "${row.name}" is not a JSON object`);
  }
  return {
    name: row.name,
    definition: definition as Record<string, unknown>,
    source: toRoutingRuleSource(row.source),
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

function toProvider(row: Selectable<ProvidersTable>): ProviderRecord {
  if (row.source !== "admin") throw new Error(`providers.source holds an unknown value "${row.source}"`);
  let models: string[] | null = null;
  if (row.models !== null) {
    const parsed: unknown = JSON.parse(row.models);
    if (!Array.isArray(parsed) || !parsed.every((model) => typeof model === "string")) {
      throw new Error(`providers.models of "${row.name}" is not a JSON array of strings`);
    }
    models = parsed;
  }
  return {
    name: row.name,
    type: row.type,
    baseUrl: row.base_url,
    models,
    orgId: row.org_id,
    sealedApiKey: row.sealed_api_key,
    source: row.source,
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

function toPlan(row: Selectable<PlansTable>): PlanRecord {
  const features: unknown = JSON.parse(row.features);
  if (features !== "*" && !(Array.isArray(features) && features.every((name) => typeof name === "string"))) {
    throw new Error(`plans.features of "${row.id}" is neither "*" nor an array of names`);
  }
  return {
    id: row.id,
    name: row.name,
    features,
    createdAt: fromEpochMs(row.created_at),
    updatedAt: fromEpochMs(row.updated_at),
  };
}

function toOrgPlan(row: Pick<Selectable<OrgsTable>, "id" | "plan_id" | "subscription_expires_at">): OrgPlan {
  return {
    orgId: row.id,
    planId: row.plan_id,
    subscriptionExpiresAt: fromEpochMsOrNull(row.subscription_expires_at),
  };
}
