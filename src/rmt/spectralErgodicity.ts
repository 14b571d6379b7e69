/**
 * Spectral ergodicity, periodic spectral ergodicity (PSE) and its cascade cPSE (RMT.md §9),
 * compatible with bristol 0.2.14 `cpse_measure_vanilla`.
 */

const BINS = 10;

/**
 * numpy's `histogram(values, bins=10)` counts over [min, max] of `values[from, to)`:
 * equal bins with edges lo + k·step (last edge = hi), half-open except the last bin;
 * [min − 0.5, max + 0.5] when every value is the same.
 */
export function histogram10(values: Float64Array, from = 0, to = values.length): Float64Array {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < to; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  const step = (hi - lo) / BINS;
  const edges = new Float64Array(BINS + 1);
  for (let k = 0; k < BINS; k++) edges[k] = k * step + lo;
  edges[BINS] = hi;
  const counts = new Float64Array(BINS);
  const scale = BINS / (hi - lo);
  for (let i = from; i < to; i++) {
    const v = values[i];
    let k = Math.min(BINS - 1, Math.floor((v - lo) * scale));
    if (v < edges[k]) k--;
    else if (k < BINS - 1 && v >= edges[k + 1]) k++;
    counts[k]++;
  }
  return counts;
}

/**
 * Ω of an ensemble of `blocks` blocks of `n` values each (flat, block i = c[i·n, (i+1)·n)):
 * Ωₖ = (1/(M·N)) Σᵢ (hᵢ[k] − H[k]/M)², H over all values, hᵢ over block i's own range.
 */
export function spectralErgodicity(c: Float64Array, n: number): Float64Array {
  const blocks = c.length / n;
  if (!Number.isInteger(blocks) || blocks < 1) throw new Error('ensemble length must be a multiple of n');
  const total = histogram10(c);
  const omega = new Float64Array(BINS);
  for (let i = 0; i < blocks; i++) {
    const h = histogram10(c, i * n, (i + 1) * n);
    for (let k = 0; k < BINS; k++) {
      const d = h[k] - total[k] / blocks;
      omega[k] += d * d;
    }
  }
  for (let k = 0; k < BINS; k++) omega[k] /= blocks * n;
  return omega;
}

/** Symmetric KL distance D(P, Q) = Σ (P−Q)·log₂((P+s)/(Q+s)), s = 1e-9 (P, Q not normalised). */
export function symmetricKl(p: ArrayLike<number>, q: ArrayLike<number>, s = 1e-9): number {
  let d = 0;
  for (let k = 0; k < p.length; k++) d += (p[k] - q[k]) * Math.log2((p[k] + s) / (q[k] + s));
  return d;
}

/** The eigenvalues cPSE uses for one layer: νᵢ^power (power 2 = eigenvalues of W·Wᵀ), padded with zeros to `rows`, descending. */
export function cpseEigenvalues(singularValues: Float64Array, rows: number, power: 2 | 4): Float64Array {
  const out = new Float64Array(rows);
  const sorted = Float64Array.from(singularValues, Math.abs).sort().reverse();
  const count = Math.min(rows, sorted.length);
  for (let i = 0; i < count; i++) {
    const s2 = sorted[i] * sorted[i];
    out[i] = power === 2 ? s2 : s2 * s2;
  }
  return out;
}

/** Periodic padding pⱼ[i] = λⱼ[i mod nⱼ] for i < nMax. */
export function periodicPad(values: Float64Array, nMax: number): Float64Array {
  const out = new Float64Array(nMax);
  for (let i = 0; i < nMax; i++) out[i] = values[i % values.length];
  return out;
}

export interface CpseResult {
  /** D_l for l = 1 … L−2 (length max(0, L−2)). */
  dLayers: number[];
  /** Mean of log10 D_l: NaN with no values, −∞ when some D_l = 0. */
  cpse: number;
  /** Ω(X_l) for l = 1 … L−1, for plots and debugging. */
  omegas: Float64Array[];
}

/** cPSE cascade over the layers' eigenvalue lists, in model order. */
export function cascadingPse(spectra: Float64Array[]): CpseResult {
  const layers = spectra.length;
  if (layers <= 2) return { dLayers: [], cpse: NaN, omegas: [] };
  const nMax = Math.max(...spectra.map((s) => s.length));
  const padded = spectra.map((s) => periodicPad(s, nMax));
  const ensemble = new Float64Array(nMax * (layers - 1));
  const omegas: Float64Array[] = [];
  for (let l = 1; l <= layers - 1; l++) {
    ensemble.set(padded[l - 1], (l - 1) * nMax);
    omegas.push(spectralErgodicity(ensemble.subarray(0, l * nMax), nMax));
  }
  const dLayers: number[] = [];
  for (let l = 1; l <= layers - 2; l++) dLayers.push(symmetricKl(omegas[l - 1], omegas[l]));
  const cpse = dLayers.reduce((sum, d) => sum + Math.log10(d), 0) / dLayers.length;
  return { dLayers, cpse, omegas };
}

/**
 * Saturation depth [ours]: the first l (1-based, as in d_layers) after which D stays within a
 * factor 2 of its final value; null when there are no values or the final value is 0 or not finite.
 */
export function saturationDepth(dLayers: number[]): number | null {
  if (dLayers.length === 0) return null;
  const last = dLayers[dLayers.length - 1];
  if (!(last > 0) || !Number.isFinite(last)) return null;
  let depth = dLayers.length;
  for (let l = dLayers.length - 1; l >= 0; l--) {
    const d = dLayers[l];
    if (d >= last / 2 && d <= last * 2) depth = l + 1;
    else break;
  }
  return depth;
}

/**
 * Periodic spectral ergodicity (PSE) of an ensemble of spectra of different sizes, as for the mixed
 * matrix ensemble (MME): each spectrum padded periodically to the largest size N, then Ω.
 */
export function periodicSpectralErgodicity(spectra: Float64Array[]): Float64Array {
  if (spectra.length === 0) throw new Error('PSE needs at least one spectrum');
  const nMax = Math.max(...spectra.map((s) => s.length));
  const ensemble = new Float64Array(nMax * spectra.length);
  spectra.forEach((s, i) => ensemble.set(periodicPad(s, nMax), i * nMax));
  return spectralErgodicity(ensemble, nMax);
}

/**
 * Circular spectral deviation (CSD) between two ensembles [ours, RMT.md §9: not in bristol]: the
 * symmetric KL distance between their PSE vectors Ω, each ensemble padded to its own largest size.
 * 0 for ensembles whose padded spectra fluctuate alike; grows as their spectral-density fluctuations differ.
 */
export function circularSpectralDeviation(a: Float64Array[], b: Float64Array[]): number {
  return symmetricKl(periodicSpectralErgodicity(a), periodicSpectralErgodicity(b));
}
