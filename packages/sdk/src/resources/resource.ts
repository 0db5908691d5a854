/**
 * What every typed resource shares: the transport, and the two ways of reading a list — one page
 * (`list`) and every item across pages (`iterate`).
 */
import { PagePromise, pageFromWire, withCursor } from "../cursor-page.js";
import type { RequestOptions } from "../request-options.js";
import type { Query, Transport } from "../transport.js";
import type { WireShape } from "../wire-case.js";

export abstract class Resource {
  protected readonly transport: Transport;

  constructor(transport: Transport) {
    this.transport = transport;
  }

  /** One page of `path`, its items read with `itemShape`. */
  protected page<T>(
    path: string,
    query: Query,
    itemShape: WireShape,
    options: RequestOptions | undefined,
  ): PagePromise<T> {
    const load = async (cursor: string | undefined) => {
      const body = await this.transport.json(
        { method: "GET", path, query: withCursor(query, cursor) },
        options,
      );
      return pageFromWire<T>(body, itemShape, load);
    };
    return PagePromise.of(() => load(undefined));
  }

  /** Every item of `path` across pages, fetched one page at a time as the caller reads. */
  protected async *everyItem<T>(
    path: string,
    query: Query,
    itemShape: WireShape,
    options: RequestOptions | undefined,
  ): AsyncGenerator<T, void, undefined> {
    yield* await this.page<T>(path, query, itemShape, options);
  }
}

/** An id as one path segment. */
export function segment(id: string | number): string {
  return encodeURIComponent(String(id));
}
