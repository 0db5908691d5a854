/**
 * An experiment's winner, only when the data says so (docs/experiments.md names the test): a
 * two-sided two-proportion z-test on the variants' success rates (pooled standard error) at
 * α = 0.05, with at least MIN_SAMPLES requests per variant. Significant: the higher success rate
 * wins. Not significant, but the 95 % confidence interval of the difference lies within
 * ±EQUIVALENCE of zero: `tie` (the variants are as good as each other). Otherwise `null`: not
 * enough evidence either way yet. Pure.
 */

export const MIN_SAMPLES = 30;
/** Success rates closer than this are the same for practical purposes. */
export const EQUIVALENCE = 0.02;
const Z_95 = 1.959963984540054;

export interface VariantSample {
  requests: number;
  successes: number;
}

export interface ExperimentVerdict {
  winner: "A" | "B" | "tie" | null;
  /** The z statistic (B minus A), or null when it is undefined (no variance, too few samples). */
  z: number | null;
  pValue: number | null;
}

export function experimentVerdict(a: VariantSample, b: VariantSample): ExperimentVerdict {
  if (a.requests < MIN_SAMPLES || b.requests < MIN_SAMPLES) return { winner: null, z: null, pValue: null };
  const rateA = a.successes / a.requests;
  const rateB = b.successes / b.requests;
  const pooled = (a.successes + b.successes) / (a.requests + b.requests);
  const pooledError = Math.sqrt(pooled * (1 - pooled) * (1 / a.requests + 1 / b.requests));
  const z = pooledError === 0 ? null : (rateB - rateA) / pooledError;
  const pValue = z === null ? null : 2 * (1 - normalCdf(Math.abs(z)));
  if (pValue !== null && pValue < 0.05) return { winner: rateB > rateA ? "B" : "A", z, pValue };
  const error = Math.sqrt((rateA * (1 - rateA)) / a.requests + (rateB * (1 - rateB)) / b.requests);
  const difference = rateB - rateA;
  const equivalent = Math.abs(difference) + Z_95 * error <= EQUIVALENCE;
  return { winner: equivalent ? "tie" : null, z, pValue };
}

/** Standard normal CDF (Abramowitz–Stegun 7.1.26 through erf; error below 1.5e-7). */
export function normalCdf(x: number): number {
  const t = 1 / (1 + 0.3275911 * (Math.abs(x) / Math.SQRT2));
  const poly =
    t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  const erf = 1 - poly * Math.exp(-(x * x) / 2);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}
