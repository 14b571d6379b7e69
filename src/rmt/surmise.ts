/** Reference distributions of level spacings and spacing ratios (RMT.md §3). */

/** GOE Wigner surmise P(s) = (π/2)s·e^{−πs²/4}. */
export function goeSpacingPdf(s: number): number {
  return s <= 0 ? 0 : (Math.PI / 2) * s * Math.exp((-Math.PI * s * s) / 4);
}

export function goeSpacingCdf(s: number): number {
  return s <= 0 ? 0 : 1 - Math.exp((-Math.PI * s * s) / 4);
}

/** GUE surmise (32/π²)s²e^{−4s²/π}. */
export function gueSpacingPdf(s: number): number {
  return s <= 0 ? 0 : (32 / (Math.PI * Math.PI)) * s * s * Math.exp((-4 * s * s) / Math.PI);
}

/** Poisson (uncorrelated levels) e^{−s}. */
export function poissonSpacingPdf(s: number): number {
  return s < 0 ? 0 : Math.exp(-s);
}

export function poissonSpacingCdf(s: number): number {
  return s <= 0 ? 0 : 1 - Math.exp(-s);
}

/** Mean spacing ratio ⟨r̃⟩ references: Poisson 2 ln 2 − 1, GOE and GUE large-N values (Atas et al. 2013). */
export const MEAN_RATIO = {
  poisson: 2 * Math.LN2 - 1,
  goe: 0.5307,
  gue: 0.5996,
  goeSurmise: 4 - 2 * Math.sqrt(3),
};

/** Surmise of r̃ ∈ [0, 1]: 2(r+r²)^β / [Z_β(1+r+r²)^{1+3β/2}], Z₁ = 8/27, Z₂ = 4π/(81√3). */
export function ratioSurmisePdf(r: number, beta: 1 | 2): number {
  if (r < 0 || r > 1) return 0;
  const z = beta === 1 ? 8 / 27 : (4 * Math.PI) / (81 * Math.sqrt(3));
  return (2 * Math.pow(r + r * r, beta)) / (z * Math.pow(1 + r + r * r, 1 + 1.5 * beta));
}

/** Poisson P(r̃) = 2/(1+r̃)² on [0, 1]. */
export function poissonRatioPdf(r: number): number {
  return r < 0 || r > 1 ? 0 : 2 / ((1 + r) * (1 + r));
}
