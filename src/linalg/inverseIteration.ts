/**
 * Eigenvectors of a symmetric tridiagonal matrix for given eigenvalues by inverse iteration
 * (LU with partial pivoting of T − σI), with Gram–Schmidt inside clusters of close eigenvalues.
 * A large cluster (a null space: a rank-deficient matrix has hundreds of equal eigenvalues) is
 * iterated as one block, orthonormalised after each step by `orthonormalizeBlock` (the engine's
 * products) instead of vector by vector in JavaScript, O(k²·n) per step either way.
 */

/** Eigenvalues closer than this (relative to ‖T‖) are treated as one cluster and kept orthogonal. */
const CLUSTER_GAP = 1e-5;
const ITERATIONS = 3;
/** Clusters with more members than this are iterated as a block (when a block routine is given). */
const BLOCK_CLUSTER = 32;

/**
 * `lambdas` ascending; returns one unit vector of length n per eigenvalue (in T's coordinates).
 * `seed` makes the start vectors reproducible. `orthonormalizeBlock` orthonormalises vectors in
 * place, in order (refineSmall.ts `orthonormalize` through the kernels).
 */
export function tridiagonalEigenvectors(
  d: Float64Array,
  e: Float64Array,
  lambdas: ArrayLike<number>,
  seed = 1,
  orthonormalizeBlock?: (vs: Float64Array[]) => void,
): Float64Array[] {
  const n = d.length;
  // Work on T/‖T‖ so that pivots, shifts and growth are on a fixed scale.
  const norm = tridiagonalNorm(d, e) || 1;
  const ds = d.map((x) => x / norm);
  const es = e.map((x) => x / norm);
  const tiny = Number.EPSILON;
  const lu = new TridiagonalLu(n);
  // Distinct shifts inside a cluster keep the factorisations from being identical.
  const shift = (k: number, clusterStart: number) => lambdas[k] / norm + (k - clusterStart) * 10 * tiny;
  const vectors: Float64Array[] = [];
  for (let start = 0; start < lambdas.length;) {
    let end = start + 1;
    while (end < lambdas.length && lambdas[end] - lambdas[end - 1] <= CLUSTER_GAP * norm) end++;
    if (orthonormalizeBlock && end - start > BLOCK_CLUSTER) {
      const block = Array.from({ length: end - start }, (_, p) => startVector(n, seed + start + p));
      for (let it = 0; it < ITERATIONS; it++) {
        block.forEach((x, p) => {
          lu.factor(ds, es, shift(start + p, start), tiny);
          lu.solve(x);
          normalize(x);
        });
        orthonormalizeBlock(block);
      }
      vectors.push(...block);
    } else {
      for (let k = start; k < end; k++) {
        lu.factor(ds, es, shift(k, start), tiny);
        const x = startVector(n, seed + k);
        for (let it = 0; it < ITERATIONS; it++) {
          lu.solve(x);
          for (let j = start; j < k; j++) subtractProjection(vectors[j], x);
          normalize(x);
        }
        vectors.push(x);
      }
    }
    start = end;
  }
  return vectors;
}

function tridiagonalNorm(d: Float64Array, e: Float64Array): number {
  const n = d.length;
  let m = 0;
  for (let i = 0; i < n; i++) {
    const s = Math.abs(d[i]) + (i > 0 ? Math.abs(e[i - 1]) : 0) + (i < n - 1 ? Math.abs(e[i]) : 0);
    m = Math.max(m, s);
  }
  return m;
}

/** P·(T − σI) = L·U, U with two superdiagonals; pivots smaller than `tiny` replaced by ±tiny. */
export class TridiagonalLu {
  private readonly u0: Float64Array;
  private readonly u1: Float64Array;
  private readonly u2: Float64Array;
  private readonly mult: Float64Array;
  private readonly swapped: Uint8Array;

  constructor(readonly n: number) {
    this.u0 = new Float64Array(n);
    this.u1 = new Float64Array(n);
    this.u2 = new Float64Array(n);
    this.mult = new Float64Array(n);
    this.swapped = new Uint8Array(n);
  }

  factor(d: Float64Array, e: Float64Array, sigma: number, tiny: number): void {
    const { n, u0, u1, u2, mult, swapped } = this;
    // Working row: entries at columns i, i+1.
    let w0 = d[0] - sigma;
    let w1 = n > 1 ? e[0] : 0;
    for (let i = 0; i < n - 1; i++) {
      const sub = e[i];
      const diag = d[i + 1] - sigma;
      const sup = i + 1 < n - 1 ? e[i + 1] : 0;
      if (Math.abs(w0) >= Math.abs(sub)) {
        if (w0 === 0) w0 = tiny;
        const m = sub / w0;
        u0[i] = w0;
        u1[i] = w1;
        u2[i] = 0;
        mult[i] = m;
        swapped[i] = 0;
        w0 = diag - m * w1;
        w1 = sup;
      } else {
        const m = w0 / sub;
        u0[i] = sub;
        u1[i] = diag;
        u2[i] = sup;
        mult[i] = m;
        swapped[i] = 1;
        w0 = w1 - m * diag;
        w1 = -m * sup;
      }
    }
    u0[n - 1] = w0 === 0 ? tiny : w0;
    // Reciprocal pivots (the back substitution is a chain of dependent steps, and a division
    // costs several multiplications there); a pivot below `tiny` counts as ±tiny, so none overflows.
    for (let i = 0; i < n; i++) u0[i] = 1 / (Math.abs(u0[i]) >= tiny ? u0[i] : u0[i] < 0 ? -tiny : tiny);
  }

  /** x ← (T − σI)⁻¹·x. */
  solve(x: Float64Array): void {
    const { n, u0, u1, u2, mult, swapped } = this;
    for (let i = 0; i < n - 1; i++) {
      if (swapped[i]) {
        const t = x[i];
        x[i] = x[i + 1];
        x[i + 1] = t;
      }
      x[i + 1] -= mult[i] * x[i];
    }
    // Back substitution with the last two results in locals (u0 holds reciprocal pivots).
    let next = (x[n - 1] *= u0[n - 1]);
    let after = 0;
    for (let i = n - 2; i >= 0; i--) {
      const xi = (x[i] - u1[i] * next - u2[i] * after) * u0[i];
      x[i] = xi;
      after = next;
      next = xi;
    }
  }
}

function startVector(n: number, seed: number): Float64Array {
  let s = (seed * 0x9e3779b1) >>> 0;
  const x = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    x[i] = s / 4294967296 - 0.5;
  }
  return x;
}

function subtractProjection(q: Float64Array, x: Float64Array): void {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += q[i] * x[i];
  for (let i = 0; i < x.length; i++) x[i] -= s * q[i];
}

function normalize(x: Float64Array): void {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * x[i];
  const inv = 1 / Math.sqrt(s);
  for (let i = 0; i < x.length; i++) x[i] *= inv;
}
