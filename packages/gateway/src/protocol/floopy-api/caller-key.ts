/** Floopy's own API (`/v1/decisions`, `/admin/…`, the SDK) takes the key as `Authorization: Bearer …`. */
import type { CallerKeyPresentation } from "../shared/caller-key.js";

export const floopyApiCallerKey: CallerKeyPresentation = {
  headers: [],
  query: null,
  hint: "Provide your key in the Authorization header: 'Authorization: Bearer fp_…'.",
};
