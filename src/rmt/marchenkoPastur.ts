/**
 * Marchenko–Pastur law of an N×M matrix (N ≤ M, q = N/M) with i.i.d. entries of variance σ²
 * (RMT.md §2). λ = ν²/M are the eigenvalues of W·Wᵀ/M, ν the singular values of W.
 */
import { bisect, simpson } from './special';
import { tw1QuantileExact } from './tracyWidom';

export interface MpEdges {
  minus: number;
  plus: number;
}

/** Edges λ± = σ²(1 ± √q)² of the eigenvalue density. */
export function mpLambdaEdges(q: number, sigma: number): MpEdges {
  const s2 = sigma * sigma;
  const r = Math.sqrt(q);
  return { minus: s2 * (1 - r) * (1 - r), plus: s2 * (1 + r) * (1 + r) };
}

/** Edges ν± = σ√M(1 ± √q) of the singular-value density. */
export function mpNuEdges(q: number, sigma: number, m: number): MpEdges {
  const st = sigma * Math.sqrt(m);
  const r = Math.sqrt(q);
  return { minus: st * (1 - r), plus: st * (1 + r) };
}

/** Density ρ(λ) = √((λ₊−λ)(λ−λ₋)) / (2πσ²qλ) of the eigenvalues of W·Wᵀ/M. */
export function mpLambdaDensity(lambda: number, q: number, sigma: number): number {
  const { minus, plus } = mpLambdaEdges(q, sigma);
  if (!(lambda > minus && lambda < plus) || lambda <= 0) return 0;
  return Math.sqrt((plus - lambda) * (lambda - minus)) / (2 * Math.PI * sigma * sigma * q * lambda);
}

/** Density P(ν) = √((ν₊²−ν²)(ν²−ν₋²)) / (πqσ̃²ν), σ̃ = σ√M, of the singular values. */
export function mpNuDensity(nu: number, q: number, sigma: number, m: number): number {
  const { minus, plus } = mpNuEdges(q, sigma, m);
  if (!(nu > minus && nu < plus) || nu <= 0) return 0;
  const st2 = sigma * sigma * m;
  return Math.sqrt((plus * plus - nu * nu) * (nu * nu - minus * minus)) / (Math.PI * q * st2 * nu);
}

/**
 * CDF of λ. With λ = λ₋ + (λ₊−λ₋)(1−cos φ)/2 the integrand becomes
 * (λ₊−λ₋)² sin²φ / (8πσ²qλ(φ)), smooth on [0, π]; integrated by Simpson. Near q = 1 it has a narrow
 * bump of width ~√(λ₋/(λ₊−λ₋)) at φ = 0, which gets its own Simpson panel.
 */
export function mpLambdaCdf(lambda: number, q: number, sigma: number, intervals = 200): number {
  const { minus, plus } = mpLambdaEdges(q, sigma);
  if (lambda <= minus) return 0;
  if (lambda >= plus) return 1;
  const width = plus - minus;
  const phiEnd = Math.acos(Math.max(-1, 1 - (2 * (lambda - minus)) / width));
  const c = (width * width) / (8 * Math.PI * sigma * sigma * q);
  // sin²φ/λ(φ) written as 1/(λ₋/sin²φ + w/(2(1+cos φ))), finite at φ = 0 when λ₋ = 0.
  const integrand = (phi: number): number => {
    const s = Math.sin(phi);
    const tail = width / (2 * (1 + Math.cos(phi)));
    if (s === 0) return minus > 0 ? 0 : c / tail;
    return c / (minus / (s * s) + tail);
  };
  const bump = Math.min(phiEnd, 20 * Math.sqrt(minus / width));
  let total = simpson(integrand, 0, bump, intervals);
  if (bump < phiEnd) total += simpson(integrand, bump, phiEnd, intervals);
  return Math.min(1, Math.max(0, total));
}

/** CDF of ν: F(ν) = F_λ(ν²/M). */
export function mpNuCdf(nu: number, q: number, sigma: number, m: number): number {
  return mpLambdaCdf((nu * nu) / m, q, sigma);
}

/** Quantile of λ (root of the CDF). */
export function mpLambdaQuantile(p: number, q: number, sigma: number): number {
  const { minus, plus } = mpLambdaEdges(q, sigma);
  if (p <= 0) return minus;
  if (p >= 1) return plus;
  return bisect((x) => mpLambdaCdf(x, q, sigma) - p, minus, plus, 80);
}

const medianCache = new Map<number, number>();

/** m_q: median of MP(q, σ = 1) for λ. */
export function mpMedian(q: number): number {
  let m = medianCache.get(q);
  if (m === undefined) {
    m = mpLambdaQuantile(0.5, q, 1);
    if (medianCache.size > 1000) medianCache.clear();
    medianCache.set(q, m);
  }
  return m;
}

/** TW₁ quantiles t_α (Tracy–Widom, β = 1) of the levels offered. */
export const TW1_QUANTILES: Readonly<Record<number, number>> = { 0.9: 0.4501, 0.95: 0.9793, 0.99: 2.0234 };

/** t_α: the tabulated value for 0.90/0.95/0.99, otherwise computed from the Fredholm determinant. */
export function tw1Quantile(level: number): number {
  const t = TW1_QUANTILES[level];
  if (t !== undefined) return t;
  if (!(level > 0 && level < 1)) throw new Error(`TW₁ level must be in (0, 1), got ${level}`);
  return tw1QuantileExact(level);
}

/**
 * Outlier threshold on ν with Johnstone's (2001) finite-size centring and scaling (n = M, p = N):
 * μ = (√(M−1)+√N)², s = (√(M−1)+√N)(1/√(M−1)+1/√N)^{1/3}, ν_thr = σ·√(μ + s·t_α).
 */
export function twThreshold(n: number, m: number, sigma: number, level: number): number {
  const a = Math.sqrt(m - 1);
  const b = Math.sqrt(n);
  const mu = (a + b) * (a + b);
  const s = (a + b) * Math.cbrt(1 / a + 1 / b);
  return sigma * Math.sqrt(mu + s * tw1Quantile(level));
}

export interface MpFit {
  sigma: number;
  /** σ from median matching alone (step 1). */
  sigmaMedian: number;
  /** Number of singular values above the TW threshold at the final σ. */
  outliers: number;
  threshold: number;
  iterations: number;
}

/**
 * Robust σ: median matching, then re-estimate from the bulk below the TW threshold until the
 * outlier count stops changing (≤ 10 rounds). `nu` descending, length N = min dimension; m = max.
 */
export function fitMarchenkoPastur(nu: Float64Array, m: number, level: number): MpFit {
  const n = nu.length;
  const q = n / m;
  const median = medianOfDescending(nu);
  const sigmaMedian = median / Math.sqrt(m * mpMedian(q));
  let sigma = sigmaMedian;
  let k = countAbove(nu, twThreshold(n, m, sigma, level));
  let iterations = 0;
  for (let round = 0; round < 10 && k < n; round++) {
    iterations++;
    let sum = 0;
    for (let i = k; i < n; i++) sum += nu[i] * nu[i];
    sigma = Math.sqrt(sum / ((n - k) * m));
    const next = countAbove(nu, twThreshold(n, m, sigma, level));
    if (next === k) break;
    k = next;
  }
  return { sigma, sigmaMedian, outliers: k, threshold: twThreshold(n, m, sigma, level), iterations };
}

/** BBP: the smallest spike strength θ (in units of σ̃ = σ√M) that separates from the bulk. */
export function bbpThreshold(q: number): number {
  return Math.pow(q, 0.25);
}

/** Where a spike of strength θ > q^{1/4} appears: ν = σ̃·√((1+θ²)(q+θ²))/θ. */
export function bbpLocation(theta: number, q: number, sigmaTilde: number): number {
  if (theta <= bbpThreshold(q)) return sigmaTilde * (1 + Math.sqrt(q));
  const t2 = theta * theta;
  return (sigmaTilde * Math.sqrt((1 + t2) * (q + t2))) / theta;
}

/** Inverse of bbpLocation: θ from an outlier ν (NaN inside the bulk). */
export function bbpStrength(nu: number, q: number, sigmaTilde: number): number {
  const y = (nu / sigmaTilde) * (nu / sigmaTilde);
  const b = y - 1 - q;
  const disc = b * b - 4 * q;
  if (b <= 0 || disc < 0) return NaN;
  return Math.sqrt((b + Math.sqrt(disc)) / 2);
}

function medianOfDescending(v: Float64Array): number {
  const n = v.length;
  return n % 2 === 1 ? v[(n - 1) / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

function countAbove(descending: Float64Array, threshold: number): number {
  let k = 0;
  while (k < descending.length && descending[k] > threshold) k++;
  return k;
}

const cdfTables = new Map<number, (x: number) => number>();

/**
 * Fast CDF of the standardised singular value x = ν/(σ√M) for MP(q): F tabulated at 513 points
 * equally spaced in φ (λ = λ₋ + (λ₊−λ₋)(1−cos φ)/2, σ = 1) and interpolated linearly in φ.
 * Accurate to ~1e-5, for KS distances over many replicas.
 */
export function mpStandardNuCdf(q: number): (x: number) => number {
  let table = cdfTables.get(q);
  if (table) return table;
  const { minus, plus } = mpLambdaEdges(q, 1);
  const width = plus - minus;
  const points = 512;
  const values = new Float64Array(points + 1);
  for (let i = 1; i < points; i++) {
    const phi = (Math.PI * i) / points;
    values[i] = mpLambdaCdf(minus + (width * (1 - Math.cos(phi))) / 2, q, 1);
  }
  values[points] = 1;
  table = (x: number): number => {
    const lambda = x * x;
    if (lambda <= minus) return 0;
    if (lambda >= plus) return 1;
    const phi = Math.acos(Math.max(-1, Math.min(1, 1 - (2 * (lambda - minus)) / width)));
    const t = (phi / Math.PI) * points;
    const i = Math.min(points - 1, Math.floor(t));
    return values[i] + (t - i) * (values[i + 1] - values[i]);
  };
  if (cdfTables.size > 200) cdfTables.clear();
  cdfTables.set(q, table);
  return table;
}
