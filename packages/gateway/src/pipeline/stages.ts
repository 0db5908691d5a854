/**
 * The request path, top to bottom. This is the only place that knows the order of stages.
 * Generation only: Floopy's own API (platform/) and the admin API (admin/) are route modules.
 */
import { authenticate } from "./authenticate.js";
import { cacheLookup } from "./cache-lookup.js";
import { countTokens } from "./count-tokens.js";
import { decode } from "./decode.js";
import { dispatch } from "./dispatch.js";
import { enforceLimits } from "./enforce-limits.js";
import { readMetadata } from "./read-metadata.js";
import { recordRequest } from "./record-request.js";
import type { AfterStage, Stage } from "./request-context.js";
import { respond } from "./respond.js";
import { route } from "./route.js";
import { screenPrompt } from "./screen-prompt.js";
import { keepSessionTurn } from "./session-turn.js";
import { settleLimits } from "./settle-limits.js";
import { settleUsage } from "./settle-usage.js";
import { storeInCache } from "./store-in-cache.js";

/** Hot path: each stage returns nothing (go on) or a response (short-circuit). */
export const hotPathStages: readonly Stage[] = [
  // The server has authenticated the caller from the headers before reading the body; this stage
  // makes the pipeline hold no request without a key, however it got here.
  authenticate,
  decode,
  readMetadata,
  // A session's stream is kept to record its answer; after metadata, which names the session.
  keepSessionTurn,
  route,
  // After route: a spend reservation needs the target's price (routing is in-memory and free).
  enforceLimits,
  // After limits: a hit is a request like any other (it counts against rpm), but spends nothing.
  cacheLookup,
  // After the cache: a hit was screened when it was stored; before dispatch, nothing unscreened leaves.
  screenPrompt,
  countTokens,
  dispatch,
  respond,
];

/** After the response is sent, off the hot path. */
export const afterResponseStages: readonly AfterStage[] = [
  settleUsage,
  storeInCache,
  settleLimits,
  recordRequest,
];
