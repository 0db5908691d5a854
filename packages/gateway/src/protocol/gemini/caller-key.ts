/** `@google/genai` sends its key as `x-goog-api-key`; Google's REST examples put it in `?key=`. */
import type { CallerKeyPresentation } from "../shared/caller-key.js";

export const geminiCallerKey: CallerKeyPresentation = {
  headers: ["x-goog-api-key"],
  query: "key",
  hint: "Provide your Floopy key in the x-goog-api-key header, the key query parameter or 'Authorization: Bearer fp_…'.",
};
