/**
 * The admin API's routing rules: `/admin/routing_rules[/{name}]`. Rules are instance-wide (every
 * org's keys may name them), stored in the control store, and applied at once on the instance that
 * took the write and within one control poll on the others. Mutations need
 * `X-Floopy-Confirm: routing_rules`, since they change live routing; a rule the config file defines
 * is owned by the file and cannot be changed here.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { hasControlCharacter } from "../pipeline/control-characters.js";
import { requireConfirmationHeader } from "../protocol/floopy-api/confirmation.js";
import { decodeCursor, encodeCursor, invalidCursor, pageLimit } from "../protocol/floopy-api/list-pages.js";
import type { ModelCatalogue } from "../providers/model-catalogue.js";
import { parseRuleDefinition, unresolvedTargets } from "../routing/rule-definitions.js";
import type { ApiKeyRecord, RoutingRuleRecord } from "../store/types.js";
import type { AdminAnswer, AdminDependencies } from "./admin-request.js";

export interface AdminCall {
  action: "list" | "get" | "create" | "replace" | "delete";
  /** The rule name from the path (`get`, `replace`, `delete`). */
  name: string | undefined;
  query: Readonly<Record<string, string>>;
  headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The parsed JSON body of `create` and `replace`. */
  body: unknown;
  /** The authenticated caller, checked again here (authorization in the handler, not only at the gate). */
  key: ApiKeyRecord | null;
}

const CONFIRM = "routing_rules";
const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 200;
/** Names travel in URL paths and the `floopy-routing-rule` header: keep them plain. */
const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

export async function routingRulesAdmin(call: AdminCall, deps: AdminDependencies): Promise<AdminAnswer> {
  const key = call.key;
  if (key === null || key.scope !== "admin") {
    throw new GatewayError("FORBIDDEN", "Admin routes need an admin key.");
  }
  switch (call.action) {
    case "list":
      return listRules(call, deps);
    case "get": {
      const rule = await deps.store.getRoutingRule(call.name ?? "");
      if (!rule) throw notFound(call.name ?? "");
      return { status: 200, body: ruleObject(rule) };
    }
    case "create": {
      requireConfirmation(call);
      const { name, definition } = checkRuleBody(call.body, undefined, deps.catalogue);
      const saved = await deps.store.saveRoutingRule({
        name,
        definition,
        source: "admin",
        mode: "create",
        replaceable: [],
      });
      if (saved.outcome !== "created") {
        if (saved.rule.source === "config") throw configOwned(name);
        throw new GatewayError(
          "CONFLICT",
          `A routing rule named '${name}' already exists; use PUT to replace it.`,
        );
      }
      await deps.audit(ruleChange("create", name, null, saved.rule));
      await deps.snapshot.reloadAfterWrite();
      return { status: 201, body: ruleObject(saved.rule) };
    }
    case "replace": {
      requireConfirmation(call);
      const name = call.name ?? "";
      const { definition } = checkRuleBody(call.body, name, deps.catalogue);
      const before = await deps.store.getRoutingRule(name);
      const saved = await deps.store.saveRoutingRule({
        name,
        definition,
        source: "admin",
        mode: "upsert",
        replaceable: ["admin"],
      });
      if (saved.outcome === "exists") throw configOwned(name);
      if (saved.outcome !== "unchanged") {
        // A rule created between the read and the write has no "before" we saw: audited as new.
        const previous = saved.outcome === "replaced" ? (before ?? null) : null;
        await deps.audit(ruleChange(previous === null ? "create" : "replace", name, previous, saved.rule));
      }
      await deps.snapshot.reloadAfterWrite();
      return { status: saved.outcome === "created" ? 201 : 200, body: ruleObject(saved.rule) };
    }
    case "delete": {
      requireConfirmation(call);
      const name = call.name ?? "";
      const before = await deps.store.getRoutingRule(name);
      const deleted = await deps.store.deleteRoutingRule(name, ["admin"]);
      switch (deleted.outcome) {
        case "not_found":
          throw notFound(name);
        case "wrong_source":
          throw configOwned(name);
        case "in_use":
          throw new GatewayError(
            "CONFLICT",
            `The routing rule '${name}' is the default rule of ${deleted.keyIds.length} key(s) ` +
              `(${deleted.keyIds.join(", ")}); give them another rule or revoke them first.`,
          );
        case "deleted":
          await deps.audit(ruleChange("delete", name, before ?? null, null));
          await deps.snapshot.reloadAfterWrite();
          return { status: 204 };
      }
    }
  }
}

async function listRules(call: AdminCall, deps: AdminDependencies): Promise<AdminAnswer> {
  const limit = pageLimit(call.query.limit, DEFAULT_LIMIT, MAX_LIMIT);
  let after: string | undefined;
  if (call.query.cursor !== undefined) {
    const position = decodeCursor(call.query.cursor, deps.cursorSecret);
    if (typeof position !== "string") throw invalidCursor();
    after = position;
  }
  // Rules are few (tens, not millions): page over the sorted list rather than in SQL.
  const rules = (await deps.store.listRoutingRules()).filter(
    (rule) => after === undefined || rule.name > after,
  );
  const page = rules.slice(0, limit);
  const last = page.at(-1);
  const hasMore = rules.length > limit;
  return {
    status: 200,
    body: {
      object: "list",
      items: page.map(ruleObject),
      has_more: hasMore,
      next_cursor: hasMore && last ? encodeCursor(last.name, deps.cursorSecret) : null,
    },
  };
}

/**
 * A rule body checked whole (name, definition, targets resolved through `catalogue`) without a
 * write, so a config import can check every rule before it stores the first.
 */
export function checkRuleBody(
  body: unknown,
  pathName: string | undefined,
  catalogue: ModelCatalogue,
): { name: string; definition: Record<string, unknown> } {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidBody(
      "The body must be a JSON object: {name, strategy, targets, retry?, timeout_ms?, success_floor?}.",
    );
  }
  const { name: bodyName, ...rest } = body as Record<string, unknown>;
  const name = pathName ?? bodyName;
  if (typeof name !== "string" || !NAME_PATTERN.test(name)) {
    throw invalidBody(
      "name: required; 1 to 100 letters, digits, '.', '_' or '-', starting with a letter or digit.",
      "name",
    );
  }
  if (pathName !== undefined && bodyName !== undefined && bodyName !== pathName) {
    throw invalidBody(`name: the body names '${String(bodyName)}' but the path names '${pathName}'.`, "name");
  }
  const parsed = parseRuleDefinition(rest);
  if (!parsed.ok) {
    const [issue] = parsed.issues;
    throw invalidBody(`${issue?.path || "body"}: ${issue?.message ?? "invalid"}`, issue?.path);
  }
  // A target's model is echoed in Floopy-Model and sent upstream: no control characters.
  const targets = parsed.definition.targets;
  for (const [index, target] of targets.entries()) {
    if (hasControlCharacter(target.model)) {
      throw invalidBody(`targets.${index}.model: it contains a control character.`, `targets.${index}.model`);
    }
  }
  const [unresolved] = unresolvedTargets(parsed.definition, (reference) => catalogue.resolve(reference));
  if (unresolved) throw invalidBody(`${unresolved.path}: ${unresolved.message}`, unresolved.path);
  return { name, definition: parsed.definition };
}

/** A write that changes live routing needs `X-Floopy-Confirm: <resource>`; without it nothing changes. */
export function requireConfirmation(call: AdminCall, resource = CONFIRM, what = "routing rules"): void {
  requireConfirmationHeader(call.headers, resource, what);
}

function ruleChange(
  verb: "create" | "replace" | "delete",
  name: string,
  before: RoutingRuleRecord | null,
  after: RoutingRuleRecord | null,
) {
  return {
    resource: "routing_rules",
    verb,
    resourceId: name,
    before: before === null ? null : ruleObject(before),
    after: after === null ? null : ruleObject(after),
  };
}

function ruleObject(rule: RoutingRuleRecord) {
  return {
    object: "routing_rule",
    id: rule.name,
    name: rule.name,
    source: rule.source,
    ...rule.definition,
    created_at: rule.createdAt.toISOString(),
    updated_at: rule.updatedAt.toISOString(),
  };
}

function invalidBody(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_body", message, param === undefined || param === "" ? {} : { param });
}

function notFound(name: string): GatewayError {
  return new GatewayError("not_found", `There is no routing rule named '${name}'.`);
}

function configOwned(name: string): GatewayError {
  return new GatewayError(
    "CONFLICT",
    `The routing rule '${name}' is defined in the config file; change it there (the file owns its rules).`,
  );
}
