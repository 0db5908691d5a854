/**
 * What a fake server records of a request, and an error before a vendor renders it: the shapes
 * the fakes, their faults and their exchanges share (a leaf, so none of them imports another in
 * a circle).
 */
export interface RecordedRequest {
  method: string;
  /** The URL path without the query string. */
  path: string;
  query: URLSearchParams;
  headers: Record<string, string | string[] | undefined>;
  rawBody: Buffer;
  /** The body parsed as JSON, or undefined when it is empty or not JSON. */
  body: unknown;
  /** Epoch milliseconds when the request arrived. */
  receivedAt: number;
  /** True when the client closed the connection before the response finished. */
  aborted: boolean;
}

/** An error before a vendor renders it; `type` and `code` carry the vendor's own strings. */
export interface WireError {
  status: number;
  message: string;
  type: string;
  param: string | null;
  code: string | null;
}
