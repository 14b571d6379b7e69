/**
 * The settings of the statistical tests that are ours to choose, with their defaults and ranges.
 *
 * The significance level α of every decision RMT.md makes "at 0.05" (setting `significance`): the
 * calibrated spacing KS test (§3, §8), the Porter–Thomas Benjamini–Hochberg level and the p̄
 * information/noise boundary (§5), and, scaled, the calibrated bulk-fit KS test. The TW outlier
 * threshold has its own level (`twLevel`).
 */

export const DEFAULT_SIGNIFICANCE = 0.05;
/** Accepted range of α: stricter than 0.001 needs more null replicas than are drawn; looser than 0.2 is no test. */
export const SIGNIFICANCE_RANGE = { min: 0.001, max: 0.2 } as const;

/**
 * Level of the bulk-fit KS test against Marchenko–Pastur [ours]: α/5 (0.01 at the default α). σ is
 * fitted on the same values, so the bulk test is held stricter than the others.
 */
export function bulkMisfitLevel(alpha: number): number {
  return alpha / 5;
}

/** Why α is not acceptable, or undefined when it is. */
export function significanceProblem(alpha: unknown): string | undefined {
  if (typeof alpha !== 'number' || !Number.isFinite(alpha))
    return `must be a number between ${SIGNIFICANCE_RANGE.min} and ${SIGNIFICANCE_RANGE.max}`;
  if (alpha < SIGNIFICANCE_RANGE.min || alpha > SIGNIFICANCE_RANGE.max)
    return `must be between ${SIGNIFICANCE_RANGE.min} and ${SIGNIFICANCE_RANGE.max} (got ${alpha})`;
  return undefined;
}

/** Which singular vectors Porter–Thomas tests (RMT.md §5, setting `vectorsTested`) [ours]. */
export interface VectorsTested {
  /** Every vector when min(N, M) ≤ allUpTo. */
  allUpTo: number;
  /** Otherwise the `top` largest, the `bottom` smallest and `bulk` evenly spaced indices in between. */
  top: number;
  bottom: number;
  bulk: number;
}

export const DEFAULT_VECTORS_TESTED: Readonly<VectorsTested> = {
  allUpTo: 1024,
  top: 100,
  bottom: 20,
  bulk: 100,
};

/** Largest accepted value of each count (a bound on the vectors the engine is asked for). */
export const VECTORS_TESTED_MAX = 1_000_000;

/** Why a `vectorsTested` value is not acceptable ("FIELD must be …", first bad field), or undefined when it is. */
export function vectorsTestedProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return 'must be an object { allUpTo, top, bottom, bulk }';
  const v = value as Record<string, unknown>;
  for (const key of Object.keys(DEFAULT_VECTORS_TESTED) as (keyof VectorsTested)[]) {
    const x = v[key];
    if (typeof x !== 'number' || !Number.isInteger(x) || x < 0 || x > VECTORS_TESTED_MAX)
      return `${key} must be an integer between 0 and ${VECTORS_TESTED_MAX} (got ${String(x)})`;
  }
  return undefined;
}
