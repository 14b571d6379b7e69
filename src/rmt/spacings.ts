/**
 * Level spacings of the bulk (RMT.md §3): bulk selection, unfolding, spacing histogram and KS
 * distances against the GOE surmise and Poisson.
 */
import { ksDistanceSorted } from './kolmogorov';
import { goeSpacingCdf, poissonSpacingCdf } from './surmise';
import { spacingsOf, unfold, type UnfoldingOptions } from './unfolding';
import { densityHistogram, type DensityHistogram } from './histogram';

/**
 * The bulk: singular values below the outliers and above the numerical-rank tolerance (exact
 * zeros of a rank-deficient matrix are not levels), sorted ascending.
 */
export function bulkLevels(nuDescending: Float64Array, outliers: number, rankTolerance = 0): Float64Array {
  const bulk: number[] = [];
  for (let i = nuDescending.length - 1; i >= outliers; i--)
    if (nuDescending[i] > rankTolerance) bulk.push(nuDescending[i]);
  return Float64Array.from(bulk);
}

export interface SpacingStatistics {
  /** Unfolded levels and their spacings (sorted by level). */
  unfolded: Float64Array;
  spacings: Float64Array;
  ksGoe: number;
  ksPoisson: number;
}

/** Unfolds the bulk and measures the spacings against the GOE surmise and Poisson. */
export function spacingStatistics(
  bulkAscending: Float64Array,
  unfolding: UnfoldingOptions,
): SpacingStatistics {
  const unfolded = unfold(bulkAscending, unfolding);
  const spacings = spacingsOf(unfolded);
  if (spacings.length === 0) return { unfolded, spacings, ksGoe: NaN, ksPoisson: NaN };
  const sorted = Float64Array.from(spacings).sort();
  return {
    unfolded,
    spacings,
    ksGoe: ksDistanceSorted(sorted, goeSpacingCdf),
    ksPoisson: ksDistanceSorted(sorted, poissonSpacingCdf),
  };
}

/** The plot's histogram: 40 bins on s ∈ [0, 4], as a density over all spacings. */
export function spacingHistogram(spacings: Float64Array): DensityHistogram {
  return densityHistogram(spacings, 40, 0, 4);
}
