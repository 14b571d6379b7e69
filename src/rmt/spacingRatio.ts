/** Spacing ratio r̃ (RMT.md §3): needs no unfolding. */

export interface SpacingRatioResult {
  /** r̃ₙ = min(sₙ, sₙ₋₁)/max(sₙ, sₙ₋₁), in level order. */
  ratios: Float64Array;
  mean: number;
  /** Sample standard deviation / √n (≈ 0.26/√n for the GOE). */
  standardError: number;
}

/**
 * ⟨r̃⟩ on raw levels sorted ascending (outliers already removed); `trim` of the levels dropped at
 * each end (5 % by default).
 */
export function spacingRatios(levelsAscending: Float64Array, trim = 0.05): SpacingRatioResult {
  const n = levelsAscending.length;
  const cut = Math.floor(trim * n);
  const levels = levelsAscending.subarray(cut, n - cut);
  const ratios: number[] = [];
  for (let i = 1; i + 1 < levels.length; i++) {
    const a = levels[i] - levels[i - 1];
    const b = levels[i + 1] - levels[i];
    const hi = Math.max(a, b);
    if (hi > 0) ratios.push(Math.min(a, b) / hi);
  }
  const count = ratios.length;
  let mean = 0;
  for (const r of ratios) mean += r;
  mean /= count;
  let variance = 0;
  for (const r of ratios) variance += (r - mean) * (r - mean);
  variance /= Math.max(1, count - 1);
  return { ratios: Float64Array.from(ratios), mean, standardError: Math.sqrt(variance / count) };
}
