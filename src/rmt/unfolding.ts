/**
 * Unfolding of a spectrum to unit mean spacing (RMT.md §3): Gaussian broadening (default),
 * a polynomial fit of the staircase, or the fitted Marchenko–Pastur CDF.
 */
import { fastNormalCdf } from './special';
import { mpNuCdf } from './marchenkoPastur';

export type UnfoldingMethod = 'gaussian' | 'polynomial' | 'mpCdf';

export interface UnfoldingOptions {
  method: UnfoldingMethod;
  /** Window a of the Gaussian broadening; also the number 2a of levels dropped at each end. */
  window: number;
  /** For 'mpCdf': the MP parameters and the total number N of singular values. */
  mp?: { q: number; sigma: number; m: number; n: number };
}

export const DEFAULT_UNFOLDING: UnfoldingOptions = { method: 'gaussian', window: 15 };

/**
 * Unfolded levels ε for `levels` sorted ascending (the bulk, outliers removed). The 2a lowest and
 * 2a highest levels are dropped for every method, so the methods see the same levels.
 * Returns an empty array when fewer than 4a + 2 levels are given.
 */
export function unfold(levels: Float64Array, options: UnfoldingOptions = DEFAULT_UNFOLDING): Float64Array {
  const a = options.window;
  const n = levels.length;
  if (n < 4 * a + 2) return new Float64Array(0);
  const from = 2 * a;
  const to = n - 2 * a;
  switch (options.method) {
    case 'gaussian':
      return gaussianBroadening(levels, a, from, to);
    case 'polynomial':
      return polynomialStaircase(levels, 7).subarray(from, to);
    case 'mpCdf': {
      const mp = options.mp;
      if (!mp) throw new Error('MP-CDF unfolding needs the fitted MP parameters');
      return Float64Array.from(levels.subarray(from, to), (nu) => mp.n * mpNuCdf(nu, mp.q, mp.sigma, mp.m));
    }
  }
}

/**
 * 𝒩(x) = Σᵢ ½[1 + erf((x−νᵢ)/(√2·wᵢ))] = Σᵢ Φ((x−νᵢ)/wᵢ) over i ∈ [a, n−a), wᵢ = (ν_{i+a} − ν_{i−a})/2,
 * evaluated at νⱼ for j ∈ [from, to). O(n²) terms; the tabulated Φ is 0 or 1 beyond ±8.5 widths.
 */
function gaussianBroadening(nu: Float64Array, a: number, from: number, to: number): Float64Array {
  const n = nu.length;
  const centres = nu.subarray(a, n - a);
  const scale = new Float64Array(centres.length);
  for (let i = a; i < n - a; i++) scale[i - a] = 1 / ((nu[i + a] - nu[i - a]) / 2);
  const out = new Float64Array(to - from);
  for (let j = from; j < to; j++) {
    const x = nu[j];
    let sum = 0;
    for (let i = 0; i < centres.length; i++) {
      const d = x - centres[i];
      const s = scale[i];
      if (!Number.isFinite(s)) sum += d > 0 ? 1 : d === 0 ? 0.5 : 0;
      else sum += fastNormalCdf(d * s);
    }
    out[j - from] = sum;
  }
  return out;
}

/** Least-squares polynomial of the given degree through the staircase (νᵢ, i + ½), in a Chebyshev basis on the range. */
function polynomialStaircase(nu: Float64Array, degree: number): Float64Array {
  const n = nu.length;
  const lo = nu[0];
  const hi = nu[n - 1];
  const t = Float64Array.from(nu, (x) => (hi > lo ? (2 * (x - lo)) / (hi - lo) - 1 : 0));
  const k = degree + 1;
  // Columns T₀ … T_degree, orthonormalised by modified Gram–Schmidt (QR), then solve R c = Qᵀ y.
  const q: Float64Array[] = [];
  const r = new Float64Array(k * k);
  for (let c = 0; c < k; c++) {
    const col = new Float64Array(n);
    for (let i = 0; i < n; i++) col[i] = chebyshev(c, t[i]);
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let i = 0; i < n; i++) dot += q[p][i] * col[i];
      r[p * k + c] = dot;
      for (let i = 0; i < n; i++) col[i] -= dot * q[p][i];
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += col[i] * col[i];
    norm = Math.sqrt(norm);
    r[c * k + c] = norm;
    for (let i = 0; i < n; i++) col[i] = norm > 0 ? col[i] / norm : 0;
    q.push(col);
  }
  const qty = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let dot = 0;
    for (let i = 0; i < n; i++) dot += q[c][i] * (i + 0.5);
    qty[c] = dot;
  }
  const coef = new Float64Array(k);
  for (let c = k - 1; c >= 0; c--) {
    let s = qty[c];
    for (let p = c + 1; p < k; p++) s -= r[c * k + p] * coef[p];
    coef[c] = r[c * k + c] > 0 ? s / r[c * k + c] : 0;
  }
  return Float64Array.from(t, (x) => {
    let s = 0;
    for (let c = 0; c < k; c++) s += coef[c] * chebyshev(c, x);
    return s;
  });
}

function chebyshev(order: number, x: number): number {
  if (order === 0) return 1;
  let prev = 1;
  let cur = x;
  for (let i = 1; i < order; i++) [prev, cur] = [cur, 2 * x * cur - prev];
  return cur;
}

/** Nearest-neighbour spacings of unfolded levels. */
export function spacingsOf(unfolded: Float64Array): Float64Array {
  const s = new Float64Array(Math.max(0, unfolded.length - 1));
  for (let i = 0; i < s.length; i++) s[i] = unfolded[i + 1] - unfolded[i];
  return s;
}
