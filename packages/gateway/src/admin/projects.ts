/**
 * `/admin/projects[/{id}]`: list (optionally one org's), create and read projects. A project
 * groups an org's traffic; a key may be locked to one. Its org is created if absent, as when a key
 * names it. Project ids are global, so a request header naming one is never ambiguous.
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
import { ensureOrgAndProject } from "./ensure-org-and-project.js";
import { projectObject } from "./project-object.js";

export const projectCreateSchema = z.strictObject({
  org: z.string(),
  name: displayName,
  id: z.string().optional(),
});

export const projectsAdmin = {
  async list(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const projects = await deps.store.listProjects(request.query.org);
    return {
      status: 200,
      body: listPage(
        projects,
        request.query,
        deps.cursorSecret,
        (project) => [project.createdAt.getTime(), project.id],
        projectObject,
      ),
    };
  },

  async create(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const body = parseBody(projectCreateSchema, request.body, "{org, name, id?}");
    const orgId = checkId(body.org, "org");
    const id =
      body.id === undefined ? `proj_${randomBytes(9).toString("base64url")}` : checkId(body.id, "id");
    if ((await deps.store.getProject(id)) !== undefined) {
      throw conflict(`A project with id '${id}' already exists.`);
    }
    await ensureOrgAndProject(deps, orgId, null);
    const project = await deps.store.createProject({ id, orgId, name: body.name });
    if (project === undefined) throw conflict(`A project with id '${id}' already exists.`);
    await deps.audit({
      resource: "projects",
      verb: "create",
      resourceId: id,
      before: null,
      after: projectObject(project),
    });
    await deps.snapshot.reloadAfterWrite();
    return { status: 201, body: projectObject(project) };
  },

  async get(request: AdminRequest, deps: AdminDependencies): Promise<AdminAnswer> {
    requireAdminKey(request.key);
    const id = pathId(request, "project");
    const project = await deps.store.getProject(id);
    if (project === undefined) throw notFound("project", id);
    return { status: 200, body: projectObject(project) };
  },
};
