/**
 * What the `floopy` command prints when it fails: one line naming the setting to change, never a
 * stack trace. The common startup failures — the port taken, the database unreachable, the data
 * directory unusable — are recognised from the error and the settings in force; anything else is
 * its message (the stack with FLOOPY_LOG_LEVEL=debug, for a bug report).
 */
import { resolve, sep } from "node:path";
import { ConfigError } from "../config/config-error.js";
import type { Settings } from "../config/settings.js";
import { UsageError } from "./command-spec.js";

type Where = Pick<Settings, "port" | "host" | "dataDir" | "databaseUrl">;

interface SystemError extends Error {
  code?: unknown;
  syscall?: unknown;
  path?: unknown;
  errors?: unknown;
}

const networkCodes = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNRESET",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
]);

const fileReasons: Record<string, string> = {
  ENOTDIR: "a part of the path is a file, not a directory",
  EEXIST: "it is a file, not a directory",
  EACCES: "permission denied",
  EPERM: "permission denied",
  EROFS: "the file system is read-only",
  ENOSPC: "no space left on the device",
  EISDIR: "a directory is where a file should be",
};

export function describeError(error: unknown, where: Where | undefined, debug: boolean): string {
  if (!(error instanceof Error)) return String(error);
  if (error instanceof ConfigError || error instanceof UsageError) return error.message;
  const failure = error as SystemError;
  const code = typeof failure.code === "string" ? failure.code : undefined;
  if (failure.syscall === "listen" && where !== undefined) {
    const at = `port ${where.port} on ${where.host}`;
    // The port is bound before anything shared is written, so a start that fails here changed nothing.
    if (code === "EADDRINUSE") {
      return `${at} is already in use (EADDRINUSE); stop what is using it, or set FLOOPY_PORT or --port to another port (0 picks a free one); nothing was changed`;
    }
    if (code === "EACCES") {
      return `not allowed to listen on ${at} (EACCES; ports below 1024 need privileges); set FLOOPY_PORT or --port to another port; nothing was changed`;
    }
    if (code === "EADDRNOTAVAIL") {
      return `cannot listen on ${where.host}: no such address on this machine (EADDRNOTAVAIL); set FLOOPY_HOST or --host; nothing was changed`;
    }
  }
  if (where?.databaseUrl !== undefined) {
    const database = describeDatabase(failure, where.databaseUrl);
    if (database !== undefined) return database;
  }
  if (where !== undefined) {
    const dataDir = describeDataDir(failure, where.dataDir);
    if (dataDir !== undefined) return dataDir;
  }
  const message = oneLine(error.message);
  return debug && error.stack
    ? error.stack
    : `${message}${code ? ` (${code})` : ""} (FLOOPY_LOG_LEVEL=debug shows the stack trace)`;
}

function describeDatabase(error: SystemError, url: string): string | undefined {
  const at = `the database at ${redacted(url)}`;
  if (/^database URL/.test(error.message)) return `FLOOPY_DATABASE_URL: ${error.message}`;
  const network = networkFailure(error);
  if (network !== undefined)
    return `cannot reach ${at} (${network}); check FLOOPY_DATABASE_URL and that the database is running`;
  if (/timeout expired|connection timeout|Connection terminated/i.test(error.message)) {
    return `cannot reach ${at} (${oneLine(error.message)}); check FLOOPY_DATABASE_URL and that the database is running`;
  }
  // PostgreSQL's own refusals: SQLSTATE class 28 (authorisation), 3D000 (no such database).
  const code = typeof error.code === "string" ? error.code : "";
  if (/^28/.test(code) || code === "3D000" || code === "42501") {
    return `${at} refused the connection (${oneLine(error.message)}); check FLOOPY_DATABASE_URL`;
  }
  const cause = (error as { cause?: unknown }).cause;
  return cause instanceof Error ? describeDatabase(cause as SystemError, url) : undefined;
}

/** The code of a failed connection, also inside an AggregateError (one attempt per address). */
function networkFailure(error: SystemError): string | undefined {
  if (typeof error.code === "string" && networkCodes.has(error.code)) return error.code;
  if (Array.isArray(error.errors)) {
    for (const inner of error.errors) {
      const code = (inner as SystemError).code;
      if (typeof code === "string" && networkCodes.has(code)) return code;
    }
  }
  return undefined;
}

function describeDataDir(error: SystemError, dataDir: string): string | undefined {
  const code = typeof error.code === "string" ? error.code : "";
  const root = resolve(dataDir);
  const path = typeof error.path === "string" ? resolve(error.path) : undefined;
  const underDataDir =
    path !== undefined &&
    (path === root || path.startsWith(`${root}${sep}`) || root.startsWith(`${path}${sep}`));
  // better-sqlite3 reports the database file it could not open or write without a path.
  const sqlite = /^SQLITE_(CANTOPEN|READONLY|PERM|IOERR|FULL|NOTADB|CORRUPT)/.test(code);
  if (!underDataDir && !sqlite) return undefined;
  const reason = fileReasons[code] ?? oneLine(error.message);
  return `cannot use the data directory "${dataDir}" (${reason}${code && !sqlite ? `, ${code}` : ""}); set FLOOPY_DATA_DIR to a directory floopy can create and write`;
}

/** The URL without user, password or query (which may carry either). */
function redacted(url: string): string {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  } catch {
    return "FLOOPY_DATABASE_URL";
  }
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, "; ");
}
