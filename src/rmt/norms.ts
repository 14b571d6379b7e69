/** WeightWatcher-comparable summary numbers of a spectrum (RMT.md §2, last item). */

export interface SpectrumNorms {
  spectralNorm: number;
  frobeniusNorm: number;
  /** log10 ‖W‖²₂ = log10 λ_max of WᵀW, as WeightWatcher's `log_spectral_norm`. */
  logSpectralNorm: number;
  /** log10 ‖W‖²_F, as WeightWatcher's `log_norm`. */
  logFrobeniusNorm: number;
  /** ‖W‖²_F / ‖W‖²₂. */
  stableRank: number;
  /** Numerical rank: ν > ν_max · max(N, M) · ε (numpy's matrix_rank rule). */
  matrixRank: number;
  /** Shannon entropy of p = ν²/Σν², divided by ln(rank) as in WeightWatcher (0 … 1). */
  spectralEntropy: number;
}

/** `nu`: singular values, descending; rows × cols the matrix shape. */
export function spectrumNorms(nu: Float64Array, rows: number, cols: number): SpectrumNorms {
  const top = nu.length > 0 ? nu[0] : 0;
  let sumSquares = 0;
  for (const v of nu) sumSquares += v * v;
  const frobenius = Math.sqrt(sumSquares);
  const tolerance = top * Math.max(rows, cols) * Number.EPSILON;
  let rank = 0;
  for (const v of nu) if (v > tolerance) rank++;
  let entropy = 0;
  if (sumSquares > 0) {
    for (const v of nu) {
      const p = (v * v) / sumSquares;
      if (p > 0) entropy -= p * Math.log(p);
    }
  }
  return {
    spectralNorm: top,
    frobeniusNorm: frobenius,
    logSpectralNorm: Math.log10(top * top),
    logFrobeniusNorm: Math.log10(sumSquares),
    stableRank: top > 0 ? sumSquares / (top * top) : 0,
    matrixRank: rank,
    spectralEntropy: rank > 1 ? entropy / Math.log(rank) : 0,
  };
}
