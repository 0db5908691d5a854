/**
 * The request path, top to bottom. This is the only place that knows the order of stages.
 */
import { answerAdmin } from "./answer-admin.js";
import { answerDecisions } from "./answer-decisions.js";
import { answerModels } from "./answer-models.js";
import { authenticate } from "./authenticate.js";
import { countTokens } from "./count-tokens.js";
import { decode } from "./decode.js";
import { dispatch } from "./dispatch.js";
import { explain } from "./explain.js";
import { readMetadata } from "./read-metadata.js";
import { recordRequest } from "./record-request.js";
import type { AfterStage, Stage } from "./request-context.js";
import { respond } from "./respond.js";
import { route } from "./route.js";
import { settleUsage } from "./settle-usage.js";

/** Hot path: each stage returns nothing (go on) or a response (short-circuit). */
export const hotPathStages: readonly Stage[] = [
  decode,
  authenticate,
  answerAdmin,
  answerDecisions,
  readMetadata,
  answerModels,
  route,
  explain,
  countTokens,
  dispatch,
  respond,
];

/** After the response is sent, off the hot path. */
export const afterResponseStages: readonly AfterStage[] = [settleUsage, recordRequest];
