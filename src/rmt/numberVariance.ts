/** Number variance Σ²(L) and spectral rigidity Δ₃(L) of unfolded levels, and their GOE/Poisson curves (RMT.md §4). */
import type { Rng } from './prng';
import { EULER_GAMMA, sineCosineIntegrals, simpson } from './special';

/** Default lengths: L ≤ a/2 for the Gaussian broadening window a = 15. */
export const RIGIDITY_LENGTHS = [0.5, 1, 2, 3, 5, 7];

/**
 * Σ²(L) and Δ₃(L) from `windows` random window starts x uniform in [ε₁, ε_n − L] (levels ascending).
 */
export function numberVarianceAndRigidity(
  levels: Float64Array,
  lengths: number[],
  rng: Rng,
  windows = 4000,
): { sigma2: number[]; delta3: number[] } {
  const sigma2: number[] = [];
  const delta3: number[] = [];
  const n = levels.length;
  for (const L of lengths) {
    const span = n > 0 ? levels[n - 1] - levels[0] - L : -1;
    if (!(span > 0)) {
      sigma2.push(NaN);
      delta3.push(NaN);
      continue;
    }
    let sumCount = 0;
    let sumCount2 = 0;
    let sumDelta = 0;
    for (let w = 0; w < windows; w++) {
      const x = levels[0] + rng.uniform() * span;
      const first = lowerBound(levels, x);
      const end = upperBound(levels, x + L);
      const count = end - first;
      sumCount += count;
      sumCount2 += count * count;
      sumDelta += windowDelta3(levels, first, end, x, L);
    }
    const meanCount = sumCount / windows;
    sigma2.push(sumCount2 / windows - meanCount * meanCount);
    delta3.push(sumDelta / windows);
  }
  return { sigma2, delta3 };
}

/**
 * Least-squares deviation of the staircase from the best straight line on [x, x+L] (Bohigas–Giannoni):
 * tᵢ = yᵢ − L/2, yᵢ = εᵢ − x, i = 1 … n;
 * Δ₃ = n²/16 − (Σt)²/L² + 3n·Σt²/(2L²) − 3(Σt²)²/L⁴ + Σ(n−2i+1)tᵢ/L.
 */
export function windowDelta3(levels: Float64Array, first: number, end: number, x: number, L: number): number {
  const n = end - first;
  let sumT = 0;
  let sumT2 = 0;
  let weighted = 0;
  for (let j = first; j < end; j++) {
    const i = j - first + 1;
    const t = levels[j] - x - L / 2;
    sumT += t;
    sumT2 += t * t;
    weighted += (n - 2 * i + 1) * t;
  }
  const L2 = L * L;
  return (
    (n * n) / 16 -
    (sumT * sumT) / L2 +
    (3 * n * sumT2) / (2 * L2) -
    (3 * sumT2 * sumT2) / (L2 * L2) +
    weighted / L
  );
}

/** GOE number variance (Mehta). */
export function goeSigma2(L: number): number {
  if (L <= 0) return 0;
  const a = sineCosineIntegrals(Math.PI * L);
  const b = sineCosineIntegrals(2 * Math.PI * L);
  return (
    (2 / (Math.PI * Math.PI)) *
    (Math.log(2 * Math.PI * L) +
      EULER_GAMMA +
      1 +
      0.5 * a.si * a.si -
      (Math.PI / 2) * a.si -
      Math.cos(2 * Math.PI * L) -
      b.ci +
      Math.PI * Math.PI * L * (1 - (2 / Math.PI) * b.si))
  );
}

/** GOE rigidity Δ₃(L) = (2/L⁴)∫₀ᴸ (L³ − 2L²r + r³) Σ²(r) dr. */
export function goeDelta3(L: number): number {
  if (L <= 0) return 0;
  const integral = simpson((r) => (L * L * L - 2 * L * L * r + r * r * r) * goeSigma2(r), 0, L, 400);
  return (2 / (L * L * L * L)) * integral;
}

export function poissonSigma2(L: number): number {
  return L;
}

export function poissonDelta3(L: number): number {
  return L / 15;
}

function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
