/**
 * Porter–Thomas test of singular vectors (RMT.md §5): KS distance of √L·u against N(0, 1),
 * null-calibrated p-values, Benjamini–Hochberg, the smoothed p̄ curve, the information/noise
 * boundary and L·IPR.
 */
import { tailExtrapolatedPValue } from './kolmogorov';
import { porterThomasDistance, type NullCache } from './nullCalibration';
import { DEFAULT_SIGNIFICANCE, DEFAULT_VECTORS_TESTED, type VectorsTested } from './testSettings';

/**
 * Which singular-vector indices (0 = largest) to test, ascending: all when n ≤ allUpTo, else the top
 * ones, the bottom ones and `bulk` evenly spaced in between (by default: all up to 1024, else top
 * 100, bottom 20, 100 in between).
 */
export function porterThomasIndices(n: number, vectors: VectorsTested = DEFAULT_VECTORS_TESTED): number[] {
  if (n <= vectors.allUpTo) return Array.from({ length: n }, (_, i) => i);
  const set = new Set<number>();
  const top = Math.min(vectors.top, n);
  const bottom = Math.min(vectors.bottom, n);
  for (let i = 0; i < top; i++) set.add(i);
  for (let i = n - bottom; i < n; i++) set.add(i);
  // Bulk indices from the first below the top to the last above the bottom.
  const from = top;
  const to = n - bottom - 1;
  if (to >= from && vectors.bulk > 0) {
    if (vectors.bulk === 1) set.add(from + Math.round((to - from) / 2));
    else
      for (let j = 0; j < vectors.bulk; j++)
        set.add(from + Math.round(((to - from) * j) / (vectors.bulk - 1)));
  }
  return [...set].sort((a, b) => a - b);
}

/** p-value of one unit vector against the null of its length. */
export function porterThomasPValue(
  u: Float64Array,
  cache: NullCache,
  replicas: number,
  seed: number,
): number {
  const scaled = porterThomasDistance(u) * Math.sqrt(u.length);
  return tailExtrapolatedPValue(scaled, cache.porterThomasNull(u.length, replicas, seed));
}

/** L·IPR = L·Σuᵢ⁴ (≈ 3L/(L+2) ≈ 3 for a random unit vector). */
export function scaledIpr(u: Float64Array): number {
  let s = 0;
  let norm = 0;
  // An indexed loop: for…of over a Float64Array is ~5× slower in V8, and this runs on every vector.
  for (let i = 0; i < u.length; i++) {
    const x2 = u[i] * u[i];
    s += x2 * x2;
    norm += x2;
  }
  return (u.length * s) / (norm * norm);
}

/**
 * Benjamini–Hochberg at level `alpha`: which hypotheses are rejected (p ≤ the largest p₍ₖ₎ with
 * p₍ₖ₎ ≤ k·α/m), and that cut-off (0 when none).
 */
export function benjaminiHochberg(
  pValues: number[],
  alpha = DEFAULT_SIGNIFICANCE,
): { rejected: boolean[]; cutoff: number } {
  const m = pValues.length;
  const order = pValues.map((p, i) => [p, i] as const).sort((a, b) => a[0] - b[0]);
  let cutoff = 0;
  order.forEach(([p], k) => {
    if (p <= ((k + 1) * alpha) / m) cutoff = p;
  });
  const anyRejected = order.some(([p], k) => p <= ((k + 1) * alpha) / m);
  return { rejected: pValues.map((p) => anyRejected && p <= cutoff), cutoff: anyRejected ? cutoff : 0 };
}

/** p̄ᵢ: mean of p over a centred sliding window of `window` neighbours (clipped at the ends). */
export function smoothPValues(pValues: number[], window = 30): number[] {
  const half = Math.floor(window / 2);
  return pValues.map((_, i) => {
    const from = Math.max(0, i - half);
    const to = Math.min(pValues.length, i + half + 1);
    let s = 0;
    for (let j = from; j < to; j++) s += pValues[j];
    return s / (to - from);
  });
}

/**
 * Information/noise boundary: the first position (from the top) from which p̄ stays ≥ `level` to the
 * end; null when p̄ ends below the level.
 */
export function informationBoundary(smoothed: number[], level = DEFAULT_SIGNIFICANCE): number | null {
  let boundary: number | null = null;
  for (let i = smoothed.length - 1; i >= 0; i--) {
    if (smoothed[i] >= level) boundary = i;
    else break;
  }
  return boundary;
}
