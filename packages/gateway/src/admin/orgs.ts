/**
 * `/admin/orgs[/{id}]`: list, create, read and rename orgs. An org is the tenant: keys, projects
 * and constraints belong to one. Orgs are never deleted here (their keys, records and audit
 * entries name them); revoke the org's keys instead.
 */
import { randomBytes } from "node:crypto";
import { z } from "zod";
import { parseBody } from "../protocol/floopy-api/body-schema.js";
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
import { orgObject } from "./org-object.js";

export const orgCreateSchema = z.strictObject({ id: z.string().optional(), name: displayName });
export const orgUpdateSchema = z.strictObject({ name: displayName });

export const orgsAdmin = {
  async list(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const orgs = await deps.store.listOrgs();
    return {
      status: 200,
      body: listPage(
        orgs,
        request.query,
        deps.cursorSecret,
        (org) => [org.createdAt.getTime(), org.id],
        orgObject,
      ),
    };
  },

  async create(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const body = parseBody(orgCreateSchema, request.body, "{name, id?}");
    const id = body.id === undefined ? `org_${randomBytes(9).toString("base64url")}` : checkId(body.id, "id");
    const org = await deps.store.createOrg({ id, name: body.name });
    if (org === undefined) throw conflict(`An org with id '${id}' already exists.`);
    await deps.audit({
      resource: "orgs",
      verb: "create",
      resourceId: id,
      before: null,
      after: orgObject(org),
    });
    await deps.snapshot.reloadAfterWrite();
    return { status: 201, body: orgObject(org) };
  },

  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "org");
    const org = await deps.store.getOrg(id);
    if (org === undefined) throw notFound("org", id);
    return { status: 200, body: orgObject(org) };
  },

  async update(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "org");
    const body = parseBody(orgUpdateSchema, request.body, "{name}");
    const before = await deps.store.getOrg(id);
    if (before === undefined) throw notFound("org", id);
    const org = await deps.store.renameOrg(id, body.name);
    if (org === undefined) throw notFound("org", id);
    if (org.name !== before.name) {
      await deps.audit({
        resource: "orgs",
        verb: "update",
        resourceId: id,
        before: orgObject(before),
        after: orgObject(org),
        detail: { changed: ["name"] },
      });
      await deps.snapshot.reloadAfterWrite();
    }
    return { status: 200, body: orgObject(org) };
  },
};
