/**
 * A request body as JSON: present, nested no deeper than the limit (checked on the bytes, before
 * `JSON.parse`, which has no depth limit), and parseable. Every failure is a 400 saying which.
 */
import { GatewayError } from "../errors/gateway-error.js";
import { jsonDepthExceeds } from "../protocol/shared/json-depth.js";

/** `wireCode` overrides the code on the wire (Floopy's own API answers `invalid_body`). */
export function parseJsonBody(raw: Buffer | undefined, maxDepth: number, wireCode?: string): unknown {
  const fail = (message: string) =>
    new GatewayError("BAD_REQUEST", message, wireCode === undefined ? {} : { wireCode });
  if (raw === undefined || raw.length === 0) {
    throw fail("The request body is empty; expected a JSON object.");
  }
  if (jsonDepthExceeds(raw, maxDepth)) {
    throw fail(`The request body nests JSON deeper than ${maxDepth} levels.`);
  }
  try {
    return JSON.parse(raw.toString("utf8"));
  } catch (error) {
    throw fail(`We could not parse the JSON body of your request. (${(error as Error).message})`);
  }
}
