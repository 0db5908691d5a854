/** The `openai` client sends its key as `Authorization: Bearer …`, on every OpenAI route. */
import type { CallerKeyPresentation } from "../shared/caller-key.js";

export const openaiCallerKey: CallerKeyPresentation = {
  headers: [],
  query: null,
  hint: "Provide your Floopy key in the Authorization header: 'Authorization: Bearer fp_…'.",
};
