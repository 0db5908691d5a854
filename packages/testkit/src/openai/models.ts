/**
 * `GET /v1/models` and `GET /v1/models/{id}` of the fake OpenAI, from the fake's model list.
 */
import type { Exchange } from "../exchange.js";
import { modelNotFound } from "./errors.js";

// A fixed creation time keeps answers deterministic.
const CREATED = 1_700_000_000;

function modelObject(id: string) {
  return { id, object: "model", created: CREATED, owned_by: "testkit" };
}

export function listModels(exchange: Exchange, models: readonly string[]): Promise<void> {
  return exchange.json(200, { object: "list", data: models.map(modelObject) });
}

export function retrieveModel(exchange: Exchange, models: readonly string[], id: string): Promise<void> {
  if (!models.includes(id)) return exchange.error(modelNotFound(id));
  return exchange.json(200, modelObject(id));
}
