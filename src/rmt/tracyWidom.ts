/**
 * Tracy–Widom β = 1 distribution, computed independently of tabulated values: Ferrari & Spohn's
 * (2005) Fredholm determinant F₁(s) = det(I − B_s) on L²(0, ∞), B_s(x, y) = Ai(x + y + s),
 * discretised by Gauss–Legendre quadrature (Bornemann 2010).
 */
import { bisect } from './special';

const AI0 = 0.3550280538878172; // Ai(0)
const AIP0 = 0.2588194037928068; // −Ai′(0)

/** Airy function Ai(x): Maclaurin series for x ≤ 5, asymptotic expansion above. */
export function airyAi(x: number): number {
  if (x <= 5) {
    let f = 1;
    let g = x;
    let tf = 1;
    let tg = x;
    const x3 = x * x * x;
    for (let k = 1; k < 200; k++) {
      tf *= x3 / ((3 * k - 1) * (3 * k));
      tg *= x3 / (3 * k * (3 * k + 1));
      f += tf;
      g += tg;
      if (Math.abs(tf) + Math.abs(tg) < 1e-18 * (Math.abs(f) + Math.abs(g))) break;
    }
    return AI0 * f - AIP0 * g;
  }
  const zeta = (2 / 3) * x * Math.sqrt(x);
  let u = 1;
  let sum = 1;
  for (let k = 1; k < 12; k++) {
    u *= ((6 * k - 5) * (6 * k - 3) * (6 * k - 1)) / ((2 * k - 1) * 216 * k);
    sum += ((k % 2 === 1 ? -1 : 1) * u) / Math.pow(zeta, k);
  }
  return (Math.exp(-zeta) / (2 * Math.sqrt(Math.PI) * Math.pow(x, 0.25))) * sum;
}

/** Gauss–Legendre nodes and weights on [a, b]. */
export function gaussLegendre(points: number, a: number, b: number): { x: Float64Array; w: Float64Array } {
  const x = new Float64Array(points);
  const w = new Float64Array(points);
  for (let i = 0; i < points; i++) {
    let t = Math.cos((Math.PI * (i + 0.75)) / (points + 0.5));
    let derivative = 1;
    for (let iteration = 0; iteration < 100; iteration++) {
      let p0 = 1;
      let p1 = t;
      for (let k = 2; k <= points; k++) [p0, p1] = [p1, ((2 * k - 1) * t * p1 - (k - 1) * p0) / k];
      derivative = (points * (t * p1 - p0)) / (t * t - 1);
      const step = p1 / derivative;
      t -= step;
      if (Math.abs(step) < 1e-16) break;
    }
    x[i] = a + ((b - a) * (1 + t)) / 2;
    w[i] = (b - a) / ((1 - t * t) * derivative * derivative);
  }
  return { x, w };
}

const QUADRATURE = gaussLegendre(50, 0, 14);

/** F₁(s), the TW₁ CDF, to ~1e-9 for s ∈ [−4, 5]. */
export function tw1Cdf(s: number): number {
  const { x, w } = QUADRATURE;
  const n = x.length;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++)
      a[i * n + j] = (i === j ? 1 : 0) - Math.sqrt(w[i] * w[j]) * airyAi(x[i] + x[j] + s);
  return determinant(a, n);
}

/** TW₁ quantile by bisection on F₁. */
export function tw1QuantileExact(level: number): number {
  return bisect((s) => tw1Cdf(s) - level, -4, 5, 60);
}

function determinant(a: Float64Array, n: number): number {
  let det = 1;
  for (let c = 0; c < n; c++) {
    let pivot = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(a[r * n + c]) > Math.abs(a[pivot * n + c])) pivot = r;
    if (a[pivot * n + c] === 0) return 0;
    if (pivot !== c) {
      for (let k = 0; k < n; k++) [a[c * n + k], a[pivot * n + k]] = [a[pivot * n + k], a[c * n + k]];
      det = -det;
    }
    const p = a[c * n + c];
    det *= p;
    for (let r = c + 1; r < n; r++) {
      const f = a[r * n + c] / p;
      if (f === 0) continue;
      for (let k = c; k < n; k++) a[r * n + k] -= f * a[c * n + k];
    }
  }
  return det;
}
