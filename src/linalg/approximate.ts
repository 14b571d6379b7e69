import { multiply, multiplyTransposed } from './spectrumFromGram';
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
  // C·x with C the Gram matrix of the smaller side, through two products with W.
  const gram = (x: Float64Array) =>
    ofColumns
      ? multiplyTransposed(a, rows, cols, multiply(a, rows, cols, x))
      : multiply(a, rows, cols, multiplyTransposed(a, rows, cols, x));
  const random = seededRandom(options.seed ?? 1);
  const k = Math.min(options.k ?? 100, n);
  const steps = Math.min(n, options.steps ?? Math.max(2 * k + 60, 150));

  const start = Float64Array.from({ length: n }, () => random() - 0.5);
  const top = lanczos(gram, start, steps, true);
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
  for (let p = 0; p < probes; p++) {
    const z = Float64Array.from({ length: n }, () => (random() < 0.5 ? -1 : 1));
    const run = lanczos(gram, z, probeSteps, true);
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

/** Lanczos on the symmetric operator `op` from `start`, with full reorthogonalisation. */
function lanczos(
  op: (x: Float64Array) => Float64Array,
  start: Float64Array,
  steps: number,
  reorth: boolean,
): LanczosRun {
  const n = start.length;
  const basis: Float64Array[] = [];
  const alpha: number[] = [];
  const beta: number[] = [];
  let q = scaleTo(start, 1 / norm(start));
  let lastBeta = 0;
  for (let j = 0; j < steps; j++) {
    basis.push(q);
    const w = op(q);
    const a = dot(w, q);
    alpha.push(a);
    for (let i = 0; i < n; i++) w[i] -= a * q[i] + (j > 0 ? beta[j - 1] * basis[j - 1][i] : 0);
    if (reorth) for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(-dot(b, w), b, w);
    const b = norm(w);
    lastBeta = b;
    if (j === steps - 1 || b <= 1e-14 * Math.abs(a)) break;
    beta.push(b);
    q = scaleTo(w, 1 / b);
  }
  return { alpha: Float64Array.from(alpha), beta: Float64Array.from(beta), lastBeta };
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
