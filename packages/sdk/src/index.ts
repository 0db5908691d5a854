/** `floopy-sdk`: the client, its options, the error classes and the shapes of Floopy's own API. */
export { CursorPage, PagePromise } from "./cursor-page.js";
export {
  FloopyAbortError,
  FloopyAuthError,
  FloopyConflictError,
  FloopyConnectionError,
  FloopyError,
  type FloopyErrorDetails,
  FloopyExportIntegrityError,
  FloopyNotFoundError,
  FloopyPlanError,
  FloopyRateLimitError,
  FloopyServerError,
  FloopyTimeoutError,
  FloopyValidationError,
} from "./errors.js";
export type { ExportTrailer } from "./export-stream.js";
export {
  DEFAULT_BASE_URL,
  DEFAULT_MAX_RETRIES,
  DEFAULT_TIMEOUT_MS,
  Floopy,
  type FloopyClientOptions,
} from "./floopy.js";
export { type FloopyCacheOptions, type FloopyOptions, floopyHeaders } from "./floopy-options.js";
export type { RequestOptions } from "./request-options.js";
export type { Constraints, ConstraintsUpdate } from "./resources/constraints.js";
export type {
  Dataset,
  DatasetCreate,
  DatasetItem,
  DatasetItemCreate,
  DatasetItemInput,
} from "./resources/datasets.js";
export type {
  Decision,
  DecisionAttempt,
  DecisionCandidate,
  DecisionListQuery,
} from "./resources/decisions.js";
export type {
  EvaluationConfig,
  EvaluationCreate,
  EvaluationResult,
  EvaluationRun,
  EvaluationSummary,
  Scorer,
} from "./resources/evaluations.js";
export type {
  Experiment,
  ExperimentCreate,
  ExperimentResults,
  ListQuery,
  VariantResults,
} from "./resources/experiments.js";
export type { DecisionExport, ExportRange } from "./resources/export.js";
export type { FeedbackCreate, FeedbackResult } from "./resources/feedback.js";
export type { Prompt, PromptCreate, PromptVersion, PromptVersionCreate } from "./resources/prompts.js";
export type {
  RequestDetail,
  RequestListQuery,
  RequestRecord,
  RequestUsage,
} from "./resources/requests.js";
export type {
  ExplainBody,
  ExplainCandidate,
  RoutingExplanation,
  RoutingTarget,
} from "./resources/routing.js";
export type { Session, SessionTurn } from "./resources/sessions.js";
export type { UsagePoint, UsageQuery, UsageReport } from "./resources/usage.js";

import { Floopy } from "./floopy.js";
export default Floopy;
