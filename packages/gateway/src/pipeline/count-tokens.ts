/**
 * Stage: count tokens (`/v1/messages/count_tokens`, Gemini `:countTokens`). A provider of the
 * caller's own protocol counts with its endpoint (dispatch forwards the request as it came);
 * for any other target Floopy counts locally (see limits/token-count.ts) and answers in the
 * caller's protocol without calling anyone.
 */
import { emptyUsage } from "../canonical/types.js";
import { countPromptTokens } from "../limits/token-count.js";
import { isPassThrough, upstreamProtocolFor } from "../protocol/protocols.js";
import { canonicalRequest } from "./canonical-request.js";
import type { RequestContext, StageResponse } from "./request-context.js";

export async function countTokens(context: RequestContext): Promise<StageResponse | undefined> {
  if (context.operation !== "count_tokens") return undefined;
  // Counting is free: nothing to bill, whichever way it is answered.
  context.usage = { ...emptyUsage };
  const target = context.targets[0];
  if (
    target &&
    isPassThrough(context.protocol, upstreamProtocolFor(context.protocol, target.provider.declaration))
  )
    return undefined;
  const count = await countPromptTokens(target?.model ?? "", canonicalRequest(context));
  context.usageSource = count.source;
  const headers = { "floopy-token-count-source": count.source };
  return context.protocol === "gemini"
    ? { status: 200, body: { totalTokens: count.tokens }, headers }
    : { status: 200, body: { input_tokens: count.tokens }, headers };
}
