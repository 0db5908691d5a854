/**
 * The own API's cursor pages: `{items, next_cursor, has_more}` on the wire, a `CursorPage` with
 * `{items, nextCursor, hasMore}` here. A page is async-iterable over every item from it onwards
 * (fetching the next pages as it goes), and `list()` answers a `PagePromise`, so both
 * `await client.decisions.list()` (one page) and `for await (const d of client.decisions.list())`
 * (every item) read naturally, as in the `openai` client.
 */
import type { Query } from "./transport.js";
import { fromWire, type WireShape } from "./wire-case.js";

export type PageLoader<T> = (cursor: string | undefined) => Promise<CursorPage<T>>;

export class CursorPage<T> implements AsyncIterable<T> {
  readonly items: T[];
  readonly nextCursor: string | null;
  readonly hasMore: boolean;
  readonly #load: PageLoader<T>;

  constructor(items: T[], nextCursor: string | null, hasMore: boolean, load: PageLoader<T>) {
    this.items = items;
    this.nextCursor = nextCursor;
    this.hasMore = hasMore;
    this.#load = load;
  }

  /**
   * The next page, or null on the last one.
   *
   * @example
   * let page = await client.decisions.list({ limit: 100 });
   * while (page) { handle(page.items); page = await page.nextPage(); }
   */
  async nextPage(): Promise<CursorPage<T> | null> {
    if (!this.hasMore || this.nextCursor === null) return null;
    return this.#load(this.nextCursor);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    let page: CursorPage<T> | null = this;
    while (page) {
      yield* page.items;
      page = await page.nextPage();
    }
  }
}

/** A promise of one page that is also async-iterable over every item across pages. */
export class PagePromise<T> extends Promise<CursorPage<T>> implements AsyncIterable<T> {
  // `then` and `catch` answer plain promises: a derived promise has no pages to iterate.
  static override get [Symbol.species](): PromiseConstructor {
    return Promise;
  }

  static of<T>(load: () => Promise<CursorPage<T>>): PagePromise<T> {
    return new PagePromise<T>((resolve, reject) => {
      load().then(resolve, reject);
    });
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    yield* await this;
  }
}

/** Reads a wire page into a `CursorPage` whose `nextPage` loads with the same `load`. */
export function pageFromWire<T>(body: unknown, itemShape: WireShape, load: PageLoader<T>): CursorPage<T> {
  const wire = (body ?? {}) as { items?: unknown; next_cursor?: unknown; has_more?: unknown };
  const items = Array.isArray(wire.items) ? (fromWire(wire.items, itemShape) as T[]) : [];
  const nextCursor = typeof wire.next_cursor === "string" ? wire.next_cursor : null;
  return new CursorPage(items, nextCursor, wire.has_more === true, load);
}

/** The page query with the cursor set (or left as the caller gave it for the first page). */
export function withCursor(query: Query, cursor: string | undefined): Query {
  return cursor === undefined ? query : { ...query, cursor };
}
