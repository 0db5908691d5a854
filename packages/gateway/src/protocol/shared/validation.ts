/**
 * Small typed checks for request bodies. Each failure is a BAD_REQUEST naming the field, in
 * OpenAI's phrasing, so a caller sees which field is wrong and why.
 */
import { GatewayError } from "../../errors/gateway-error.js";

export type JsonObject = Record<string, unknown>;

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  switch (typeof value) {
    case "string":
      return "a string";
    case "number":
      return Number.isInteger(value) ? "an integer" : "a decimal";
    case "boolean":
      return "a boolean";
    case "object":
      return "an object";
    default:
      return typeof value;
  }
}

export function invalidType(param: string, expected: string, value: unknown): GatewayError {
  return new GatewayError(
    "BAD_REQUEST",
    `Invalid type for '${param}': expected ${expected}, but got ${describe(value)} instead.`,
    { param },
  );
}

export function missingField(param: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `Missing required parameter: '${param}'.`, { param });
}

export function invalidValue(param: string, message: string): GatewayError {
  return new GatewayError("BAD_REQUEST", `Invalid value for '${param}': ${message}`, { param });
}

/** Optional field checks: absent and null pass (vendors accept null for "unset"). */
export function optionalNumber(body: JsonObject, key: string, param = key): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isFinite(value)) throw invalidType(param, "a number", value);
}

export function optionalInteger(body: JsonObject, key: string, param = key, minimum?: number): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (typeof value !== "number" || !Number.isInteger(value)) throw invalidType(param, "an integer", value);
  if (minimum !== undefined && value < minimum) {
    throw invalidValue(param, `expected a value >= ${minimum}, but got ${value} instead.`);
  }
}

export function optionalBoolean(body: JsonObject, key: string, param = key): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (typeof value !== "boolean") throw invalidType(param, "a boolean", value);
}

export function optionalString(body: JsonObject, key: string, param = key): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (typeof value !== "string") throw invalidType(param, "a string", value);
}

export function optionalObject(body: JsonObject, key: string, param = key): void {
  const value = body[key];
  if (value === undefined || value === null) return;
  if (!isObject(value)) throw invalidType(param, "an object", value);
}

export function requiredModel(body: JsonObject): string {
  const model = body.model;
  if (model === undefined || model === null) throw missingField("model");
  if (typeof model !== "string") throw invalidType("model", "a string", model);
  if (model.trim() === "") throw invalidValue("model", "the model name is empty.");
  return model;
}
