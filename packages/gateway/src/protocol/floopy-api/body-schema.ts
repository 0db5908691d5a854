/**
 * Validates an own-API request body against a zod schema and turns the first problem into the
 * API's `400 invalid_body`, naming the field (dotted path) in the message and in `param` — an
 * unknown field by its own name, so a typo is pointed at rather than silently ignored.
 */
import type { z } from "zod";
import { GatewayError } from "../../errors/gateway-error.js";

/**
 * The largest count a limit may have: what the stores' integer columns hold on every backend
 * (PostgreSQL's `integer`). The admin API, the own API, the CLI and the config file all check it,
 * so a limit that is accepted can be stored.
 */
export const MAX_LIMIT_COUNT = 2_147_483_647;

export function parseBody<Schema extends z.ZodType>(
  schema: Schema,
  body: unknown,
  shape: string,
): z.output<Schema> {
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidBody(`The body must be a JSON object: ${shape}.`);
  }
  const parsed = schema.safeParse(body);
  if (parsed.success) return parsed.data;
  const [issue] = parsed.error.issues;
  if (issue === undefined) throw invalidBody(`The body does not match ${shape}.`);
  const path = issue.path.map(String).join(".");
  if (issue.code === "unrecognized_keys") {
    const field = [path, issue.keys[0]].filter((part) => part !== "" && part !== undefined).join(".");
    throw invalidBody(`${field}: unknown field; the body is ${shape}.`, field);
  }
  throw invalidBody(`${path || "body"}: ${issue.message}`, path);
}

export function invalidBody(message: string, param?: string): GatewayError {
  return new GatewayError("invalid_body", message, param === undefined || param === "" ? {} : { param });
}
