/** `GET /v1/export/decisions`: every decision of a range, streamed and verified. */

import { FloopyExportIntegrityError } from "../errors.js";
import { type ExportTrailer, exportRows } from "../export-stream.js";
import type { RequestOptions } from "../request-options.js";
import { fromWire } from "../wire-case.js";
import { DECISION_SHAPE, type Decision } from "./decisions.js";
import { Resource } from "./resource.js";

export interface ExportRange {
  /** Inclusive (RFC 3339 or a Date); default: the beginning. */
  from?: Date | string;
  /** Exclusive (RFC 3339 or a Date); default: now. */
  to?: Date | string;
}

export interface DecisionExport {
  /** The rows, read from the network as the loop asks for them; iterable once. */
  readonly rows: AsyncIterable<Decision>;
  /** The verified trailer, once every row has been read; null until then. */
  readonly trailer: ExportTrailer | null;
}

export class Export extends Resource {
  /**
   * Every decision of the range, verified against the trailer when the last row is read: a cut
   * or altered export, or one the gateway could not finish, throws `FloopyExportIntegrityError`.
   *
   * @example
   * for await (const row of client.export.decisions({ from: "2026-01-01T00:00:00Z", to: new Date() })) {
   *   console.log(row.requestId, row.model);
   * }
   */
  async *decisions(
    range: ExportRange = {},
    options?: RequestOptions,
  ): AsyncGenerator<Decision, void, undefined> {
    const exported = await this.decisionsWithTrailer(range, options);
    yield* exported.rows;
    const trailer = exported.trailer;
    if (trailer && (trailer.truncated || trailer.outcome !== "complete")) {
      throw new FloopyExportIntegrityError(
        `The gateway could not finish the export (${trailer.reason ?? trailer.outcome}); the rows are incomplete.`,
        { code: "export_incomplete" },
      );
    }
  }

  /**
   * The rows and, once they are read, the trailer (`truncated` says whether the gateway finished).
   * Read `trailer` from the answer after the loop: destructuring it earlier keeps the initial null.
   *
   * @example
   * const exported = await client.export.decisionsWithTrailer({ from: "2026-01-01T00:00:00Z" });
   * for await (const row of exported.rows) console.log(row.requestId);
   * console.log(exported.trailer?.rowCount, exported.trailer?.checksumSha256);
   */
  async decisionsWithTrailer(range: ExportRange = {}, options?: RequestOptions): Promise<DecisionExport> {
    const response = await this.transport.stream(
      {
        method: "GET",
        path: "/export/decisions",
        query: { from: range.from, to: range.to },
        headers: { accept: "application/x-ndjson" },
      },
      options,
    );
    let trailer: ExportTrailer | null = null;
    const wireRows = exportRows(response.body, (verified) => {
      trailer = verified;
    });
    async function* rows(): AsyncGenerator<Decision, void, undefined> {
      for await (const row of wireRows) yield fromWire(row, DECISION_SHAPE) as Decision;
    }
    return {
      rows: rows(),
      get trailer() {
        return trailer;
      },
    };
  }
}
