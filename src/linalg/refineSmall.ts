import type { Kernels } from './pipeline';
import type { SvdResult } from './types';

/**
 * Small singular values from the Gram matrix carry an absolute error of about ε·ν_max²/ν. They are
 * recomputed by a Rayleigh–Ritz step on W itself: with X the Gram eigenvectors of the small ones
 * (an accurate subspace, since the gap to the large ones is wide), B = XᵀW is only k×L. Its SVD goes
 * through the same engine (`svdOf`): errors scale with ‖B‖ = ν_small instead of ν_max, and B's own
 * smallest values are refined the same way, one level down. (One-sided Jacobi on B would be as
 * accurate but costs O(k²·L) per sweep in JavaScript: 70 s for 590 zero values at n = 1024.)
 */
export interface SmallTriplets {
  /** Descending. */
  values: Float64Array;
  /** Unit vectors on the Gram side (length n) and the other side (length L), one per value. */
  shortSide: Float64Array[];
  longSide: Float64Array[];
}

/** Values at or below this fraction of ν_max are zero to working precision. */
export const ZERO_BELOW = 1e-11;
/**
 * Below this fraction of ν_max, Wᵀx/ν carries an error of ε·ν_max/ν along the large singular
 * directions; projecting those out restores the vector.
 */
const PROJECT_BELOW = 1e-5;

/** X orthonormalised and B = XᵀW (k×L, packed), the matrix the refinement decomposes. */
function rayleighRitzMatrix(
  k: Pick<Kernels, 'mapToLongSide'>,
  a: Float64Array,
  rows: number,
  cols: number,
  ofColumns: boolean,
  x: Float64Array[],
): { shortSide: Float64Array[]; b: Float64Array } {
  const n = ofColumns ? cols : rows;
  // Inverse iteration's vectors are orthonormal to ~1e-14 already: one pass of Gram–Schmidt is enough.
  const shortSide = x.map((v) => v.slice());
  orthonormalize(k, shortSide);
  const packed = new Float64Array(shortSide.length * n);
  shortSide.forEach((v, p) => packed.set(v, p * n));
  return { shortSide, b: k.mapToLongSide(a, rows, cols, ofColumns, packed, shortSide.length) };
}

/** The refined values only (descending; at or below ZERO_BELOW·ν_max set to 0). */
export function refineSmallSingularValues(
  k: Pick<Kernels, 'mapToLongSide'>,
  valuesOf: (b: Float64Array, rows: number, cols: number) => Float64Array,
  a: Float64Array,
  rows: number,
  cols: number,
  ofColumns: boolean,
  x: Float64Array[],
  numax: number,
): Float64Array {
  const { b } = rayleighRitzMatrix(k, a, rows, cols, ofColumns, x);
  const zeroLimit = ZERO_BELOW * numax;
  if (Math.sqrt(dot(b, b)) <= zeroLimit) return new Float64Array(x.length);
  return valuesOf(b, x.length, b.length / x.length).map((v) => (v > zeroLimit ? v : 0));
}

/**
 * `x`: k unit Gram eigenvectors (length n). `nullProjector` removes from long-side vectors their
 * part in the row space of the large singular values (those not refined here).
 */
export function refineSmallSingularTriplets(
  k: Pick<Kernels, 'mapToLongSide'>,
  svdOf: (b: Float64Array, rows: number, cols: number) => SvdResult,
  a: Float64Array,
  rows: number,
  cols: number,
  ofColumns: boolean,
  x: Float64Array[],
  numax: number,
  nullProjector: (gs: Float64Array[]) => void,
): SmallTriplets {
  const count = x.length;
  const n = ofColumns ? cols : rows;
  const long = ofColumns ? rows : cols;
  const { shortSide, b } = rayleighRitzMatrix(k, a, rows, cols, ofColumns, x);
  const zeroLimit = ZERO_BELOW * numax;
  let values: Float64Array;
  let sortedShort: Float64Array[];
  let sortedLong: Float64Array[];
  if (Math.sqrt(dot(b, b)) <= zeroLimit) {
    // W maps the whole subspace to zero: every value is zero and every x is already a vector.
    values = new Float64Array(count);
    sortedShort = shortSide;
    sortedLong = [];
  } else {
    const s = svdOf(b, count, long);
    values = s.values;
    // B = XᵀW = U·Σ·Vᵀ: the singular vectors on the short side are X·U, on the long side V.
    sortedShort = s.left.map((u) => {
      const v = new Float64Array(n);
      for (let q = 0; q < count; q++) axpy(u[q], shortSide[q], v);
      return v;
    });
    sortedLong = s.right;
  }
  let nonzero = 0;
  while (nonzero < count && values[nonzero] > zeroLimit) nonzero++;
  const kept = sortedLong.slice(0, nonzero);
  // Below PROJECT_BELOW·ν_max, V carries errors along the large singular directions: project them out.
  let tiny = nonzero;
  while (tiny > 0 && values[tiny - 1] < PROJECT_BELOW * numax) tiny--;
  if (tiny < nonzero) {
    const ys = kept.slice(tiny);
    for (let round = 0; round < 2; round++) {
      nullProjector(ys);
      removeSpan(k, kept.slice(0, tiny), ys);
      orthonormalize(k, ys);
    }
  }
  values.fill(0, nonzero);
  const nulls = nullVectors(k, long, count - nonzero, kept, nullProjector);
  return { values, shortSide: sortedShort, longSide: [...kept, ...nulls] };
}

/** `count` orthonormal vectors in the null space, orthogonal to `basis`, from seeded random vectors. */
function nullVectors(
  k: Pick<Kernels, 'mapToLongSide'>,
  length: number,
  count: number,
  basis: Float64Array[],
  nullProjector: (gs: Float64Array[]) => void,
): Float64Array[] {
  let seed = 1;
  const out: Float64Array[] = [];
  for (let attempt = 0; out.length < count; attempt++) {
    if (attempt === 20) throw new Error('could not complete the singular vectors of a zero singular value');
    const gs = Array.from({ length: count - out.length }, () => randomVector(length, seed++));
    for (let round = 0; round < 2; round++) {
      nullProjector(gs);
      removeSpan(k, basis, gs);
      removeSpan(k, out, gs);
    }
    removeSpan(k, out, gs);
    // A candidate that loses most of its length lay (almost) in the span already: another is drawn.
    out.push(...orthonormalize(k, gs, 1e-3));
  }
  return out;
}

/**
 * vs ← vs − Qᵀ·(Q·vs) for the orthonormal rows of Q = `basis`: classical Gram–Schmidt of a block,
 * both products through the kernels (the same routine that maps vectors through W).
 */
export function removeSpan(
  k: Pick<Kernels, 'mapToLongSide'>,
  basis: Float64Array[],
  vs: Float64Array[],
): void {
  if (basis.length === 0 || vs.length === 0) return;
  const n = basis[0].length;
  const q = new Float64Array(basis.length * n);
  basis.forEach((b, p) => q.set(b, p * n));
  const x = new Float64Array(vs.length * n);
  vs.forEach((v, p) => x.set(v, p * n));
  const coefficients = k.mapToLongSide(q, basis.length, n, true, x, vs.length);
  const along = k.mapToLongSide(q, basis.length, n, false, coefficients, vs.length);
  vs.forEach((v, p) => {
    for (let i = 0; i < n; i++) v[i] -= along[p * n + i];
  });
}

function randomVector(length: number, seed: number): Float64Array {
  let s = (seed * 0x85ebca6b) >>> 0;
  const g = new Float64Array(length);
  for (let i = 0; i < length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    g[i] = s / 4294967296 - 0.5;
  }
  return g;
}

/**
 * Orthonormalises `vs` in place, in order, and returns the vectors kept: blocks of 32, each first
 * cleared of the earlier blocks' span twice (removeSpan, through the kernels), then modified
 * Gram–Schmidt inside the block. With `minNorm`, a vector whose length after orthogonalisation is
 * below it is dropped (it lay almost in the span of the earlier ones).
 */
export function orthonormalize(
  k: Pick<Kernels, 'mapToLongSide'>,
  vs: Float64Array[],
  minNorm = 0,
): Float64Array[] {
  const kept: Float64Array[] = [];
  for (let b0 = 0; b0 < vs.length; b0 += 32) {
    const block = vs.slice(b0, b0 + 32);
    removeSpan(k, kept, block);
    removeSpan(k, kept, block);
    const inBlock = kept.length;
    for (const v of block) {
      for (let q = inBlock; q < kept.length; q++) axpy(-dot(kept[q], v), kept[q], v);
      const norm = Math.sqrt(dot(v, v));
      if (norm > minNorm) {
        scale(v, 1 / norm);
        kept.push(v);
      }
    }
  }
  return kept;
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

function scale(x: Float64Array, alpha: number): void {
  for (let i = 0; i < x.length; i++) x[i] *= alpha;
}
