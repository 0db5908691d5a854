/**
 * `/admin/keys[/{id}]`: gateway and admin keys. Create answers the key this once (only its hash
 * is stored); lists and reads show the first characters of it, never the key or the hash. A key's
 * org and project are created if absent. Changes — name, project, default routing rule, expiry,
 * the key's own limits — apply in place, so applications keep their key; DELETE revokes, and
 * this instance refuses the key from the next request on (the others within one control poll).
 * The config file owns its keys: they are changed there, not here.
 */
import { z } from "zod";
import { generateApiKey } from "../control/api-keys.js";
import { newKeyRecord } from "../control/bootstrap-keys.js";
import { invalidBody, MAX_LIMIT_COUNT, parseBody } from "../protocol/floopy-api/body-schema.js";
import type { ApiKeyChanges, ApiKeyRecord } from "../store/types.js";
import {
  type AdminAnswer,
  type AdminDependencies,
  type AdminRequest,
  checkId,
  conflict,
  listPage,
  notFound,
  pathId,
  requireAdminKey,
} from "./admin-request.js";
import { displayName } from "./display-name.js";
import { ensureOrgAndProject } from "./ensure-org-and-project.js";
import { keyObject, keyState } from "./key-object.js";

const count = z.number().int().positive().max(MAX_LIMIT_COUNT).nullable().optional();
const limitFields = {
  rpm: count,
  tpm: count,
  monthly_budget_usd: z.number().nonnegative().nullable().optional(),
};
const expiry = z.iso.datetime({ offset: true }).nullable().optional();

export const keyCreateSchema = z.strictObject({
  name: displayName,
  org: z.string().optional(),
  project: z.string().optional(),
  routing_rule: z.string().optional(),
  ...limitFields,
  expires_at: expiry,
  admin: z.boolean().optional(),
});
const CREATE_SHAPE =
  "{name, org?, project?, routing_rule?, rpm?, tpm?, monthly_budget_usd?, expires_at?, admin?}";

export const keyUpdateSchema = z.strictObject({
  name: displayName.optional(),
  project: z.string().nullable().optional(),
  routing_rule: z.string().nullable().optional(),
  ...limitFields,
  expires_at: expiry,
});
const UPDATE_SHAPE = "{name?, project?, routing_rule?, rpm?, tpm?, monthly_budget_usd?, expires_at?}";

export const keysAdmin = {
  async list(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const org = request.query.org;
    const keys = (await deps.store.listApiKeys()).filter((key) => org === undefined || key.orgId === org);
    return {
      status: 200,
      body: listPage(
        keys,
        request.query,
        deps.cursorSecret,
        (key) => [key.createdAt.getTime(), key.id],
        keyObject,
      ),
    };
  },

  async create(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const body = parseBody(keyCreateSchema, request.body, CREATE_SHAPE);
    const admin = body.admin === true;
    if (admin && body.project !== undefined)
      throw invalidBody("project: an admin key takes no project.", "project");
    if (admin && body.routing_rule !== undefined) {
      throw invalidBody("routing_rule: an admin key takes no routing rule.", "routing_rule");
    }
    const orgId = checkId(body.org ?? "default", "org");
    const projectId = body.project === undefined ? null : checkId(body.project, "project");
    const expiresAt = futureExpiry(body.expires_at);
    if (body.routing_rule !== undefined) await requireRule(deps, body.routing_rule);
    await ensureOrgAndProject(deps, orgId, projectId);
    const key = generateApiKey();
    const record = await deps.store.insertApiKey({
      ...newKeyRecord(body.name, key, "admin", { orgId, projectId, expiresAt }),
      routingRule: body.routing_rule ?? null,
      rpm: body.rpm ?? null,
      tpm: body.tpm ?? null,
      monthlyBudgetUsd: body.monthly_budget_usd ?? null,
      scope: admin ? "admin" : "gateway",
    });
    await deps.audit({
      resource: "keys",
      verb: "create",
      resourceId: record.id,
      before: null,
      after: keyState(record),
    });
    await deps.snapshot.reloadAfterWrite();
    // The only time the key leaves the gateway.
    return { status: 201, body: { ...keyObject(record), key } };
  },

  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const key = await existingKey(request, deps);
    return { status: 200, body: keyObject(key) };
  },

  async update(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const key = await existingKey(request, deps);
    const body = parseBody(keyUpdateSchema, request.body, UPDATE_SHAPE);
    if (key.source === "config") {
      throw conflict(
        `The key '${key.id}' is defined in the config file; change it there (the file owns its keys).`,
      );
    }
    if (key.revokedAt !== null) throw conflict(`The key '${key.id}' is revoked; create a new key instead.`);
    if (key.scope === "admin" && typeof body.project === "string") {
      throw invalidBody("project: an admin key takes no project.", "project");
    }
    if (key.scope === "admin" && typeof body.routing_rule === "string") {
      throw invalidBody("routing_rule: an admin key takes no routing rule.", "routing_rule");
    }
    const changes: ApiKeyChanges = {};
    if (body.name !== undefined) changes.name = body.name;
    if (body.project !== undefined)
      changes.projectId = body.project === null ? null : checkId(body.project, "project");
    if (body.routing_rule !== undefined) {
      if (body.routing_rule !== null) await requireRule(deps, body.routing_rule);
      changes.routingRule = body.routing_rule;
    }
    if (body.expires_at !== undefined) changes.expiresAt = futureExpiry(body.expires_at);
    if (body.rpm !== undefined) changes.rpm = body.rpm;
    if (body.tpm !== undefined) changes.tpm = body.tpm;
    if (body.monthly_budget_usd !== undefined) changes.monthlyBudgetUsd = body.monthly_budget_usd;
    if (changes.projectId) await ensureOrgAndProject(deps, key.orgId, changes.projectId);
    const updated = await deps.store.updateApiKey(key.id, changes);
    if (updated === undefined) throw notFound("key", key.id);
    const before = keyState(key);
    const after = keyState(updated);
    const changed = (Object.keys(after) as Array<keyof typeof after>).filter(
      (field) => after[field] !== before[field],
    );
    if (changed.length > 0) {
      await deps.audit({
        resource: "keys",
        verb: "update",
        resourceId: key.id,
        before,
        after,
        detail: { changed },
      });
      await deps.snapshot.reloadAfterWrite();
    }
    return { status: 200, body: keyObject(updated) };
  },

  /** Revokes; revoking again answers the key as it is, first revocation time kept. */
  async revoke(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const key = await existingKey(request, deps);
    if (key.revokedAt !== null) return { status: 200, body: keyObject(key) };
    await deps.store.revokeApiKey(key.id, new Date());
    const revoked = await deps.store.getApiKey(key.id);
    if (revoked === undefined) throw notFound("key", key.id);
    await deps.audit({
      resource: "keys",
      verb: "revoke",
      resourceId: key.id,
      before: keyState(key),
      after: keyState(revoked),
    });
    // The next request with this key, on this instance, is refused.
    await deps.snapshot.reloadAfterWrite();
    return { status: 200, body: keyObject(revoked) };
  },
};

async function existingKey(request: AdminRequest, deps: AdminDependencies): Promise<ApiKeyRecord> {
  const id = pathId(request, "key");
  const key = await deps.store.getApiKey(id);
  if (key === undefined) throw notFound("key", id);
  return key;
}

async function requireRule(deps: AdminDependencies, name: string): Promise<void> {
  if ((await deps.store.getRoutingRule(name)) === undefined) {
    throw invalidBody(`routing_rule: there is no routing rule named '${name}'.`, "routing_rule");
  }
}

function futureExpiry(value: string | null | undefined): Date | null {
  if (value === undefined || value === null) return null;
  const date = new Date(value);
  if (date.getTime() <= Date.now()) throw invalidBody("expires_at: must be in the future.", "expires_at");
  return date;
}
