/** A project as the admin API answers it (and as the audit log hashes it). */
import type { Project } from "../store/types.js";

export function projectObject(project: Project) {
  return {
    object: "project",
    id: project.id,
    org_id: project.orgId,
    name: project.name,
    created_at: project.createdAt.toISOString(),
  };
}
