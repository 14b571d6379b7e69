import { TridiagonalLu, tridiagonalEigenvectors } from './inverseIteration';
import {
  orthonormalize,
  refineSmallSingularTriplets,
  refineSmallSingularValues,
  removeSpan,
} from './refineSmall';
import { normalizeIndices, pairSingularVectors } from './spectrumFromGram';
import { tridiagonalEigen } from './tridiagonalEigen';
import { clearTimings, stopwatch, type Timings } from './timing';
import type { SvdResult } from './types';

/**
 * The heavy steps, implemented once in TypeScript and once in WebAssembly. Everything else
 * (eigenvalues of the tridiagonal matrix, inverse iteration, refinement) is shared.
 */
export interface Kernels {
  /**
   * Gram matrix of the smaller side reduced to tridiagonal form; `reduction` is kept for
   * back-transformation of about `vectors` vectors (kernels may choose the reduction by it).
   */
  reduce(a: Float64Array, rows: number, cols: number, vectors?: number): Reduction;
  /** In-place x ← Q·x (or Qᵀ·x) for k vectors of length n stored as rows of `x` (k×n). */
  backTransform(reduction: Reduction, x: Float64Array, k: number, transpose?: boolean): void;
  /** Rows of the k×n matrix `x` mapped to the long side: y_j = Wᵀx_j (or W·x_j when ofColumns); k×L. */
  mapToLongSide(
    a: Float64Array,
    rows: number,
    cols: number,
    ofColumns: boolean,
    x: Float64Array,
    k: number,
  ): Float64Array;
  /**
   * Eigenvalues (unsorted) of the tridiagonal matrix (d, e) when the kernels have their own
   * routine; undefined to use the shared QL (tridiagonalEigen.ts).
   */
  tridiagonalEigenvalues?(d: Float64Array, e: Float64Array): Float64Array | undefined;
  /**
   * The largest |entry| of `a` (NaN if some entry is not finite) when the kernels can find it
   * faster than a loop here (wasm, for a matrix already in its memory); undefined otherwise.
   */
  maxAbs?(a: Float64Array): number | undefined;
  /**
   * The products run at GEMM speed (wasm): a large cluster of eigenvalues is then iterated as one
   * block, orthonormalised through mapToLongSide. In the TypeScript fallback that costs more than
   * vector-by-vector Gram–Schmidt (1024² of rank 512: 7.5 s against 5.6), so it is not used there.
   */
  readonly fastProducts?: boolean;
  /** Frees what `reduce` holds (wasm memory). */
  release(reduction: Reduction): void;
  /** Seconds per step of the last call, when the kernels keep them (reduce's steps and the ones here). */
  timings?: Timings;
}

export interface Reduction {
  n: number;
  ofColumns: boolean;
  d: Float64Array;
  e: Float64Array;
}

/**
 * Singular values below this fraction of ν_max are recomputed from W itself (see refineSmall.ts):
 * through the Gram matrix their absolute error is ~ε·ν_max²/ν.
 */
export const REFINE_VALUES_BELOW = 1e-3;
/** Requested vectors below this fraction of ν_max are refined too (orthogonality of Wᵀu/ν needs it). */
export const REFINE_VECTORS_BELOW = 1e-2;

export function checkShape(a: Float64Array, rows: number, cols: number): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) {
    throw new RangeError(`bad matrix shape ${rows}×${cols}`);
  }
  if (a.length !== rows * cols)
    throw new RangeError(`matrix has ${a.length} entries, expected ${rows}×${cols}`);
}

interface Eigen {
  /** Eigenvalues of the Gram matrix, ascending. */
  lambda: Float64Array;
  /** Singular values, descending: values[i] = √max(λ[n−1−i], 0). */
  values: Float64Array;
}

function eigenvalues(k: Kernels, r: Reduction): Eigen {
  let d = k.tridiagonalEigenvalues?.(r.d, r.e);
  if (!d) {
    d = r.d.slice();
    tridiagonalEigen(d, r.e.slice(), r.n);
  }
  const lambda = d.sort();
  const values = new Float64Array(r.n);
  for (let i = 0; i < r.n; i++) values[i] = Math.sqrt(Math.max(lambda[r.n - 1 - i], 0));
  return { lambda, values };
}

/** First index (descending order) whose singular value is below `fraction`·ν_max. */
function firstBelow(values: Float64Array, fraction: number): number {
  const limit = fraction * values[0];
  let i = values.length;
  while (i > 0 && !(values[i - 1] >= limit)) i--;
  return values[0] > 0 ? i : 0;
}

/**
 * A power of two that brings the largest |entry| near 1 when the Gram matrix would otherwise
 * overflow or underflow, else 1 (exact: scaling by 2^k loses nothing).
 */
function safeScale(k: Kernels, a: Float64Array): number {
  const m = k.maxAbs?.(a) ?? maxAbs(a);
  if (!Number.isFinite(m)) throw new RangeError('matrix has non-finite entries');
  if (m === 0 || (m > 1e-120 && m < 1e120)) return 1;
  return 2 ** -Math.round(Math.log2(m));
}

function maxAbs(a: Float64Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function scaled(a: Float64Array, factor: number): Float64Array {
  return factor === 1 ? a : a.map((x) => x * factor);
}

export function computeSingularValues(k: Kernels, a: Float64Array, rows: number, cols: number): Float64Array {
  checkShape(a, rows, cols);
  clearTimings(k.timings);
  return singularValuesScaled(k, a, rows, cols);
}

/** The values with the power-of-two scaling; also the refinement's values of XᵀW, one level down. */
function singularValuesScaled(k: Kernels, a: Float64Array, rows: number, cols: number): Float64Array {
  const lap = stopwatch(k.timings);
  const factor = safeScale(k, a);
  const safe = scaled(a, factor);
  lap('scale');
  const values = singularValuesOfSafe(k, safe, rows, cols);
  return factor === 1 ? values : values.map((x) => x / factor);
}

export function computeSvd(
  k: Kernels,
  a: Float64Array,
  rows: number,
  cols: number,
  indices: number[] | 'all',
): SvdResult {
  checkShape(a, rows, cols);
  clearTimings(k.timings);
  return svdScaled(k, a, rows, cols, indices);
}

/** The SVD with the power-of-two scaling; also the refinement's SVD of XᵀW, one level down. */
function svdScaled(
  k: Kernels,
  a: Float64Array,
  rows: number,
  cols: number,
  indices: number[] | 'all',
): SvdResult {
  const factor = safeScale(k, a);
  const r = svdOfSafe(k, scaled(a, factor), rows, cols, indices);
  if (factor !== 1) r.values = r.values.map((x) => x / factor);
  return r;
}

function singularValuesOfSafe(k: Kernels, a: Float64Array, rows: number, cols: number): Float64Array {
  const r = k.reduce(a, rows, cols);
  try {
    const lap = stopwatch(k.timings);
    const { lambda, values } = eigenvalues(k, r);
    lap('eigenvalues');
    const start = firstBelow(values, REFINE_VALUES_BELOW);
    if (start < r.n) {
      refineValues(k, r, a, rows, cols, lambda, values, start);
      lap('refine');
    }
    return values;
  } finally {
    k.release(r);
  }
}

function svdOfSafe(
  k: Kernels,
  a: Float64Array,
  rows: number,
  cols: number,
  indices: number[] | 'all',
): SvdResult {
  const wanted = normalizeIndices(indices, Math.min(rows, cols));
  const r = k.reduce(a, rows, cols, wanted.length);
  try {
    const n = r.n;
    const lap = stopwatch(k.timings);
    const { lambda, values } = eigenvalues(k, r);
    lap('eigenvalues');
    if (values[0] === 0) return zeroMatrixSvd(rows, cols, wanted, values);
    let start = firstBelow(values, REFINE_VALUES_BELOW);
    const vectorLimit = firstBelow(values, REFINE_VECTORS_BELOW);
    for (const i of wanted) if (i >= vectorLimit) start = Math.min(start, i);
    const refined = start < n ? refine(k, r, a, rows, cols, lambda, values, start) : undefined;
    lap('refine');

    const plain = wanted.filter((i) => i < start);
    const z = tridiagonalVectors(k, r, lambda, plain);
    lap('inverseIteration');
    const x = backTransformed(k, r, z);
    lap('backTransform');
    const images = k.mapToLongSide(a, rows, cols, r.ofColumns, x.packed, plain.length);
    const paired = pairSingularVectors(r.ofColumns, values, plain, x.vectors, images);
    lap('otherSide');
    const left: Float64Array[] = [];
    const right: Float64Array[] = [];
    let p = 0;
    for (const i of wanted) {
      if (i < start) {
        left.push(paired.left[p]);
        right.push(paired.right[p++]);
      } else {
        left.push(refined!.left[i - start]);
        right.push(refined!.right[i - start]);
      }
    }
    return { values, indices: wanted, left, right };
  } finally {
    k.release(r);
  }
}

/** Unit eigenvectors of T for singular indices `which` (descending numbering), in T's coordinates. */
function tridiagonalVectors(k: Kernels, r: Reduction, lambda: Float64Array, which: number[]): Float64Array[] {
  // Ascending eigenvalue order for the clustering inside inverse iteration.
  const ascending = which.map((i) => r.n - 1 - i).reverse();
  const z = tridiagonalEigenvectors(
    r.d,
    r.e,
    ascending.map((j) => lambda[j]),
    1,
    k.fastProducts
      ? (vs) => {
          if (orthonormalize(k, vs).length !== vs.length)
            throw new Error('inverse iteration: a vector of a cluster vanished');
        }
      : undefined,
  );
  return z.reverse();
}

/** x = Q·z for each z, as views into one packed k×n array. */
function backTransformed(
  k: Kernels,
  r: Reduction,
  z: Float64Array[],
): { vectors: Float64Array[]; packed: Float64Array } {
  const n = r.n;
  const packed = new Float64Array(z.length * n);
  z.forEach((v, p) => packed.set(v, p * n));
  if (z.length > 0) k.backTransform(r, packed, z.length);
  return {
    vectors: z.map((_, p) => packed.subarray(p * n, (p + 1) * n)),
    packed,
  };
}

/** Recomputes values[start…n) from W (refineSmall.ts) in place. */
function refineValues(
  k: Kernels,
  r: Reduction,
  a: Float64Array,
  rows: number,
  cols: number,
  lambda: Float64Array,
  values: Float64Array,
  start: number,
): void {
  const { x } = smallValueVectors(k, r, lambda, start);
  const valuesOf = (b: Float64Array, m: number, l: number) => singularValuesScaled(k, b, m, l);
  storeRefined(
    values,
    start,
    refineSmallSingularValues(k, valuesOf, a, rows, cols, r.ofColumns, x, values[0]),
  );
}

/** Recomputes values[start…n) and their vectors from W (refineSmall.ts); updates `values` in place. */
function refine(
  k: Kernels,
  r: Reduction,
  a: Float64Array,
  rows: number,
  cols: number,
  lambda: Float64Array,
  values: Float64Array,
  start: number,
): { left: Float64Array[]; right: Float64Array[] } {
  const { z, x } = smallValueVectors(k, r, lambda, start);
  const project = (gs: Float64Array[]) => projectOutLargeRowSpace(k, r, a, rows, cols, z, gs);
  const svdOf = (b: Float64Array, m: number, l: number) => svdScaled(k, b, m, l, 'all');
  const t = refineSmallSingularTriplets(k, svdOf, a, rows, cols, r.ofColumns, x, values[0], project);
  storeRefined(values, start, t.values);
  return r.ofColumns ? { left: t.longSide, right: t.shortSide } : { left: t.shortSide, right: t.longSide };
}

/** Gram eigenvectors of values[start…n): in T's coordinates (z) and back-transformed (x). */
function smallValueVectors(k: Kernels, r: Reduction, lambda: Float64Array, start: number) {
  const which = Array.from({ length: r.n - start }, (_, p) => start + p);
  const z = tridiagonalVectors(k, r, lambda, which);
  return { z, x: backTransformed(k, r, z).vectors };
}

/** values[start…] ← the refined ones, never above the last value kept from the Gram matrix. */
function storeRefined(values: Float64Array, start: number, refined: Float64Array): void {
  const ceiling = start > 0 ? values[start - 1] : Infinity;
  for (let p = 0; p < refined.length; p++) values[start + p] = Math.min(refined[p], ceiling);
}

/**
 * g ← g − Wᵀ·C_c⁺·W·g for each long-side vector g, where C_c is the Gram matrix restricted to the
 * complement of the small-value subspace (spanned by `zSmall` in T's coordinates): removes from g
 * the part of the row space that belongs to the large singular values. All g go through each
 * product together.
 */
function projectOutLargeRowSpace(
  k: Kernels,
  r: Reduction,
  a: Float64Array,
  rows: number,
  cols: number,
  zSmall: Float64Array[],
  gs: Float64Array[],
): void {
  const count = gs.length;
  if (count === 0) return;
  const n = r.n;
  const long = gs[0].length;
  const packed = new Float64Array(count * long);
  gs.forEach((g, p) => packed.set(g, p * long));
  // The long side mapped back to the short side: the same product with the sides swapped.
  const b = k.mapToLongSide(a, rows, cols, !r.ofColumns, packed, count);
  k.backTransform(r, b, count, true);
  const lu = new TridiagonalLu(n);
  let norm = 0;
  for (let i = 0; i < n; i++) norm = Math.max(norm, Math.abs(r.d[i]) + 2 * Math.abs(r.e[i]));
  lu.factor(r.d, r.e, 0, Number.EPSILON * norm);
  const xs = Array.from({ length: count }, (_, p) => b.subarray(p * n, (p + 1) * n));
  removeSpan(k, zSmall, xs);
  for (const x of xs) lu.solve(x);
  removeSpan(k, zSmall, xs);
  k.backTransform(r, b, count);
  const h = k.mapToLongSide(a, rows, cols, r.ofColumns, b, count);
  gs.forEach((g, p) => {
    for (let i = 0; i < long; i++) g[i] -= h[p * long + i];
  });
}

/** W = 0: every vector is a singular vector; give coordinate vectors. */
function zeroMatrixSvd(rows: number, cols: number, wanted: number[], values: Float64Array): SvdResult {
  const unit = (length: number, i: number) => {
    const x = new Float64Array(length);
    x[i] = 1;
    return x;
  };
  return {
    values,
    indices: wanted,
    left: wanted.map((i) => unit(rows, i)),
    right: wanted.map((i) => unit(cols, i)),
  };
}
