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

/** Monte Carlo p-value: the fraction of null statistics at least as large as `d` (nullSorted ascending). */
export function empiricalPValue(d: number, nullSorted: Float64Array): number {
  // First index with null ≥ d, by binary search.
  let lo = 0;
  let hi = nullSorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (nullSorted[mid] < d) lo = mid + 1;
    else hi = mid;
  }
  return (nullSorted.length - lo) / nullSorted.length;
}
