/**
 * Floopy's own `/v1/…` API, as the route modules of this room declare it. The HTTP server
 * registers these beside the generation routes; none of them is a generation stage.
 */
import type { IngressRoute } from "../pipeline/ingress-route.js";
import { adminLibraryRoutes } from "./admin-library.js";
import { constraintsRoutes } from "./constraints.js";
import { decisionRoutes } from "./decisions.js";
import { evaluationRoutes } from "./evaluations.js";
import { experimentRoutes } from "./experiments.js";
import { explainRoutes } from "./explain.js";
import { exportRoutes } from "./export.js";
import { feedbackRoutes } from "./feedback.js";
import { modelRoutes } from "./models.js";
import { promptRoutes } from "./prompts.js";
import { requestRoutes } from "./requests.js";
import { sessionRoutes } from "./sessions.js";
import { usageRoutes } from "./usage.js";

export const platformRoutes: readonly IngressRoute[] = [
  ...decisionRoutes,
  ...explainRoutes,
  ...exportRoutes,
  ...modelRoutes,
  ...constraintsRoutes,
  ...requestRoutes,
  ...usageRoutes,
  ...sessionRoutes,
  ...feedbackRoutes,
  ...promptRoutes,
  ...experimentRoutes,
  ...evaluationRoutes,
  ...adminLibraryRoutes,
];
