/**
 * A small value that satisfies a JSON schema, for fakes that must honour structured output the
 * way the real API does (a schema-constrained answer, a forced tool's input). Covers what the
 * tests send: objects with properties, arrays, enums, consts and the scalar types.
 */
import { isRecord } from "./fake-server.js";

export function schemaExample(schema: unknown, text = "Echo"): unknown {
  if (!isRecord(schema)) return {};
  if ("const" in schema) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return schemaExample(alternatives[0], text);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "string":
      return text;
    case "integer":
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 0;
    case "boolean":
      return false;
    case "null":
      return null;
    case "array":
      return typeof schema.minItems === "number" && schema.minItems > 0
        ? Array.from({ length: schema.minItems }, () => schemaExample(schema.items, text))
        : [];
    default: {
      const properties = isRecord(schema.properties) ? schema.properties : {};
      return Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [name, schemaExample(property, text)]),
      );
    }
  }
}
