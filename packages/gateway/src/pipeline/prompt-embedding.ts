/**
 * The prompt's embedding, computed at most once per request and shared by the semantic cache and
 * the firewall's verdict cache. The embedder is the config's `cache.embedder`: `local` (the
 * built-in lexical embedder, microseconds, no network) or an embedding model reached through the
 * gateway's own dispatch (one call for the prompt and, when asked, every turn).
 */
import { embedText, LOCAL_EMBEDDER_DIMENSIONS } from "../cache/local-embedder.js";
import { semanticView } from "../cache/semantic-request.js";
import { GatewayError } from "../errors/gateway-error.js";
import { canonicalRequest } from "./canonical-request.js";
import { embedInternally } from "./internal-call.js";
import type { PromptEmbedding, RequestContext } from "./request-context.js";

/** How long an embedding model may take; past it the cache is skipped for this request. */
const EMBEDDER_TIMEOUT_MS = 5_000;

export async function promptEmbedding(context: RequestContext, withTurns: boolean): Promise<PromptEmbedding> {
  const known = context.promptEmbedding;
  if (known !== null && (!withTurns || known.turns !== null)) return known;
  const view = semanticView(canonicalRequest(context));
  const turnTexts = withTurns ? view.turns.map((turn) => turn.text) : [];
  const embedder = context.services.config.file.cache?.embedder ?? "local";
  let embedding: PromptEmbedding;
  if (embedder === "local") {
    embedding = {
      vector: known?.vector ?? embedText(view.text, LOCAL_EMBEDDER_DIMENSIONS),
      turns: withTurns ? turnTexts.map((text) => embedText(text, LOCAL_EMBEDDER_DIMENSIONS)) : null,
    };
  } else {
    const inputs = [view.text, ...turnTexts].map((text) => (text === "" ? " " : text));
    const vectors = await embedInternally(
      context,
      { model: embedder, input: inputs },
      { purpose: "cache_embedder", timeoutMs: EMBEDDER_TIMEOUT_MS },
    );
    if (vectors.length !== inputs.length) {
      throw new GatewayError(
        "PROVIDER_ERROR",
        `The embedder '${embedder}' answered ${vectors.length} vectors for ${inputs.length} inputs.`,
        { status: 502 },
      );
    }
    const [first, ...rest] = vectors.map(unit);
    embedding = { vector: first ?? new Float32Array(0), turns: withTurns ? rest : null };
  }
  context.promptEmbedding = embedding;
  return embedding;
}

function unit(values: number[]): Float32Array {
  let norm = 0;
  for (const value of values) norm += value * value;
  norm = Math.sqrt(norm) || 1;
  return Float32Array.from(values, (value) => value / norm);
}
