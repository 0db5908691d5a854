/**
 * snake_case on the wire, camelCase in TypeScript, for the field names of the shapes INTERFACE.md
 * defines and nothing else: a value is converted only when its shape says which of its fields are
 * known shapes themselves. User data — `properties`, `defaults`, `inputs`, `metadata`, messages,
 * scorer names — keeps its keys exactly as they were written.
 */

/**
 * Which fields of an object hold known shapes, by wire (snake_case) name. `{}` converts the
 * object's own keys only; a field absent from the shape keeps its value untouched. Arrays apply
 * the shape to each element.
 */
export interface WireShape {
  readonly [field: string]: WireShape;
}

export const FLAT: WireShape = {};

export function snakeToCamel(name: string): string {
  return name.replace(/_([a-z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

export function camelToSnake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

/** A wire value with its known field names in camelCase. */
export function fromWire(value: unknown, shape: WireShape = FLAT): unknown {
  return convert(value, shape, snakeToCamel, (field) => field);
}

/**
 * A TypeScript value with its known field names in snake_case; `shape` is keyed by the wire name,
 * as for `fromWire`. Fields set to `undefined` are left out.
 */
export function toWire(value: unknown, shape: WireShape = FLAT): unknown {
  return convert(value, shape, camelToSnake, camelToSnake);
}

function convert(
  value: unknown,
  shape: WireShape,
  rename: (name: string) => string,
  wireName: (name: string) => string,
): unknown {
  if (Array.isArray(value)) return value.map((element) => convert(element, shape, rename, wireName));
  if (value === null || typeof value !== "object") return value;
  const converted: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    if (field === undefined) continue;
    const nested = shape[wireName(name)];
    converted[rename(name)] = nested === undefined ? field : convert(field, nested, rename, wireName);
  }
  return converted;
}
