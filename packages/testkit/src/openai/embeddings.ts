/**
 * `POST /v1/embeddings` of the fake OpenAI: every input shape OpenAI accepts, deterministic
 * unit vectors (8 dimensions unless asked, to keep answers small), float or base64 encoding.
 */
import type { Exchange } from "../exchange.js";
import { isRecord } from "../fake-server.js";
import { estimateTokens } from "../tokens.js";
import { deterministicVector, vectorToBase64 } from "../vectors.js";
import { invalidRequest, invalidType, invalidValue, missingParameter } from "./errors.js";

const DEFAULT_DIMENSIONS = 8;
const MAX_DIMENSIONS = 4096;

export function embeddings(exchange: Exchange): Promise<void> {
  const body = exchange.request.body;
  if (!isRecord(body)) return exchange.error(invalidRequest("The request body must be a JSON object."));
  const { model, input, dimensions = DEFAULT_DIMENSIONS, encoding_format: encoding = "float" } = body;
  if (model === undefined || model === null) return exchange.error(missingParameter("model"));
  if (typeof model !== "string") return exchange.error(invalidType("model", "a string", model));
  if (input === undefined || input === null) return exchange.error(missingParameter("input"));
  const inputs = inputsOf(input);
  if (inputs === undefined) {
    return exchange.error(
      invalidRequest(
        "'$.input' is invalid. Please check the API reference: https://platform.openai.com/docs/api-reference.",
        "input",
      ),
    );
  }
  if (typeof dimensions !== "number" || !Number.isInteger(dimensions)) {
    return exchange.error(invalidType("dimensions", "an integer", dimensions));
  }
  if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
    return exchange.error(invalidValue("dimensions", `expected a value in [1, ${MAX_DIMENSIONS}].`));
  }
  if (encoding !== "float" && encoding !== "base64") {
    return exchange.error(invalidValue("encoding_format", "expected 'float' or 'base64'."));
  }
  let promptTokens = 0;
  const data = inputs.map((item, index) => {
    promptTokens += item.tokens;
    const vector = deterministicVector(item.key, dimensions);
    return {
      object: "embedding",
      index,
      embedding: encoding === "base64" ? vectorToBase64(vector) : Array.from(vector),
    };
  });
  return exchange.json(200, {
    object: "list",
    data,
    model,
    usage: { prompt_tokens: promptTokens, total_tokens: promptTokens },
  });
}

interface EmbeddingInput {
  /** What the vector is derived from. */
  key: string;
  tokens: number;
}

/** string | string[] | number[] | number[][] as items, or undefined when the shape is wrong or empty. */
function inputsOf(input: unknown): EmbeddingInput[] | undefined {
  if (typeof input === "string") return input.length > 0 ? [textInput(input)] : undefined;
  if (!Array.isArray(input) || input.length === 0) return undefined;
  if (input.every((item) => typeof item === "number")) return [tokenInput(input)];
  const items: EmbeddingInput[] = [];
  for (const item of input) {
    if (typeof item === "string" && item.length > 0) items.push(textInput(item));
    else if (Array.isArray(item) && item.length > 0 && item.every((token) => typeof token === "number")) {
      items.push(tokenInput(item));
    } else return undefined;
  }
  return items;
}

function textInput(text: string): EmbeddingInput {
  return { key: `text:${text}`, tokens: estimateTokens(text) };
}

function tokenInput(tokens: unknown[]): EmbeddingInput {
  return { key: `tokens:${tokens.join(",")}`, tokens: tokens.length };
}
