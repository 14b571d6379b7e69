/** Kolmogorov–Smirnov distance and the classical Kolmogorov p-value. */

/** Two-sided KS distance of a sample (sorted ascending in place is not required: a copy is sorted) against a CDF. */
export function ksDistance(sample: ArrayLike<number>, cdf: (x: number) => number): number {
  const sorted = Float64Array.from(sample).sort();
  return ksDistanceSorted(sorted, cdf);
}

/** Same for a sample already sorted ascending. */
export function ksDistanceSorted(sorted: ArrayLike<number>, cdf: (x: number) => number): number {
  const n = sorted.length;
  let d = 0;
  for (let i = 0; i < n; i++) {
    const f = cdf(sorted[i]);
    const above = (i + 1) / n - f;
    const below = f - i / n;
    if (above > d) d = above;
    if (below > d) d = below;
  }
  return d;
}

/**
 * P(D_n ≥ d) for i.i.d. samples, asymptotic Kolmogorov distribution with Stephens' small-sample
 * correction λ = (√n + 0.12 + 0.11/√n)·d: Q(λ) = 2Σ(−1)^{k−1}e^{−2k²λ²}.
 */
export function kolmogorovPValue(d: number, n: number): number {
  if (!(n > 0)) return NaN;
  const sn = Math.sqrt(n);
  const lambda = (sn + 0.12 + 0.11 / sn) * d;
  if (lambda < 0.2) return 1;
  let sum = 0;
  for (let k = 1; k <= 100; k++) {
    const term = Math.exp(-2 * k * k * lambda * lambda);
    sum += (k % 2 === 1 ? 1 : -1) * term;
    if (term < 1e-300 || term < 1e-17 * Math.abs(sum)) break;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** Monte Carlo p-value (1 + #{null ≥ d})/(R + 1): never 0, exact level under the null (nullSorted ascending). */
export function monteCarloPValue(d: number, nullSorted: Float64Array): number {
  const atLeast = nullSorted.length - lowerBound(nullSorted, d);
  return (1 + atLeast) / (nullSorted.length + 1);
}

/**
 * 1 − F̂_null(d) as RMT.md §5 defines it, for `x` = √L·D. Beyond the null's 99th percentile x₉₉ the
 * empirical tail is too coarse (a localised vector would get p = 0 and a single one could never pass
 * Benjamini–Hochberg), so there p = 0.01·exp(−2(x² − x₉₉²)), the Kolmogorov tail shape anchored at
 * x₉₉; that tail decays more slowly than the true one, so the extrapolation is conservative.
 */
export function tailExtrapolatedPValue(x: number, nullSorted: Float64Array): number {
  const r = nullSorted.length;
  const anchorIndex = Math.min(r - 1, Math.floor(0.99 * r));
  const anchor = nullSorted[anchorIndex];
  if (x <= anchor) return (r - lowerBound(nullSorted, x)) / r;
  const anchorP = (r - anchorIndex) / r;
  return anchorP * Math.exp(-2 * (x * x - anchor * anchor));
}

/** The fraction of null statistics at least as large as `d` (nullSorted ascending). */
export function empiricalPValue(d: number, nullSorted: Float64Array): number {
  return (nullSorted.length - lowerBound(nullSorted, d)) / nullSorted.length;
}

function lowerBound(nullSorted: Float64Array, d: number): number {
  let lo = 0;
  let hi = nullSorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nullSorted[mid] < d) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
