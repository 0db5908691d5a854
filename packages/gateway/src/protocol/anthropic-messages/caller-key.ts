/** `@anthropic-ai/sdk` sends its key as `x-api-key` (its `authToken` as `Authorization: Bearer`). */
import type { CallerKeyPresentation } from "../shared/caller-key.js";

export const anthropicCallerKey: CallerKeyPresentation = {
  headers: ["x-api-key"],
  query: null,
  hint: "Provide your Floopy key in the x-api-key header (or 'Authorization: Bearer fp_…').",
};
