/**
 * Whether a store operation failed because the store could not be reached or could not take the
 * write for now (connection refused, reset or timed out; PostgreSQL shutting down or out of
 * connections; SQLite busy or its disk full), rather than because of what was written. Such a
 * failure is worth waiting out: the record queue keeps the batch and writes it once the store
 * is back.
 */
const networkCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EPIPE",
]);

// SQLSTATE class 08 (connection exception), 57P01–57P03 (shutdown, cannot connect now), 53300
// (too many connections), 40001/40P01 would be retried by a caller anyway.
const postgresCodes = /^(08|57P0[123]$|53300$|53100$)/;
const sqliteCodes = /^SQLITE_(BUSY|LOCKED|FULL|IOERR)/;
const messages =
  /Connection terminated|timeout exceeded when trying to connect|Query read timeout|connection timeout|Client has encountered a connection error/i;

export function isStoreUnreachable(error: unknown): boolean {
  for (let current = error, depth = 0; current instanceof Error && depth < 4; depth++) {
    const code = (current as { code?: unknown }).code;
    if (
      typeof code === "string" &&
      (networkCodes.has(code) || postgresCodes.test(code) || sqliteCodes.test(code))
    )
      return true;
    if (messages.test(current.message)) return true;
    const inner = (current as { errors?: unknown }).errors;
    if (Array.isArray(inner) && inner.some((each) => isStoreUnreachable(each))) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}
