/** Special functions used by the statistics (double precision, ~1e-14 relative unless noted). */

const SQRT_PI = Math.sqrt(Math.PI);
export const EULER_GAMMA = 0.5772156649015329;

/** Error function. Series erf = 2x/√π·e^{−x²}·Σ(2x²)ⁿ/(2n+1)!! below 3, continued fraction for erfc above. */
export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const ax = Math.abs(x);
  if (ax > 6) return Math.sign(x);
  if (ax < 3) {
    const x2 = ax * ax;
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < 1e-17 * sum) break;
    }
    return Math.sign(x) * ((2 * ax) / SQRT_PI) * Math.exp(-x2) * sum;
  }
  return Math.sign(x) * (1 - erfcLarge(ax));
}

/** Complementary error function. */
export function erfc(x: number): number {
  if (x >= 3) return erfcLarge(x);
  return 1 - erf(x);
}

/** erfc(x) for x ≥ 3 by the continued fraction e^{−x²}/√π · 1/(x + ½/(x + 1/(x + 3/2/(x + …)))). */
function erfcLarge(x: number): number {
  // Evaluated backwards with a fixed depth, which converges quickly for x ≥ 3.
  let f = x;
  for (let k = 60; k >= 1; k--) f = x + k / 2 / f;
  return Math.exp(-x * x) / SQRT_PI / f;
}

/** Standard normal CDF Φ(x). */
export function normalCdf(x: number): number {
  return x < -3 * Math.SQRT2 ? 0.5 * erfcLarge(-x / Math.SQRT2) : 0.5 * (1 + erf(x / Math.SQRT2));
}

/** Sine and cosine integrals Si(x), Ci(x) for x > 0. */
export function sineCosineIntegrals(x: number): { si: number; ci: number } {
  if (!(x > 0)) throw new Error('Si/Ci need x > 0');
  if (x <= 4) {
    // Power series: Si = Σ (−1)ᵏ x^{2k+1}/((2k+1)(2k+1)!), Ci = γ + ln x + Σ (−1)ᵏ x^{2k}/(2k(2k)!).
    let si = 0;
    let ci = 0;
    let term = x; // (−1)^k x^{2k+1}/(2k+1)!
    for (let k = 0; k < 60; k++) {
      si += term / (2 * k + 1);
      const even = (-term * x) / (2 * k + 2); // (−1)^{k+1} x^{2k+2}/(2k+2)!
      ci += even / (2 * k + 2);
      term = (even * x) / (2 * k + 3);
      if (Math.abs(term) < 1e-18) break;
    }
    return { si, ci: EULER_GAMMA + Math.log(x) + ci };
  }
  // E₁(ix) by its continued fraction E₁(z) = e^{−z}/(z+1−1²/(z+3−2²/(z+5−…))) evaluated backwards;
  // then Ci(x) = −Re E₁(ix), Si(x) = π/2 + Im E₁(ix).
  let re = 0;
  let im = 0;
  for (let k = 200; k >= 1; k--) {
    // t = (2k+1) + ix − k²/(previous)
    const dr = 2 * k + 1 + re;
    const di = x + im;
    const den = dr * dr + di * di;
    re = (-k * k * dr) / den;
    im = (k * k * di) / den;
  }
  const br = 1 + re;
  const bi = x + im;
  const den = br * br + bi * bi;
  const invRe = br / den;
  const invIm = -bi / den;
  const c = Math.cos(x);
  const s = Math.sin(x);
  // e^{−ix} = cos x − i sin x
  const e1Re = c * invRe + s * invIm;
  const e1Im = c * invIm - s * invRe;
  return { si: Math.PI / 2 + e1Im, ci: -e1Re };
}

/** ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const g = 7;
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ];
  const y = x - 1;
  let a = c[0];
  const t = y + g + 0.5;
  for (let i = 1; i < 9; i++) a += c[i] / (y + i);
  return 0.5 * Math.log(2 * Math.PI) + (y + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Composite Simpson rule on [a, b] with an even number of intervals. */
export function simpson(f: (x: number) => number, a: number, b: number, intervals = 256): number {
  const n = intervals % 2 === 0 ? intervals : intervals + 1;
  const h = (b - a) / n;
  let sum = f(a) + f(b);
  for (let i = 1; i < n; i++) sum += (i % 2 === 1 ? 4 : 2) * f(a + i * h);
  return (sum * h) / 3;
}

/** Root of a monotone function on [lo, hi] by bisection (f(lo) and f(hi) of opposite signs). */
export function bisect(f: (x: number) => number, lo: number, hi: number, iterations = 200): number {
  let flo = f(lo);
  for (let i = 0; i < iterations; i++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi) break;
    const fm = f(mid);
    if (fm === 0) return mid;
    if (fm < 0 === flo < 0) {
      lo = mid;
      flo = fm;
    } else hi = mid;
  }
  return 0.5 * (lo + hi);
}

// Φ on [0, 8.5] tabulated with h·φ for cubic Hermite interpolation, step h = 1/256: |error| < 4e-13
// (measured against normalCdf) in 35 KB, of which Gaussian entries (|z| < 4) touch 16 KB. For the
// O(n²) unfolding loop and the Porter–Thomas distance of every singular vector (a third of the time
// of the quintic erf table it replaces). Beyond 8.5, 1 − Φ < 1e-17.
const CDF_STEP = 1 / 256;
const CDF_END = 8.5;
const CDF_NODES = CDF_END / CDF_STEP + 2;
/** Φ(zᵢ) and h·φ(zᵢ), interleaved: one cache line holds both nodes of an interval. */
const cdfTable = new Float64Array(2 * CDF_NODES);
for (let i = 0; i < CDF_NODES; i++) {
  const z = i * CDF_STEP;
  cdfTable[2 * i] = normalCdf(z);
  cdfTable[2 * i + 1] = (CDF_STEP * Math.exp(-0.5 * z * z)) / Math.sqrt(2 * Math.PI);
}

/** Φ(z) by table interpolation: 5× faster than `normalCdf` or more, |error| < 1e-12; NaN for NaN. */
export function fastNormalCdf(z: number): number {
  const az = Math.abs(z);
  if (az >= CDF_END) return z < 0 ? 0 : 1;
  const x = az * (1 / CDF_STEP);
  const i = x | 0; // NaN: 0, and w = NaN below
  const w = x - i;
  const k = 2 * i;
  const f0 = cdfTable[k];
  const d0 = cdfTable[k + 1];
  const f1 = cdfTable[k + 2];
  const d1 = cdfTable[k + 3];
  const c = f1 - f0;
  const v = f0 + w * (d0 + w * (3 * c - 2 * d0 - d1 + w * (d0 + d1 - 2 * c)));
  return z < 0 ? 1 - v : v;
}
