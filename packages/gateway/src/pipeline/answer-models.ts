/**
 * Stage: answer-models. `GET /v1/models` and `GET /v1/models/{id}` are answered from the catalogue
 * of enabled providers, in OpenAI's list/model shape, without any upstream call.
 */
import { GatewayError } from "../errors/gateway-error.js";
import type { CatalogueEntry } from "../providers/model-catalogue.js";
import type { RequestContext, StageResponse } from "./request-context.js";

// A fixed timestamp: the catalogue has no creation dates, and a moving one would look like churn.
const CATALOGUE_CREATED = 1_700_000_000;

export function answerModels(context: RequestContext): StageResponse | undefined {
  if (context.operation === "list_models") {
    return {
      status: 200,
      body: { object: "list", data: context.services.catalogue.list().map(modelObject) },
    };
  }
  if (context.operation === "get_model") {
    const id = context.params.id ?? "";
    const entry = context.services.catalogue.find(id);
    if (!entry) {
      throw new GatewayError(
        "NOT_FOUND",
        `The model '${id}' does not exist or you do not have access to it.`,
        {
          wireCode: "model_not_found",
          param: "model",
        },
      );
    }
    return { status: 200, body: modelObject(entry) };
  }
  return undefined;
}

function modelObject(entry: CatalogueEntry) {
  return { id: entry.id, object: "model", created: CATALOGUE_CREATED, owned_by: entry.provider };
}
