/**
 * WeightWatcher-compatible power-law exponent of the eigenvalues λ = ν² (RMT.md §6): continuous
 * power-law MLE α = 1 + n/Σln(λ/λ_min) with λ_min chosen among the eigenvalues to minimise the KS
 * distance (Clauset, Shalizi & Newman 2009: every distinct value but the largest is a candidate).
 */

export interface PowerLawFit {
  alpha: number;
  /** (α − 1)/√n. */
  alphaSigma: number;
  /** α·log10 λ_max. */
  alphaWeighted: number;
  xmin: number;
  /** Number of eigenvalues ≥ λ_min. */
  tailCount: number;
  ks: number;
  /** The matching Hill index on ν, 2(α − 1). */
  hillEquivalent: number;
}

/** `eigenvalues` are λ = ν² (any order); values ≤ 1e-5 are ignored, as in WeightWatcher. */
export function fitPowerLaw(eigenvalues: ArrayLike<number>, threshold = 1e-5): PowerLawFit | null {
  const x = Float64Array.from(eigenvalues)
    .filter((v) => v > threshold)
    .sort();
  const n = x.length;
  if (n < 3) return null;
  // ln x once, and its suffix sums for the MLE at every candidate: the O(n²) KS scan below then
  // needs one exp per term instead of a pow.
  const logX = x.map(Math.log);
  const suffixLog = new Float64Array(n + 1);
  for (let i = n - 1; i >= 0; i--) suffixLog[i] = suffixLog[i + 1] + logX[i];
  let best: { alpha: number; xmin: number; count: number; ks: number } | null = null;
  for (let start = 0; start < n - 1; start++) {
    if (start > 0 && x[start] === x[start - 1]) continue;
    const xmin = x[start];
    if (xmin === x[n - 1]) break;
    const count = n - start;
    const logXmin = logX[start];
    const alpha = 1 + count / (suffixLog[start] - count * logXmin);
    let d = 0;
    for (let i = start; i < n; i++) {
      const model = 1 - Math.exp((1 - alpha) * (logX[i] - logXmin));
      const j = i - start;
      d = Math.max(d, Math.abs((j + 1) / count - model), Math.abs(model - j / count));
    }
    if (best === null || d < best.ks) best = { alpha, xmin, count, ks: d };
  }
  if (best === null) return null;
  return {
    alpha: best.alpha,
    alphaSigma: (best.alpha - 1) / Math.sqrt(best.count),
    alphaWeighted: best.alpha * Math.log10(x[n - 1]),
    xmin: best.xmin,
    tailCount: best.count,
    ks: best.ks,
    hillEquivalent: 2 * (best.alpha - 1),
  };
}
