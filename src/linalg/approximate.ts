import { tridiagonalEigen } from './tridiagonalEigen';
import { wasmFrobeniusSquared, wasmGramProduct } from './wasmApproximate';

/**
 * Approximations for layers above the exact-size limit (RMT.md §10): the top k singular values by
 * Lanczos with full reorthogonalisation on the smaller Gram matrix, and the density of the rest by
 * stochastic Lanczos quadrature (SLQ). Only products with W and Wᵀ are needed, so W is read a
 * block of rows at a time (it may be held in its file's dtype and widened per block). The products
 * run in WebAssembly SIMD (wasmApproximate.ts) where the runtime has it, else in TypeScript below;
 * the Lanczos recurrences and their reorthogonalisation (≈ 3% of the time) stay here.
 */
export interface ApproximateOptions {
  /** How many of the largest singular values to resolve (default 100). */
  k?: number;
  /** Lanczos steps for the top values (default max(2k + 60, 150), capped at n). */
  steps?: number;
  /** Random probe vectors for SLQ (default 8) and Lanczos steps per probe (default 60). */
  probes?: number;
  probeSteps?: number;
  seed?: number;
  /**
   * Where the products with W run: 'wasm' (default) in the SIMD kernels of wasmApproximate.ts when
   * this runtime has wasm SIMD, else in TypeScript; 'js' always in TypeScript.
   */
  kernels?: 'wasm' | 'js';
}

/** Undecoded elements of a plain dtype (formats/dtypes.ts), as readers give them. */
export interface RawSegment {
  bytes: Uint8Array;
  dtype: string;
  littleEndian: boolean;
}

/** A rows × cols matrix read a block of rows at a time. */
export interface RowBlocks {
  rows: number;
  cols: number;
  /** Rows [start, end) as row-major float64: a view, valid until the next call. */
  block(start: number, end: number): Float64Array;
  /**
   * Rows [start, end) undecoded, in order (their elements concatenated are the block's), for
   * widening elsewhere (the wasm products widen straight into wasm memory). Optional.
   */
  segments?(start: number, end: number): RawSegment[];
}

export interface ApproximateSpectrum {
  approximated: true;
  /** min(rows, cols): the number of singular values the exact spectrum would have. */
  count: number;
  /** Largest singular values, descending, as Ritz values. */
  top: Float64Array;
  /** Residual bound of each top value, ‖W Wᵀx − θx‖ / (2ν) (an error bound on ν to first order). */
  topErrors: Float64Array;
  /**
   * SLQ quadrature of the singular-value distribution: nodes ν (ascending) and weights summing to 1;
   * weight × count estimates how many singular values lie near each node.
   */
  density: { nodes: Float64Array; weights: Float64Array };
}

/** Elements per block of rows (256 KiB of float64): a block stays in cache for all vectors of a pass. */
const BLOCK_ELEMENTS = 1 << 15;

export function approximateSpectrum(
  a: Float64Array | RowBlocks,
  rows: number,
  cols: number,
  options: ApproximateOptions = {},
): ApproximateSpectrum {
  const w = a instanceof Float64Array ? inMemory(a, rows, cols) : a;
  if (w.rows !== rows || w.cols !== cols)
    throw new RangeError(`expected a ${rows}×${cols} matrix, got ${w.rows}×${w.cols}`);
  const n = Math.min(rows, cols);
  const random = seededRandom(options.seed ?? 1);
  const k = Math.min(options.k ?? 100, n);
  const steps = Math.min(n, options.steps ?? Math.max(2 * k + 60, 150));
  const probes = options.probes ?? 8;
  const probeSteps = Math.min(n, options.probeSteps ?? 60);

  const start = Float64Array.from({ length: n }, () => random() - 0.5);
  const starts = Array.from({ length: probes }, () =>
    Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1)),
  );
  // The top-k run and the SLQ probes step together: a step is one pass over W for all of them.
  const products = (options.kernels !== 'js' && wasmGramProduct(w)) || gramProduct(w);
  const [top, ...probeRuns] = lanczos(products, [start, ...starts], [steps, ...starts.map(() => probeSteps)]);

  const ritz = ritzPairs(top.alpha, top.beta);
  const order = Array.from(ritz.values.keys()).sort((i, j) => ritz.values[j] - ritz.values[i]);
  const take = order.slice(0, k);
  const values = Float64Array.from(take, (i) => Math.sqrt(Math.max(ritz.values[i], 0)));
  const errors = Float64Array.from(take, (i, p) => {
    const residual = Math.abs(top.lastBeta * ritz.lastComponents[i]);
    return values[p] > 0 ? residual / (2 * values[p]) : Math.sqrt(residual);
  });

  const nodes: number[] = [];
  const weights: number[] = [];
  for (const run of probeRuns) {
    const q = ritzPairs(run.alpha, run.beta);
    for (let i = 0; i < q.values.length; i++) {
      nodes.push(Math.sqrt(Math.max(q.values[i], 0)));
      weights.push(q.firstComponents[i] ** 2 / probes);
    }
  }
  const byNode = Array.from(nodes.keys()).sort((i, j) => nodes[i] - nodes[j]);
  return {
    approximated: true,
    count: n,
    top: values,
    topErrors: errors,
    density: {
      nodes: Float64Array.from(byNode, (i) => nodes[i]),
      weights: Float64Array.from(byNode, (i) => weights[i]),
    },
  };
}

/** A row-major float64 matrix as RowBlocks (blocks are views). */
export function inMemory(a: Float64Array, rows: number, cols: number): RowBlocks {
  return { rows, cols, block: (i0, i1) => a.subarray(i0 * cols, i1 * cols) };
}

/** ‖W‖²_F in one pass over the blocks (in wasm unless `kernels` is 'js' or wasm SIMD is unavailable). */
export function frobeniusSquared(w: RowBlocks, kernels: 'wasm' | 'js' = 'wasm'): number {
  const fast = kernels === 'wasm' ? wasmFrobeniusSquared(w) : undefined;
  if (fast !== undefined) return fast;
  let sum = 0;
  forEachBlock(w, (b) => {
    for (let i = 0; i < b.length; i++) sum += b[i] * b[i];
  });
  return sum;
}

function forEachBlock(w: RowBlocks, f: (block: Float64Array, first: number, count: number) => void): void {
  const per = Math.max(1, Math.floor(BLOCK_ELEMENTS / w.cols));
  for (let i0 = 0; i0 < w.rows; i0 += per) {
    const i1 = Math.min(w.rows, i0 + per);
    f(w.block(i0, i1), i0, i1 - i0);
  }
}

interface LanczosRun {
  alpha: Float64Array;
  /** beta[i] couples steps i and i+1 (length steps − 1). */
  beta: Float64Array;
  /** The β after the last step: residual norm of the Krylov factorisation. */
  lastBeta: number;
}

/**
 * Independent Lanczos runs on the symmetric operator `op` (applied to a block of vectors), one per
 * start vector with its own number of steps, in lockstep, each with full reorthogonalisation.
 */
function lanczos(
  op: (xs: Float64Array[]) => Float64Array[],
  starts: Float64Array[],
  steps: number[],
): LanczosRun[] {
  const runs = starts.map((start, r) => ({
    basis: [] as Float64Array[],
    alpha: [] as number[],
    beta: [] as number[],
    lastBeta: 0,
    q: scaleTo(start, 1 / norm(start)),
    steps: steps[r],
    done: steps[r] <= 0,
  }));
  for (let j = 0; ; j++) {
    const active = runs.filter((r) => !r.done);
    if (active.length === 0) break;
    const ws = op(active.map((r) => r.q));
    active.forEach((r, p) => {
      const w = ws[p];
      const q = r.q;
      r.basis.push(q);
      const a = dot(w, q);
      r.alpha.push(a);
      const previous = j > 0 ? r.basis[j - 1] : undefined;
      for (let i = 0; i < w.length; i++) w[i] -= a * q[i] + (previous ? r.beta[j - 1] * previous[i] : 0);
      for (let pass = 0; pass < 2; pass++) for (const b of r.basis) axpy(-dot(b, w), b, w);
      const b = norm(w);
      r.lastBeta = b;
      if (j === r.steps - 1 || b <= 1e-14 * Math.abs(a)) {
        r.done = true;
        return;
      }
      r.beta.push(b);
      r.q = scaleTo(w, 1 / b);
    });
  }
  return runs.map((r) => ({
    alpha: Float64Array.from(r.alpha),
    beta: Float64Array.from(r.beta),
    lastBeta: r.lastBeta,
  }));
}

/**
 * x ↦ C·x for a block of x, C the Gram matrix of the smaller side (the TypeScript fallback of
 * wasmApproximate.ts's wasmGramProduct). C = WᵀW (rows > cols) in one
 * pass: row wᵢ adds (wᵢ·x)·wᵢ. C = W·Wᵀ in two passes: u = Wᵀx, then (W·u)ᵢ = wᵢ·u. Vectors go
 * four at a time through each row, which loads the row once for four products.
 */
function gramProduct(w: RowBlocks): (xs: Float64Array[]) => Float64Array[] {
  const { rows, cols } = w;
  const t = new Float64Array(4);
  if (cols < rows)
    return (xs) => {
      const zs = xs.map(() => new Float64Array(cols));
      forEachBlock(w, (b, _first, count) => {
        for (let i = 0; i < count; i++) {
          const at = i * cols;
          let p = 0;
          for (; p + 3 < xs.length; p += 4) {
            dot4(b, at, xs[p], xs[p + 1], xs[p + 2], xs[p + 3], cols, t);
            axpy4(t, b, at, zs[p], zs[p + 1], zs[p + 2], zs[p + 3], cols);
          }
          for (; p < xs.length; p++) {
            const s = rowDot(b, at, xs[p], cols);
            if (s !== 0) rowAxpy(s, b, at, zs[p], cols);
          }
        }
      });
      return zs;
    };
  return (xs) => {
    const us = xs.map(() => new Float64Array(cols));
    forEachBlock(w, (b, first, count) => {
      for (let i = 0; i < count; i++) {
        const at = i * cols;
        let p = 0;
        for (; p + 3 < xs.length; p += 4) {
          for (let q = 0; q < 4; q++) t[q] = xs[p + q][first + i];
          axpy4(t, b, at, us[p], us[p + 1], us[p + 2], us[p + 3], cols);
        }
        for (; p < xs.length; p++) {
          const s = xs[p][first + i];
          if (s !== 0) rowAxpy(s, b, at, us[p], cols);
        }
      }
    });
    const ys = xs.map(() => new Float64Array(rows));
    forEachBlock(w, (b, first, count) => {
      for (let i = 0; i < count; i++) {
        const at = i * cols;
        let p = 0;
        for (; p + 3 < xs.length; p += 4) {
          dot4(b, at, us[p], us[p + 1], us[p + 2], us[p + 3], cols, t);
          for (let q = 0; q < 4; q++) ys[p + q][first + i] = t[q];
        }
        for (; p < xs.length; p++) ys[p][first + i] = rowDot(b, at, us[p], cols);
      }
    });
    return ys;
  };
}

/** Σⱼ b[at + j]·x[j] with four partial sums (independent additions pipeline, one chain would not). */
function rowDot(b: Float64Array, at: number, x: Float64Array, length: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let j = 0;
  for (; j + 3 < length; j += 4) {
    s0 += b[at + j] * x[j];
    s1 += b[at + j + 1] * x[j + 1];
    s2 += b[at + j + 2] * x[j + 2];
    s3 += b[at + j + 3] * x[j + 3];
  }
  for (; j < length; j++) s0 += b[at + j] * x[j];
  return s0 + s1 + (s2 + s3);
}

/** y[j] += t·b[at + j]. */
function rowAxpy(t: number, b: Float64Array, at: number, y: Float64Array, length: number): void {
  for (let j = 0; j < length; j++) y[j] += t * b[at + j];
}

/** out[q] = Σⱼ b[at + j]·x_q[j] for four vectors, one load of the row. */
function dot4(
  b: Float64Array,
  at: number,
  x0: Float64Array,
  x1: Float64Array,
  x2: Float64Array,
  x3: Float64Array,
  length: number,
  out: Float64Array,
): void {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (let j = 0; j < length; j++) {
    const v = b[at + j];
    s0 += v * x0[j];
    s1 += v * x1[j];
    s2 += v * x2[j];
    s3 += v * x3[j];
  }
  out[0] = s0;
  out[1] = s1;
  out[2] = s2;
  out[3] = s3;
}

/** y_q[j] += t[q]·b[at + j] for four vectors. */
function axpy4(
  t: Float64Array,
  b: Float64Array,
  at: number,
  y0: Float64Array,
  y1: Float64Array,
  y2: Float64Array,
  y3: Float64Array,
  length: number,
): void {
  const [t0, t1, t2, t3] = t;
  for (let j = 0; j < length; j++) {
    const v = b[at + j];
    y0[j] += t0 * v;
    y1[j] += t1 * v;
    y2[j] += t2 * v;
    y3[j] += t3 * v;
  }
}

/** Eigenvalues of the Lanczos tridiagonal matrix with the first and last components of each eigenvector. */
function ritzPairs(alpha: Float64Array, beta: Float64Array) {
  const m = alpha.length;
  const d = alpha.slice();
  const e = new Float64Array(m);
  e.set(beta);
  const z = new Float64Array(m * m);
  for (let i = 0; i < m; i++) z[i * m + i] = 1;
  tridiagonalEigen(d, e, m, z);
  return {
    values: d,
    firstComponents: Float64Array.from({ length: m }, (_, i) => z[i * m]),
    lastComponents: Float64Array.from({ length: m }, (_, i) => z[i * m + m - 1]),
  };
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

function norm(x: Float64Array): number {
  return Math.sqrt(dot(x, x));
}

function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}

function scaleTo(x: Float64Array, f: number): Float64Array {
  return x.map((v) => v * f);
}
