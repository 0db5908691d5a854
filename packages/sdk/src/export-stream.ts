/**
 * Reads a decision export — JSON Lines ending in a trailer — incrementally, one network chunk at
 * a time, never holding the whole export. Every byte before the trailer line is counted and
 * hashed (newlines included) as it passes, and checked against the trailer's `byte_count` and
 * `checksum_sha256` at the end: a cut, padded or altered export throws instead of passing for
 * a complete one.
 */
import { createHash } from "node:crypto";
import { FloopyExportIntegrityError } from "./errors.js";
import { fromWire } from "./wire-case.js";

export interface ExportTrailer {
  rowsEmitted: number;
  truncated: boolean;
  /** Why the export stopped early (`store_error`), or null. */
  reason: string | null;
  rowCount: number;
  byteCount: number;
  checksumSha256: string;
  outcome: "complete" | "error";
}

const NEWLINE = 0x0a;

/**
 * The rows of an export body; `onTrailer` gets the verified trailer once the last row is read.
 * Breaking out of the loop early cancels the body.
 */
export async function* exportRows(
  body: ReadableStream<Uint8Array> | null,
  onTrailer: (trailer: ExportTrailer) => void,
): AsyncGenerator<unknown, void, undefined> {
  if (body === null) throw integrityError("export_trailer_missing", "The export answered no body.");
  const hash = createHash("sha256");
  let bytes = 0;
  let rows = 0;
  let trailer: Record<string, unknown> | undefined;
  let pending = Buffer.alloc(0);

  const take = (line: Buffer): unknown => {
    if (trailer !== undefined) {
      throw integrityError("export_data_after_trailer", "The export has data after its trailer.");
    }
    const parsed = parseLine(line);
    if (isTrailer(parsed)) {
      trailer = parsed;
      return undefined;
    }
    hash.update(line);
    bytes += line.length;
    rows += 1;
    return parsed;
  };

  const reader = body.getReader();
  let finished = false;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      pending = pending.length === 0 ? Buffer.from(value) : Buffer.concat([pending, value]);
      let newline = pending.indexOf(NEWLINE);
      while (newline !== -1) {
        const row = take(pending.subarray(0, newline + 1));
        pending = pending.subarray(newline + 1);
        if (row !== undefined) yield row;
        newline = pending.indexOf(NEWLINE);
      }
    }
    finished = true;
  } finally {
    // Stopped early (a break, an error): tell the server not to send the rest.
    if (!finished) await reader.cancel().catch(() => undefined);
  }
  // A last line without its newline is still a line.
  if (pending.length > 0) {
    const row = take(pending);
    if (row !== undefined) yield row;
  }
  onTrailer(verify(trailer, { bytes, rows, checksum: hash.digest("hex") }));
}

function parseLine(line: Buffer): unknown {
  try {
    return JSON.parse(line.toString("utf8"));
  } catch {
    throw integrityError("export_malformed_line", "The export has a line that is not JSON.");
  }
}

function isTrailer(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const fields = value as Record<string, unknown>;
  return fields._floopy_export_trailer === true || fields.trailer === true;
}

function verify(
  wire: Record<string, unknown> | undefined,
  seen: { bytes: number; rows: number; checksum: string },
): ExportTrailer {
  if (wire === undefined) {
    throw integrityError("export_trailer_missing", "The export ended without its trailer: it was cut.");
  }
  const { _floopy_export_trailer: _marker, trailer: _flag, ...fields } = wire;
  const trailer = fromWire(fields) as ExportTrailer;
  if (trailer.byteCount !== seen.bytes) {
    throw integrityError(
      "export_byte_count_mismatch",
      `The export's trailer counts ${trailer.byteCount} bytes but ${seen.bytes} arrived.`,
    );
  }
  if (trailer.checksumSha256 !== seen.checksum) {
    throw integrityError("export_checksum_mismatch", "The export's SHA-256 does not match its trailer.");
  }
  if (trailer.rowCount !== seen.rows) {
    throw integrityError(
      "export_row_count_mismatch",
      `The export's trailer counts ${trailer.rowCount} rows but ${seen.rows} arrived.`,
    );
  }
  return trailer;
}

function integrityError(code: string, message: string): FloopyExportIntegrityError {
  return new FloopyExportIntegrityError(message, { code });
}
