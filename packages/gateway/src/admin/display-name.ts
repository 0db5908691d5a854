/**
 * The human name of an org, project or key as admin bodies give it: text of 1 to 200
 * characters after trimming, without control characters (names land in logs, lists and the
 * CLI's tables, where a newline would forge a line).
 */
import { z } from "zod";
import { hasControlCharacter } from "../pipeline/control-characters.js";

export const displayName = z
  .string()
  .trim()
  .min(1, "must not be empty")
  .max(200, "at most 200 characters")
  .refine((value) => !hasControlCharacter(value), "must not contain control characters");
