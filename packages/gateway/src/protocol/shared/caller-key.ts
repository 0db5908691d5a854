/**
 * How a caller presents its Floopy key on a protocol's routes: each SDK sends its key its own
 * way, and each protocol folder says which (its `caller-key.ts`), so authenticate needs no switch
 * on protocols. Pure: headers and query in, the presented key (or null) out.
 */

export interface CallerKeyPresentation {
  /** Headers that carry the key as-is, read after `Authorization: Bearer …` (which every route takes). */
  headers: readonly string[];
  /** A query parameter that carries the key (Gemini's `?key=`), or null. */
  query: string | null;
  /** Where to put the key, for the 401 that says it is missing. */
  hint: string;
}

export function presentedCallerKey(
  presentation: CallerKeyPresentation,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  query: Readonly<Record<string, unknown>> | undefined,
): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === "string") {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match?.[1]) return match[1];
  }
  for (const name of presentation.headers) {
    const value = headers[name];
    if (typeof value === "string" && value.trim() !== "") return value.trim();
  }
  if (presentation.query !== null) {
    const value = query?.[presentation.query];
    if (typeof value === "string" && value !== "") return value;
  }
  return null;
}
