/**
 * Stage: read-metadata. Reads the `floopy-*` request headers (session, user, project, properties,
 * model override, fallbacks) into the context, enforcing the header limits of RELIABILITY.md and
 * the key's project lock. No value may carry a control character. Every header here but
 * `floopy-fallback` (a list) takes one value: Node joins a repeated header into one "a, b" string,
 * so a value with a comma is checked against the raw headers, to say it was sent more than once.
 */
import type { IncomingMessage } from "node:http";
import { GatewayError } from "../errors/gateway-error.js";
import { hasControlCharacter } from "./control-characters.js";
import { emptyMetadata, type RequestContext } from "./request-context.js";

const PROPERTY_PREFIX = "floopy-property-";
const MAX_ID_LENGTH = 256;

export function readMetadata(context: RequestContext): undefined {
  const request = context.response.req as IncomingMessage | undefined;
  // The raw list only when the headers are this request's own (the dry run takes them from a body).
  const headers: Headers = {
    values: context.headers,
    raw: request?.headers === context.headers ? request.rawHeaders : undefined,
  };
  const { maxProperties, maxPropertyValueBytes } = context.services.settings;
  const metadata = emptyMetadata();
  metadata.sessionId = identifier(headers, "floopy-session-id");
  metadata.sessionName = text(headers, "floopy-session-name", maxPropertyValueBytes);
  metadata.sessionPath = text(headers, "floopy-session-path", maxPropertyValueBytes);
  const bodyUser = context.body?.user;
  metadata.userId =
    identifier(headers, "floopy-user-id") ??
    (typeof bodyUser === "string" && bodyUser !== "" ? bodyUser : null);
  metadata.modelOverride = text(headers, "floopy-model-override", MAX_ID_LENGTH);
  metadata.fallbackModels = list(text(headers, "floopy-fallback", 4096, true));
  metadata.routingRule = identifier(headers, "floopy-routing-rule");

  const requestedProject = identifier(headers, "floopy-project-id");
  const lockedProject = context.key?.projectId ?? null;
  if (lockedProject !== null && requestedProject !== null && requestedProject !== lockedProject) {
    throw new GatewayError("FORBIDDEN", `This API key may only be used for project '${lockedProject}'.`, {
      param: "floopy-project-id",
    });
  }
  metadata.projectId = requestedProject ?? lockedProject;

  let count = 0;
  for (const name in headers.values) {
    if (!name.startsWith(PROPERTY_PREFIX)) continue;
    const property = name.slice(PROPERTY_PREFIX.length);
    if (property === "") throw badHeader(name, "the property name is empty");
    if (hasControlCharacter(property))
      throw badHeader(name, "the property name contains a control character");
    if (++count > maxProperties) {
      throw new GatewayError(
        "BAD_REQUEST",
        `Too many floopy-property-* headers: at most ${maxProperties} are allowed.`,
      );
    }
    const value = text(headers, name, maxPropertyValueBytes);
    if (value !== null) metadata.properties[property] = value;
  }
  context.metadata = metadata;
  return undefined;
}

interface Headers {
  values: RequestContext["headers"];
  /** Node's raw name/value list, when the values came off the wire. */
  raw: readonly string[] | undefined;
}

function single(headers: Headers, name: string, isList: boolean): string | null {
  const value = headers.values[name];
  if (value === undefined) return null;
  if (Array.isArray(value) || (!isList && value.includes(",") && sentMoreThanOnce(headers.raw, name))) {
    throw badHeader(name, "it was sent more than once; send it once, with one value");
  }
  return value;
}

function sentMoreThanOnce(raw: readonly string[] | undefined, name: string): boolean {
  if (raw === undefined) return false;
  let seen = 0;
  for (let index = 0; index < raw.length; index += 2) {
    if (raw[index]?.toLowerCase() === name && ++seen > 1) return true;
  }
  return false;
}

function text(headers: Headers, name: string, maxBytes: number, isList = false): string | null {
  const value = single(headers, name, isList);
  if (value === null) return null;
  // Node refuses CR, LF and NUL in headers off the wire, but the dry run takes its headers from a
  // JSON body, and every value here is echoed into records (the model override into Floopy-Model).
  if (hasControlCharacter(value)) {
    throw badHeader(name, "it contains a control character (CR, LF, NUL or another below U+0020)");
  }
  const trimmed = value.trim();
  if (trimmed === "") return null;
  if (Buffer.byteLength(trimmed) > maxBytes) throw badHeader(name, `it is longer than ${maxBytes} bytes`);
  return trimmed;
}

function identifier(headers: Headers, name: string): string | null {
  const value = text(headers, name, MAX_ID_LENGTH);
  if (value === null) return null;
  // Printable ASCII without spaces: ids end up in URLs, filters and exports.
  if (!/^[\x21-\x7e]+$/.test(value)) throw badHeader(name, "it must be printable ASCII without spaces");
  return value;
}

function list(value: string | null): string[] {
  if (value === null) return [];
  return value
    .split(",")
    .map((entry) => entry.trim())
    .filter((entry) => entry !== "");
}

function badHeader(name: string, reason: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `Invalid value for header '${name}': ${reason}.`, { param: name });
}
