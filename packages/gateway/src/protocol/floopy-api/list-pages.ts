/**
 * Paging for Floopy's own list endpoints (INTERFACE.md: `?limit=&cursor=` →
 * `{items, next_cursor, has_more}`). A cursor is `<payload>.<signature>`: opaque to callers, and a
 * tampered one is refused rather than obeyed.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import { GatewayError } from "../../errors/gateway-error.js";

export function encodeCursor(position: unknown, secret: Buffer): string {
  const payload = Buffer.from(JSON.stringify(position)).toString("base64url");
  return `${payload}.${sign(payload, secret)}`;
}

/** The position a cursor of ours carries; anything else is a 400 naming `cursor`. */
export function decodeCursor(cursor: string, secret: Buffer): unknown {
  const [payload = "", signature = ""] = cursor.split(".");
  const expected = Buffer.from(sign(payload, secret));
  const given = Buffer.from(signature);
  if (given.length === expected.length && timingSafeEqual(given, expected)) {
    try {
      return JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
    } catch {
      // fall through to the error below
    }
  }
  throw invalidCursor();
}

export function invalidCursor(): GatewayError {
  return new GatewayError("invalid_request", "cursor is not one this API returned.", {
    param: "cursor",
  });
}

/** `?limit=`: an integer from 1 to `max`, `fallback` when absent. */
export function pageLimit(value: string | undefined, fallback: number, max: number): number {
  if (value === undefined) return fallback;
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new GatewayError("invalid_request", `limit must be an integer from 1 to ${max}.`, {
      param: "limit",
    });
  }
  return limit;
}

function sign(payload: string, secret: Buffer): string {
  return createHmac("sha256", secret).update(payload).digest("base64url");
}

/** A `from`/`to` query parameter: an RFC 3339 date-time, or undefined when absent; else a 400 naming it. */
export function dateParam(params: Readonly<Record<string, string>>, name: string): Date | undefined {
  const value = params[name];
  if (value === undefined || value === "") return undefined;
  const date = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}/.test(value) || Number.isNaN(date.getTime())) {
    throw new GatewayError("invalid_request", `${name} must be an RFC 3339 date-time.`, { param: name });
  }
  return date;
}

/** The position of a newest-first list's cursor: the last record's time and id. */
export function keysetCursor(cursor: string, secret: Buffer): { createdAt: Date; id: string } {
  const position = decodeCursor(cursor, secret);
  const [time, id] = Array.isArray(position) ? (position as unknown[]) : [];
  if (typeof time !== "number" || typeof id !== "string") throw invalidCursor();
  return { createdAt: new Date(time), id };
}
