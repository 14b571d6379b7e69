import { tridiagonalEigen } from './tridiagonalEigen';

/**
 * Approximations for layers above the exact-size limit (RMT.md §10): the top k singular values by
 * Lanczos with full reorthogonalisation on the smaller Gram matrix, and the density of the rest by
 * stochastic Lanczos quadrature (SLQ). Only products with W and Wᵀ are needed.
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

export function approximateSpectrum(
  a: Float64Array,
  rows: number,
  cols: number,
  options: ApproximateOptions = {},
): ApproximateSpectrum {
  const ofColumns = cols < rows;
  const n = ofColumns ? cols : rows;
  // C·x for a block of x, C the Gram matrix of the smaller side, through two passes over W.
  const gram = (xs: Float64Array[]) =>
    ofColumns
      ? timesTransposed(a, rows, cols, times(a, rows, cols, xs))
      : times(a, rows, cols, timesTransposed(a, rows, cols, xs));
  const random = seededRandom(options.seed ?? 1);
  const k = Math.min(options.k ?? 100, n);
  const steps = Math.min(n, options.steps ?? Math.max(2 * k + 60, 150));

  const start = Float64Array.from({ length: n }, () => random() - 0.5);
  const [top] = lanczos(gram, [start], steps);
  const ritz = ritzPairs(top.alpha, top.beta);
  const order = Array.from(ritz.values.keys()).sort((i, j) => ritz.values[j] - ritz.values[i]);
  const take = order.slice(0, k);
  const values = Float64Array.from(take, (i) => Math.sqrt(Math.max(ritz.values[i], 0)));
  const errors = Float64Array.from(take, (i, p) => {
    const residual = Math.abs(top.lastBeta * ritz.lastComponents[i]);
    return values[p] > 0 ? residual / (2 * values[p]) : Math.sqrt(residual);
  });

  const probes = options.probes ?? 8;
  const probeSteps = Math.min(n, options.probeSteps ?? 60);
  const nodes: number[] = [];
  const weights: number[] = [];
  // All probes step together, so that each step is one pass over W for the whole block.
  const starts = Array.from({ length: probes }, () =>
    Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1)),
  );
  for (const run of lanczos(gram, starts, probeSteps)) {
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

interface LanczosRun {
  alpha: Float64Array;
  /** beta[i] couples steps i and i+1 (length steps − 1). */
  beta: Float64Array;
  /** The β after the last step: residual norm of the Krylov factorisation. */
  lastBeta: number;
}

/**
 * Independent Lanczos runs on the symmetric operator `op` (applied to a block of vectors), one per
 * start vector, in lockstep, each with full reorthogonalisation.
 */
function lanczos(
  op: (xs: Float64Array[]) => Float64Array[],
  starts: Float64Array[],
  steps: number,
): LanczosRun[] {
  const runs = starts.map((start) => ({
    basis: [] as Float64Array[],
    alpha: [] as number[],
    beta: [] as number[],
    lastBeta: 0,
    q: scaleTo(start, 1 / norm(start)),
    done: false,
  }));
  for (let j = 0; j < steps; j++) {
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
      if (j === steps - 1 || b <= 1e-14 * Math.abs(a)) {
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

/** W·x for each x (length cols), in one pass over W. */
function times(a: Float64Array, rows: number, cols: number, xs: Float64Array[]): Float64Array[] {
  const ys = xs.map(() => new Float64Array(rows));
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let p = 0; p < xs.length; p++) {
      const x = xs[p];
      let s = 0;
      for (let j = 0; j < cols; j++) s += a[row + j] * x[j];
      ys[p][i] = s;
    }
  }
  return ys;
}

/** Wᵀ·x for each x (length rows), in one pass over W. */
function timesTransposed(a: Float64Array, rows: number, cols: number, xs: Float64Array[]): Float64Array[] {
  const ys = xs.map(() => new Float64Array(cols));
  for (let i = 0; i < rows; i++) {
    const row = i * cols;
    for (let p = 0; p < xs.length; p++) {
      const xi = xs[p][i];
      if (xi === 0) continue;
      const y = ys[p];
      for (let j = 0; j < cols; j++) y[j] += a[row + j] * xi;
    }
  }
  return ys;
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
