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

// erf on [0, 6] tabulated for quintic Hermite interpolation (f, f′ = 2/√π·e^{−x²}, f″ = −2x·f′ are
// exact at the nodes); step 1/32 gives |error| < 1e-12. Used in the O(n²) unfolding loop.
const TABLE_STEP = 1 / 32;
const TABLE_SIZE = 6 * 32 + 1;
const erfTable = new Float64Array(TABLE_SIZE);
const erfD1 = new Float64Array(TABLE_SIZE);
const erfD2 = new Float64Array(TABLE_SIZE);
for (let i = 0; i < TABLE_SIZE; i++) {
  const x = i * TABLE_STEP;
  erfTable[i] = erf(x);
  erfD1[i] = (2 / SQRT_PI) * Math.exp(-x * x);
  erfD2[i] = -2 * x * erfD1[i];
}

/** erf by table interpolation: about 10× faster than `erf`, |error| < 1e-12. */
export function fastErf(x: number): number {
  const ax = x < 0 ? -x : x;
  if (ax >= 6) return x < 0 ? -1 : 1;
  const t = ax / TABLE_STEP;
  const i = Math.floor(t);
  const u = t - i;
  const h = TABLE_STEP;
  const f0 = erfTable[i];
  const f1 = erfTable[i + 1];
  const d0 = erfD1[i] * h;
  const d1 = erfD1[i + 1] * h;
  const s0 = erfD2[i] * h * h;
  const s1 = erfD2[i + 1] * h * h;
  // Quintic Hermite basis on [0, 1].
  const u2 = u * u;
  const u3 = u2 * u;
  const u4 = u3 * u;
  const u5 = u4 * u;
  const h00 = 1 - 10 * u3 + 15 * u4 - 6 * u5;
  const h10 = u - 6 * u3 + 8 * u4 - 3 * u5;
  const h20 = 0.5 * (u2 - 3 * u3 + 3 * u4 - u5);
  const h01 = 10 * u3 - 15 * u4 + 6 * u5;
  const h11 = -4 * u3 + 7 * u4 - 3 * u5;
  const h21 = 0.5 * (u3 - 2 * u4 + u5);
  const v = h00 * f0 + h10 * d0 + h20 * s0 + h01 * f1 + h11 * d1 + h21 * s1;
  return x < 0 ? -v : v;
}
