/**
 * How an evaluation scores an answer (INTERFACE.md "Evaluations"): `exact` (the answer, trimmed,
 * equals the expected text), `contains` (the expected text is a case-sensitive substring),
 * `json_valid` (the answer parses as JSON), `regex:<pattern>` (the pattern matches), each 1 or 0,
 * and `judge`, the judge model's 0–10 grade mapped to 0–1 (asked in evaluation-runner.ts, parsed
 * here). A scorer that needs an expected value scores null for an item without one; an item's
 * score is the mean of its non-null scores. Pure.
 */

export type ScorerName = "exact" | "contains" | "json_valid" | "judge" | `regex:${string}`;

/** Regex patterns are the caller's; kept short, and matched against bounded answers only. */
export const MAX_PATTERN_LENGTH = 500;
/** The most of an answer a pattern is matched against. */
export const MAX_MATCHED_CHARACTERS = 100_000;

export function checkScorer(name: string): string | null {
  if (name === "exact" || name === "contains" || name === "json_valid" || name === "judge") return null;
  if (!name.startsWith("regex:"))
    return `unknown scorer '${name}' (exact, contains, json_valid, regex:<pattern>, judge)`;
  const pattern = name.slice("regex:".length);
  if (pattern.length === 0 || pattern.length > MAX_PATTERN_LENGTH) {
    return `a regex scorer's pattern is 1 to ${MAX_PATTERN_LENGTH} characters`;
  }
  try {
    new RegExp(pattern, "u");
    return null;
  } catch (error) {
    return `'${pattern}' is not a valid regular expression: ${(error as Error).message}`;
  }
}

/** The score of one local scorer (not `judge`), or null when it cannot score this item. */
export function localScore(scorer: ScorerName, output: string, expected: unknown): number | null {
  if (scorer === "json_valid") {
    try {
      JSON.parse(output);
      return 1;
    } catch {
      return 0;
    }
  }
  if (scorer.startsWith("regex:")) {
    return new RegExp(scorer.slice("regex:".length), "u").test(output.slice(0, MAX_MATCHED_CHARACTERS))
      ? 1
      : 0;
  }
  const wanted = expectedText(expected);
  if (wanted === null) return null;
  if (scorer === "exact") return output.trim() === wanted.trim() ? 1 : 0;
  if (scorer === "contains") return output.includes(wanted) ? 1 : 0;
  return null;
}

/** The judge's grade: the first number in its answer, 0–10, as 0–1; null when it gave none. */
export function judgeScore(answer: string): number | null {
  const match = /-?\d+(?:\.\d+)?/.exec(answer);
  if (match === null) return null;
  const grade = Number(match[0]);
  if (!Number.isFinite(grade) || grade < 0 || grade > 10) return null;
  return grade / 10;
}

export function judgePrompt(input: string, output: string, expected: unknown): string {
  const reference = expectedText(expected);
  return [
    "You grade an AI assistant's answer. Reply with one integer from 0 (useless or wrong) to 10 (perfect), and nothing else.",
    "",
    "## The request",
    input,
    "",
    ...(reference === null ? [] : ["## A reference answer", reference, ""]),
    "## The answer to grade",
    output,
  ].join("\n");
}

/** The mean of the scores that are not null, or null when all are. */
export function itemScore(scores: ReadonlyArray<number | null>): number | null {
  const known = scores.filter((score): score is number => score !== null);
  return known.length === 0 ? null : known.reduce((sum, score) => sum + score, 0) / known.length;
}

function expectedText(expected: unknown): string | null {
  if (expected === null || expected === undefined) return null;
  return typeof expected === "string" ? expected : JSON.stringify(expected);
}
