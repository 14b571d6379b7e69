/** Hill estimator of the tail index of the singular values, Hill plot and plateau rule (RMT.md §6). */

export interface HillPlot {
  k: number[];
  alpha: number[];
  /** Standard error α̂_k/√k. */
  standardError: number[];
}

/**
 * α̂_k = 1/H_k, H_k = (1/k)Σᵢ₌₁ᵏ ln(X₍ᵢ₎/X₍ₖ₊₁₎), for k = 2 … min(n/2, kMax), X descending and positive.
 */
export function hillPlot(descending: Float64Array, kMax = 300): HillPlot {
  const positive = descending.filter((x) => x > 0);
  const last = Math.min(Math.floor(positive.length / 2), kMax);
  const plot: HillPlot = { k: [], alpha: [], standardError: [] };
  let sumLog = 0;
  for (let k = 1; k <= last; k++) {
    sumLog += Math.log(positive[k - 1]);
    if (k < 2) continue;
    const h = sumLog / k - Math.log(positive[k]);
    const alpha = h > 0 ? 1 / h : Infinity;
    plot.k.push(k);
    plot.alpha.push(alpha);
    plot.standardError.push(alpha / Math.sqrt(k));
  }
  return plot;
}

export interface HillPlateau {
  k0: number;
  /** Mean α̂ over k ∈ [k0, 2k0]. */
  alpha: number;
  /** (max − min)/mean of α̂ over the window. */
  spread: number;
}

/**
 * Plateau rule [ours]: the window k ∈ [k₀, 2k₀], k₀ ≥ 10, with the smallest relative spread
 * (max − min)/mean of α̂; a plateau when that spread is < 10 %.
 */
export function hillPlateau(
  plot: HillPlot,
  maxSpread = 0.1,
  minK0 = 10,
): { best: HillPlateau | null; plateau: boolean } {
  let best: HillPlateau | null = null;
  const byK = new Map(plot.k.map((k, i) => [k, plot.alpha[i]]));
  const kLast = plot.k.length > 0 ? plot.k[plot.k.length - 1] : 0;
  for (let k0 = minK0; 2 * k0 <= kLast; k0++) {
    let lo = Infinity;
    let hi = -Infinity;
    let sum = 0;
    for (let k = k0; k <= 2 * k0; k++) {
      const a = byK.get(k) ?? NaN;
      lo = Math.min(lo, a);
      hi = Math.max(hi, a);
      sum += a;
    }
    const mean = sum / (k0 + 1);
    const spread = (hi - lo) / mean;
    if (Number.isFinite(spread) && (best === null || spread < best.spread))
      best = { k0, alpha: mean, spread };
  }
  return { best, plateau: best !== null && best.spread < maxSpread };
}
