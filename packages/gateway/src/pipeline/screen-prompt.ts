/**
 * Stage: screen-prompt, the LLM firewall. For a request the config or
 * `floopy-llm-security-enabled` puts under it: first the local tier (prompt-injection and
 * jailbreak patterns, credentials and private keys, optional PII to block or redact:
 * microseconds, no network), then — when a safety model is configured — the verdict cache (an
 * unsafe prompt near one already judged unsafe is blocked without asking again, found by the same
 * embedding the semantic cache uses) and the safety model itself through the gateway's own
 * dispatch. A block is `400 PROMPT_THREAT_DETECTED` naming the category, before anything reaches a
 * provider; the verdict is recorded in the decision. `firewall.on_error` says what a safety model
 * that fails or answers nonsense means. The dry run (`/v1/routing/explain`) screens with the
 * local tier and the verdict cache only: it calls no provider.
 */

import { lshBuckets } from "../cache/lsh.js";
import { cosine } from "../cache/similarity.js";
import { decodeVector, encodeVector } from "../cache/vector-codec.js";
import type { GenerateRequest } from "../canonical/types.js";
import { GatewayError } from "../errors/gateway-error.js";
import { type FirewallPolicy, firewallPolicy } from "../firewall/firewall-policy.js";
import { parseGuardVerdict } from "../firewall/guard-verdict.js";
import { redactPii, screenText } from "../firewall/local-screen.js";
import { promptText } from "../firewall/prompt-text.js";
import { isGenerationProtocol } from "../protocol/protocols.js";
import { isObject, type JsonObject } from "../protocol/shared/validation.js";
import { canonicalRequest } from "./canonical-request.js";
import { generateInternally } from "./internal-call.js";
import { promptEmbedding } from "./prompt-embedding.js";
import type { FirewallOutcome, RequestContext } from "./request-context.js";
import { requireFeature } from "./require-feature.js";

const SCREENED = new Set(["generate", "stream_generate", "explain"]);
/** How long an unsafe verdict is remembered. */
const VERDICT_TTL_MS = 7 * 24 * 3600 * 1000;
const VERDICTS_PER_BUCKET = 64;

export async function screenPrompt(context: RequestContext): Promise<undefined> {
  const { key, services } = context;
  if (key === null || !isGenerationProtocol(context.protocol) || !SCREENED.has(context.operation)) {
    return undefined;
  }
  const policy = firewallPolicy(context.headers, services.config.file.firewall, {
    orgId: key.orgId,
    keyName: key.name,
    rule: context.rule?.name ?? null,
    model: services.settings.firewallModel,
  });
  if (policy === null) return undefined;
  // The firewall is the plan feature `firewall` for a caller that asks for it; one the config
  // enables for the org, key or rule is the operator's and always runs.
  if (policy.askedByHeader) requireFeature(context, "firewall");
  const dryRun = context.operation === "explain";
  const local = screenText(promptText(canonicalRequest(context)), { pii: policy.pii });
  if (local.action === "block") {
    return decide(context, {
      decision: "block_input",
      tier: "local",
      category: local.category,
      detail: local.detail,
    });
  }
  let decision: FirewallOutcome["decision"] = "allow";
  if (local.action === "redact") {
    redactBody(context);
    decision = "redact";
  }
  if (policy.model === null)
    return decide(context, { decision, tier: "local", category: null, detail: null });
  const remembered = await rememberedVerdict(context, policy);
  if (remembered !== null) {
    return decide(context, {
      decision: "block_input",
      tier: "verdict_cache",
      category: remembered,
      detail: null,
    });
  }
  if (dryRun) return decide(context, { decision, tier: "local", category: null, detail: null });
  const verdict = await askSafetyModel(context, policy);
  if (verdict === null) {
    return decide(
      context,
      policy.onError === "block"
        ? { decision: "block_input", tier: "on_error", category: "safety_model_unavailable", detail: null }
        : { decision, tier: "on_error", category: null, detail: "the safety model failed; on_error: allow" },
    );
  }
  if (verdict.safe) return decide(context, { decision, tier: "model", category: null, detail: null });
  const category =
    verdict.categories.map((entry) => (entry.name ? `${entry.code} ${entry.name}` : entry.code)).join(", ") ||
    "unsafe";
  await rememberVerdict(context, category);
  return decide(context, { decision: "block_input", tier: "model", category, detail: null });
}

function decide(context: RequestContext, outcome: FirewallOutcome): undefined {
  context.firewall = outcome;
  context.services.metrics.firewallVerdicts.inc({ decision: outcome.decision, tier: outcome.tier ?? "none" });
  if (outcome.decision !== "block_input" || context.operation === "explain") return undefined;
  const detail = outcome.detail ? ` (${outcome.detail})` : "";
  throw new GatewayError(
    "PROMPT_THREAT_DETECTED",
    `The prompt was blocked by the firewall: ${outcome.category ?? "unsafe"}${detail}.`,
    { param: "messages" },
  );
}

/** The verdict of a prompt near this one that the safety model already judged unsafe. */
async function rememberedVerdict(context: RequestContext, policy: FirewallPolicy): Promise<string | null> {
  const { services } = context;
  try {
    const { vector } = await promptEmbedding(context, false);
    const keys = verdictKeys(context, vector);
    const buckets = await services.sharedState.lists.read(keys, context.services.clock());
    let best: { category: string; similarity: number } | null = null;
    for (const items of buckets) {
      for (const item of items) {
        const entry = decodeVerdict(item);
        const stored = entry ? decodeVector(entry.vector) : null;
        if (!entry || !stored) continue;
        const similarity = cosine(vector, stored);
        if (similarity >= policy.verdictCacheThreshold && (best === null || similarity > best.similarity)) {
          best = { category: entry.category, similarity };
        }
      }
    }
    return best?.category ?? null;
  } catch (error) {
    services.logger.warn(
      { err: error, requestId: context.id },
      "the firewall's verdict cache failed; the safety model decides",
    );
    return null;
  }
}

async function rememberVerdict(context: RequestContext, category: string): Promise<void> {
  const { services } = context;
  try {
    const { vector } = await promptEmbedding(context, false);
    const item = JSON.stringify({ vector: encodeVector(vector), category });
    const nowMs = context.services.clock();
    const keep = { ttlMs: VERDICT_TTL_MS, maxItems: VERDICTS_PER_BUCKET };
    await Promise.all(
      verdictKeys(context, vector).map((key) => services.sharedState.lists.append(key, item, keep, nowMs)),
    );
  } catch (error) {
    services.logger.warn({ err: error, requestId: context.id }, "the firewall could not remember a verdict");
  }
}

/** Verdicts are the org's own: one org's unsafe prompts never block another's. */
function verdictKeys(context: RequestContext, vector: Float32Array): string[] {
  const org = context.key?.orgId ?? "";
  return lshBuckets(vector).map((bucket) => `f:${org}:${bucket}`);
}

function decodeVerdict(item: string): { vector: string; category: string } | null {
  try {
    const parsed = JSON.parse(item) as { vector?: unknown; category?: unknown } | null;
    return typeof parsed?.vector === "string" && typeof parsed.category === "string"
      ? { vector: parsed.vector, category: parsed.category }
      : null;
  } catch {
    return null;
  }
}

/** The safety model's verdict, or null when it failed or answered in no format it could mean. */
async function askSafetyModel(
  context: RequestContext,
  policy: FirewallPolicy,
): Promise<ReturnType<typeof parseGuardVerdict>> {
  const { services } = context;
  try {
    const answer = await generateInternally(
      context,
      {
        model: policy.model ?? "",
        messages: guardMessages(canonicalRequest(context)),
        max_tokens: 32,
        temperature: 0,
      },
      { purpose: "firewall", timeoutMs: policy.timeoutMs },
    );
    const text = (answer.choices[0]?.content ?? [])
      .map((part) => (part.type === "text" ? part.text : ""))
      .join("");
    const verdict = parseGuardVerdict(text);
    if (verdict === null) {
      services.logger.warn(
        { requestId: context.id, model: policy.model },
        "the safety model answered in no format the firewall reads",
      );
    }
    return verdict;
  } catch (error) {
    if (context.abort.signal.aborted) throw error;
    services.logger.warn(
      { err: error, requestId: context.id, model: policy.model },
      "the safety model failed",
    );
    return null;
  }
}

/**
 * The conversation as a Llama Guard–style model takes it: user and assistant turns of text (the
 * system prompt and tool results read as user text, since the model knows only those two roles),
 * ending with the turn to judge.
 */
function guardMessages(request: GenerateRequest): JsonObject[] {
  const messages: JsonObject[] = [];
  const push = (role: "user" | "assistant", text: string) => {
    if (text.trim() === "") return;
    const last = messages.at(-1);
    if (last && last.role === role) last.content = `${String(last.content)}\n\n${text}`;
    else messages.push({ role, content: text });
  };
  push("user", request.system.map((part) => part.text).join("\n"));
  for (const message of request.messages) {
    const text = message.content
      .map((part) => {
        if (part.type === "text") return part.text;
        if (part.type === "tool-result") {
          return typeof part.content === "string"
            ? part.content
            : part.content.map((inner) => (inner.type === "text" ? inner.text : "")).join("\n");
        }
        return "";
      })
      .join("\n");
    push(message.role === "assistant" ? "assistant" : "user", text);
  }
  if (messages.length === 0) messages.push({ role: "user", content: " " });
  return messages;
}

/** Keys whose string values are never prose: ids, names, media and the model. */
const NOT_PROSE = new Set([
  "model",
  "role",
  "type",
  "id",
  "tool_call_id",
  "name",
  "url",
  "data",
  "image_url",
  "inline_data",
  "inlineData",
  "file_data",
  "fileData",
  "source",
  "mime_type",
  "mimeType",
  "media_type",
]);

/**
 * Replaces PII in every prose string of the body, whatever the caller's protocol; the caller's
 * bytes are dropped so pass-through sends the redacted body, and the canonical form is rebuilt.
 */
function redactBody(context: RequestContext): void {
  const body = context.body;
  if (!body) return;
  const walk = (value: unknown): unknown => {
    if (typeof value === "string") return redactPii(value).text;
    if (Array.isArray(value)) return value.map(walk);
    if (isObject(value)) {
      const out: JsonObject = {};
      for (const [name, inner] of Object.entries(value))
        out[name] = NOT_PROSE.has(name) ? inner : walk(inner);
      return out;
    }
    return value;
  };
  const redacted = walk(body) as JsonObject;
  for (const name of Object.keys(body)) delete body[name];
  Object.assign(body, redacted);
  context.rawBody = undefined;
  context.canonical = null;
}
