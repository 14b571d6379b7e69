import type { Kernels } from './pipeline';

/**
 * Small singular values from the Gram matrix carry an absolute error of about ε·ν_max²/ν. They are
 * recomputed by a Rayleigh–Ritz step on W itself: with X the Gram eigenvectors of the small ones
 * (an accurate subspace, since the gap to the large ones is wide), B = XᵀW is only k×L and its SVD
 * by one-sided Jacobi is accurate to ε·‖B‖ = ε·ν_small.
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

/**
 * `x`: k unit Gram eigenvectors (length n). `nullProjector` removes from a long-side vector its
 * part in the row space of the large singular values (those not refined here).
 */
export function refineSmallSingularTriplets(
  k: Pick<Kernels, 'mapToLongSide'>,
  a: Float64Array,
  rows: number,
  cols: number,
  ofColumns: boolean,
  x: Float64Array[],
  numax: number,
  nullProjector: (g: Float64Array) => void,
): SmallTriplets {
  const count = x.length;
  const n = ofColumns ? cols : rows;
  const long = ofColumns ? rows : cols;
  const shortSide = x.map((v) => v.slice());
  orthonormalize(shortSide);
  orthonormalize(shortSide);
  const packed = new Float64Array(count * n);
  shortSide.forEach((v, p) => packed.set(v, p * n));
  const y = k.mapToLongSide(a, rows, cols, ofColumns, packed, count);
  const longSide = Array.from({ length: count }, (_, p) => y.slice(p * long, (p + 1) * long));
  oneSidedJacobi(longSide, shortSide);

  const norms = longSide.map((v) => Math.sqrt(dot(v, v)));
  const order = Array.from(norms.keys()).sort((p, q) => norms[q] - norms[p] || p - q);
  const values = Float64Array.from(order, (p) => norms[p]);
  const sortedShort = order.map((p) => shortSide[p]);
  const sortedLong: Float64Array[] = order.map((p) => longSide[p]);
  const zeroLimit = ZERO_BELOW * numax;
  const kept: Float64Array[] = [];
  for (let p = 0; p < count; p++) {
    if (values[p] > zeroLimit) {
      const y = sortedLong[p];
      scale(y, 1 / values[p]);
      if (values[p] < PROJECT_BELOW * numax) {
        for (let round = 0; round < 2; round++) {
          nullProjector(y);
          for (const b of kept) axpy(-dot(b, y), b, y);
        }
        scale(y, 1 / Math.sqrt(dot(y, y)));
      }
      kept.push(y);
    }
  }
  let seed = 1;
  for (let p = 0; p < count; p++) {
    if (values[p] > zeroLimit) continue;
    values[p] = 0;
    sortedLong[p] = nullVector(long, kept, nullProjector, () => seed++);
    kept.push(sortedLong[p]);
  }
  return { values, shortSide: sortedShort, longSide: sortedLong };
}

/**
 * Rotates pairs of `rows` until they are mutually orthogonal (Hestenes); the same rotations are
 * applied to `companions`, so that rows·companionsᵀ keeps its meaning.
 */
function oneSidedJacobi(rows: Float64Array[], companions: Float64Array[]): void {
  const count = rows.length;
  const tolerance = Number.EPSILON * Math.sqrt(rows[0]?.length ?? 1);
  for (let sweep = 0; sweep < 60; sweep++) {
    let rotated = false;
    for (let p = 0; p < count - 1; p++) {
      for (let q = p + 1; q < count; q++) {
        const alpha = dot(rows[p], rows[p]);
        const beta = dot(rows[q], rows[q]);
        const gamma = dot(rows[p], rows[q]);
        if (gamma === 0 || Math.abs(gamma) <= tolerance * Math.sqrt(alpha * beta)) continue;
        rotated = true;
        const zeta = (beta - alpha) / (2 * gamma);
        const t = (zeta >= 0 ? 1 : -1) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
        const c = 1 / Math.sqrt(1 + t * t);
        const s = c * t;
        rotate(rows[p], rows[q], c, s);
        rotate(companions[p], companions[q], c, s);
      }
    }
    if (!rotated) return;
  }
}

/** (x, y) ← (c·x − s·y, s·x + c·y). */
function rotate(x: Float64Array, y: Float64Array, c: number, s: number): void {
  for (let i = 0; i < x.length; i++) {
    const xi = x[i];
    const yi = y[i];
    x[i] = c * xi - s * yi;
    y[i] = s * xi + c * yi;
  }
}

/** A unit vector in the null space, orthogonal to `basis`, from seeded random candidates. */
function nullVector(
  length: number,
  basis: Float64Array[],
  nullProjector: (g: Float64Array) => void,
  nextSeed: () => number,
): Float64Array {
  for (let attempt = 0; attempt < 20; attempt++) {
    const g = randomVector(length, nextSeed());
    for (let round = 0; round < 3; round++) {
      nullProjector(g);
      for (const b of basis) axpy(-dot(b, g), b, g);
    }
    const norm = Math.sqrt(dot(g, g));
    if (norm > 1e-3) {
      scale(g, 1 / norm);
      return g;
    }
  }
  throw new Error('could not complete the singular vectors of a zero singular value');
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

/** Modified Gram–Schmidt in place. */
export function orthonormalize(vs: Float64Array[]): void {
  for (let p = 0; p < vs.length; p++) {
    for (let q = 0; q < p; q++) axpy(-dot(vs[q], vs[p]), vs[q], vs[p]);
    scale(vs[p], 1 / Math.sqrt(dot(vs[p], vs[p])));
  }
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
