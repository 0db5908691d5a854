/**
 * `GET /v1/export/decisions?from=&to=`: every routing decision of the caller's org in
 * [from, to), newest first, streamed as JSON Lines straight from the events store in keyset
 * pages (never the whole range in memory), with backpressure: a page is read only once the
 * caller has taken the previous one. The last line is the trailer of INTERFACE.md: how many rows,
 * how many bytes, and the SHA-256 of every byte before it, so a reader can tell a complete export
 * from a cut one. A caller that disconnects stops the reading at the next page. It is the plan
 * feature `decision_export`.
 */
import { createHash } from "node:crypto";
import { GatewayError } from "../errors/gateway-error.js";
import { authenticate } from "../pipeline/authenticate.js";
import type { IngressRoute } from "../pipeline/ingress-route.js";
import type { RequestContext } from "../pipeline/request-context.js";
import { requireFeature } from "../pipeline/require-feature.js";
import { floopyHeaders } from "../pipeline/response-headers.js";
import { dateParam } from "../protocol/floopy-api/list-pages.js";
import type { RequestLogRecord } from "../store/types.js";
import { decisionObject } from "./decisions.js";

/** Rows read per store query: bounded memory whatever the range. */
export const EXPORT_PAGE_ROWS = 500;

export const exportRoutes: readonly IngressRoute[] = [
  {
    method: "GET",
    url: "/v1/export/decisions",
    protocol: "floopy-api",
    operation: "export_decisions",
    route: "export_decisions",
    bodyLimit: "admin",
    stages: [authenticate, requireExport, exportDecisions],
  },
];

function requireExport(context: RequestContext): undefined {
  requireFeature(context, "decision_export");
  return undefined;
}

interface Trailer {
  truncated: boolean;
  reason: string | null;
  outcome: "complete" | "error";
}

async function exportDecisions(context: RequestContext): Promise<undefined> {
  const orgId = context.key?.orgId;
  if (!orgId) throw new GatewayError("INVALID_API_KEY", "A Floopy key is required.");
  const from = dateParam(context.params, "from") ?? new Date(0);
  const to = dateParam(context.params, "to") ?? new Date(context.receivedAt.getTime() + 1);
  if (from.getTime() >= to.getTime()) {
    throw new GatewayError("invalid_request", "from must be before to.", { param: "from" });
  }
  const { response, services } = context;
  context.status = 200;
  response.writeHead(200, {
    ...floopyHeaders(context),
    "content-type": "application/x-ndjson; charset=utf-8",
    "cache-control": "no-store",
  });
  const hash = createHash("sha256");
  let rows = 0;
  let bytes = 0;
  const write = async (text: string): Promise<void> => {
    if (response.destroyed) throw new Error("the caller went away");
    const chunk = Buffer.from(text);
    hash.update(chunk);
    bytes += chunk.length;
    if (context.firstByteAt === null) context.firstByteAt = performance.now();
    if (!response.write(chunk)) await drained(context);
  };
  let after: { createdAt: Date; id: string } | undefined;
  let ending: Trailer = { truncated: false, reason: null, outcome: "complete" };
  try {
    for (;;) {
      if (context.abort.signal.aborted || response.destroyed) return undefined;
      let page: RequestLogRecord[];
      try {
        page = await services.stores.events.listDecisions({
          orgId,
          from,
          to,
          limit: EXPORT_PAGE_ROWS,
          ...(after ? { after } : {}),
        });
      } catch (error) {
        services.logger.warn(
          { err: error, requestId: context.id },
          "the decision export could not read the events store",
        );
        ending = { truncated: true, reason: "store_error", outcome: "error" };
        break;
      }
      let text = "";
      for (const record of page) text += `${JSON.stringify(decisionObject(record))}\n`;
      if (text !== "") await write(text);
      rows += page.length;
      const last = page.at(-1);
      if (!last || page.length < EXPORT_PAGE_ROWS) break;
      after = { createdAt: last.createdAt, id: last.id };
    }
  } catch {
    // The caller went away while the rows were going out: nothing to end.
    return undefined;
  }
  const trailer = {
    trailer: true,
    rows_emitted: rows,
    truncated: ending.truncated,
    reason: ending.reason,
    _floopy_export_trailer: true,
    outcome: ending.outcome,
    row_count: rows,
    byte_count: bytes,
    checksum_sha256: hash.digest("hex"),
  };
  if (!response.destroyed) response.end(`${JSON.stringify(trailer)}\n`);
  return undefined;
}

/** Resolves once the caller has taken what was written; rejects when it goes away. */
function drained(context: RequestContext): Promise<void> {
  const { response } = context;
  return new Promise((resolve, reject) => {
    // Closed already: neither event comes again.
    if (response.destroyed) {
      reject(new Error("the caller went away"));
      return;
    }
    const done = () => {
      response.off("drain", done);
      response.off("close", gone);
      resolve();
    };
    const gone = () => {
      response.off("drain", done);
      response.off("close", gone);
      reject(new Error("the caller went away"));
    };
    response.on("drain", done);
    response.on("close", gone);
  });
}
