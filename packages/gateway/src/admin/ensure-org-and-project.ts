/**
 * An org or project named on a write (a key's `org`/`project`, a project's `org`) is created if it
 * does not exist yet, as the config file and the CLI do (INTERFACE.md), and each creation is
 * audited like one made through its own route. Project ids are global: one that exists in another
 * org is a conflict, never quietly reused (a key would be locked to another tenant's project).
 */
import { type AdminDependencies, conflict } from "./admin-request.js";
import { orgObject } from "./org-object.js";
import { projectObject } from "./project-object.js";

export async function ensureOrgAndProject(
  deps: AdminDependencies,
  orgId: string,
  projectId: string | null,
): Promise<{ created: boolean }> {
  let created = false;
  if ((await deps.store.getOrg(orgId)) === undefined) {
    const org = await deps.store.createOrg({ id: orgId, name: orgId });
    // undefined: another writer created it in between, which is as good.
    if (org !== undefined) {
      created = true;
      await deps.audit({
        resource: "orgs",
        verb: "create",
        resourceId: orgId,
        before: null,
        after: orgObject(org),
        detail: { implicit: true },
      });
    }
  }
  if (projectId === null) return { created };
  const existing = await deps.store.getProject(projectId);
  if (existing !== undefined) {
    if (existing.orgId !== orgId) {
      throw conflict(
        `The project '${projectId}' belongs to another org; project ids are unique across orgs.`,
      );
    }
    return { created };
  }
  const project = await deps.store.createProject({ id: projectId, orgId, name: projectId });
  if (project === undefined) {
    const winner = await deps.store.getProject(projectId);
    if (winner?.orgId !== orgId) {
      throw conflict(
        `The project '${projectId}' belongs to another org; project ids are unique across orgs.`,
      );
    }
    return { created };
  }
  await deps.audit({
    resource: "projects",
    verb: "create",
    resourceId: projectId,
    before: null,
    after: projectObject(project),
    detail: { implicit: true },
  });
  return { created: true };
}
