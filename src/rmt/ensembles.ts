/**
 * Random matrix ensembles (RMT.md §11), drawn from the seeded generator of `prng.ts`
 * (xoshiro128** seeded by SplitMix64, Box–Muller normals), so a file can be regenerated from
 * (type, n, m, count, seed, options). Matrices are row-major; complex ones carry `im`.
 *
 * Draw order, for reproducibility: matrices one after the other; within a matrix the entries in
 * row-major order, a complex entry as (real, imaginary).
 */
import { Rng } from './prng';

export type EnsembleType =
  'goe' | 'gue' | 'wishart' | 'ginibre' | 'heavy-tailed' | 'low-rank' | 'coe' | 'cue' | 'cse' | 'mme';

export const ENSEMBLE_TYPES: readonly EnsembleType[] = [
  'goe',
  'gue',
  'wishart',
  'ginibre',
  'heavy-tailed',
  'low-rank',
  'coe',
  'cue',
  'cse',
  'mme',
];

export interface EnsembleMatrix {
  rows: number;
  cols: number;
  re: Float64Array;
  /** Imaginary parts, for the complex ensembles (GUE, COE, CUE, CSE). */
  im?: Float64Array;
}

export interface EnsembleOptions {
  /** Entry scale σ of Ginibre, Wishart, heavy-tailed and low-rank noise (default 1). */
  sigma?: number;
  /** Heavy-tailed entries: 'student-t' (default) or 'pareto' (symmetric, |x| ≥ 1). */
  tail?: 'student-t' | 'pareto';
  /** Tail index: Student-t degrees of freedom or Pareto exponent (default 1.5). */
  tailIndex?: number;
  /** Low-rank-plus-noise: rank r (default 1) and strength θ in units of σ√M (default 3). */
  rank?: number;
  strength?: number;
  /** MME: mixture coefficient p of the binomial(N, p) sizes (default 0.5) and the base ensemble (default 'goe'). */
  mixture?: number;
  base?: Exclude<EnsembleType, 'mme'>;
}

/**
 * `count` matrices of the ensemble. n × m for Ginibre, heavy-tailed and low-rank (m defaults to n);
 * n × n for GOE, GUE, Wishart (W·Wᵀ/M of an n × m Gaussian W), COE and CUE; 2n × 2n for CSE
 * (n quaternion entries); MME sizes are max(2, binomial(n, p)).
 */
export function generateEnsemble(
  type: EnsembleType,
  n: number,
  m: number | undefined,
  count: number,
  seed: number,
  options: EnsembleOptions = {},
): EnsembleMatrix[] {
  if (!Number.isInteger(n) || n < 1) throw new Error(`n must be a positive integer, got ${n}`);
  const cols = m ?? n;
  if (!Number.isInteger(cols) || cols < 1) throw new Error(`m must be a positive integer, got ${m}`);
  if (!Number.isInteger(count) || count < 1)
    throw new Error(`count must be a positive integer, got ${count}`);
  if (!ENSEMBLE_TYPES.includes(type))
    throw new Error(`unknown ensemble '${type}'; one of ${ENSEMBLE_TYPES.join(', ')}`);
  const rng = new Rng(seed);
  const out: EnsembleMatrix[] = [];
  for (let k = 0; k < count; k++) out.push(drawOne(rng, type, n, cols, options));
  return out;
}

function drawOne(rng: Rng, type: EnsembleType, n: number, m: number, o: EnsembleOptions): EnsembleMatrix {
  const sigma = o.sigma ?? 1;
  switch (type) {
    case 'goe':
      return goe(rng, n);
    case 'gue':
      return gue(rng, n);
    case 'wishart':
      return wishart(rng, n, m, sigma);
    case 'ginibre':
      return { rows: n, cols: m, re: rng.normals(n * m, sigma) };
    case 'heavy-tailed':
      return heavyTailed(rng, n, m, sigma, o.tail ?? 'student-t', o.tailIndex ?? 1.5);
    case 'low-rank':
      return lowRankPlusNoise(rng, n, m, sigma, o.rank ?? 1, o.strength ?? 3);
    case 'cue':
      return haarUnitary(rng, n);
    case 'coe':
      return circularOrthogonal(rng, n);
    case 'cse':
      return circularSymplectic(rng, n);
    case 'mme': {
      const size = Math.max(2, rng.binomial(n, o.mixture ?? 0.5));
      return drawOne(rng, o.base ?? 'goe', size, size, o);
    }
  }
}

/** GOE: H = (A + Aᵀ)/√(2N), A i.i.d. N(0, 1): off-diagonal variance 1/N, diagonal 2/N, semicircle on [−2, 2]. */
function goe(rng: Rng, n: number): EnsembleMatrix {
  const a = rng.normals(n * n);
  const h = new Float64Array(n * n);
  const s = 1 / Math.sqrt(2 * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) h[i * n + j] = (a[i * n + j] + a[j * n + i]) * s;
  return { rows: n, cols: n, re: h };
}

/** GUE: H = (A + A†)/√(2N), A complex with E|aᵢⱼ|² = 1: E|Hᵢⱼ|² = 1/N, semicircle on [−2, 2]. */
function gue(rng: Rng, n: number): EnsembleMatrix {
  const { re: ar, im: ai } = complexGinibre(rng, n, n);
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const s = 1 / Math.sqrt(2 * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      re[i * n + j] = (ar[i * n + j] + ar[j * n + i]) * s;
      im[i * n + j] = (ai[i * n + j] - ai[j * n + i]) * s;
    }
  return { rows: n, cols: n, re, im };
}

/** Wishart/Laguerre: W·Wᵀ/M with W n × m of i.i.d. N(0, σ²). */
function wishart(rng: Rng, n: number, m: number, sigma: number): EnsembleMatrix {
  const w = rng.normals(n * m, sigma);
  const c = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      for (let k = 0; k < m; k++) s += w[i * m + k] * w[j * m + k];
      c[i * n + j] = c[j * n + i] = s / m;
    }
  return { rows: n, cols: n, re: c };
}

function heavyTailed(
  rng: Rng,
  n: number,
  m: number,
  sigma: number,
  tail: 'student-t' | 'pareto',
  index: number,
): EnsembleMatrix {
  if (!(index > 0)) throw new Error(`tail index must be > 0, got ${index}`);
  const re = new Float64Array(n * m);
  for (let i = 0; i < re.length; i++) {
    if (tail === 'student-t') re[i] = sigma * rng.studentT(index);
    else {
      const sign = rng.uniform() < 0.5 ? -1 : 1;
      re[i] = sign * sigma * Math.pow(1 - rng.uniform(), -1 / index);
    }
  }
  return { rows: n, cols: m, re };
}

/**
 * σ·G + θσ√M·Σᵣ uᵣvᵣᵀ with orthonormal u (length n) and v (length m) from Gram–Schmidt on Gaussian
 * vectors: the spikes sit at the BBP locations of strength θ (RMT.md §2).
 */
function lowRankPlusNoise(
  rng: Rng,
  n: number,
  m: number,
  sigma: number,
  rank: number,
  theta: number,
): EnsembleMatrix {
  const r = Math.min(rank, n, m);
  const re = rng.normals(n * m, sigma);
  const us = orthonormalVectors(rng, n, r);
  const vs = orthonormalVectors(rng, m, r);
  const amplitude = theta * sigma * Math.sqrt(Math.max(n, m));
  for (let k = 0; k < r; k++)
    for (let i = 0; i < n; i++) {
      const a = amplitude * us[k][i];
      for (let j = 0; j < m; j++) re[i * m + j] += a * vs[k][j];
    }
  return { rows: n, cols: m, re };
}

function orthonormalVectors(rng: Rng, length: number, count: number): Float64Array[] {
  const out: Float64Array[] = [];
  while (out.length < count) {
    const v = rng.normals(length);
    for (let pass = 0; pass < 2; pass++)
      for (const u of out) {
        let d = 0;
        for (let i = 0; i < length; i++) d += u[i] * v[i];
        for (let i = 0; i < length; i++) v[i] -= d * u[i];
      }
    let norm = 0;
    for (const x of v) norm += x * x;
    norm = Math.sqrt(norm);
    if (norm > 1e-8) out.push(v.map((x) => x / norm));
  }
  return out;
}

/** Complex Ginibre, entries (x + iy)/√2 with x, y ~ N(0, 1). */
function complexGinibre(rng: Rng, n: number, m: number): { re: Float64Array; im: Float64Array } {
  const re = new Float64Array(n * m);
  const im = new Float64Array(n * m);
  for (let i = 0; i < n * m; i++) {
    re[i] = rng.normal() * Math.SQRT1_2;
    im[i] = rng.normal() * Math.SQRT1_2;
  }
  return { re, im };
}

/**
 * CUE: Haar unitary from the QR decomposition of complex Ginibre Z with R's diagonal made positive
 * (Mezzadri 2007). Gram–Schmidt on the columns, twice for orthogonality, produces exactly that
 * QR (its R has a positive real diagonal), so no further phase fix is needed.
 */
function haarUnitary(rng: Rng, n: number): EnsembleMatrix {
  const z = complexGinibre(rng, n, n);
  // Columns as separate vectors.
  const colRe: Float64Array[] = [];
  const colIm: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const vr = new Float64Array(n);
    const vi = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      vr[i] = z.re[i * n + j];
      vi[i] = z.im[i * n + j];
    }
    for (let pass = 0; pass < 2; pass++)
      for (let p = 0; p < j; p++) {
        // ⟨q_p, v⟩ = Σ conj(q)·v
        let dr = 0;
        let di = 0;
        const qr = colRe[p];
        const qi = colIm[p];
        for (let i = 0; i < n; i++) {
          dr += qr[i] * vr[i] + qi[i] * vi[i];
          di += qr[i] * vi[i] - qi[i] * vr[i];
        }
        for (let i = 0; i < n; i++) {
          vr[i] -= dr * qr[i] - di * qi[i];
          vi[i] -= dr * qi[i] + di * qr[i];
        }
      }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += vr[i] * vr[i] + vi[i] * vi[i];
    norm = Math.sqrt(norm);
    for (let i = 0; i < n; i++) {
      vr[i] /= norm;
      vi[i] /= norm;
    }
    colRe.push(vr);
    colIm.push(vi);
  }
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  for (let j = 0; j < n; j++)
    for (let i = 0; i < n; i++) {
      re[i * n + j] = colRe[j][i];
      im[i * n + j] = colIm[j][i];
    }
  return { rows: n, cols: n, re, im };
}

/** COE: U = VᵀV with V from the CUE (symmetric unitary). */
function circularOrthogonal(rng: Rng, n: number): EnsembleMatrix {
  const v = haarUnitary(rng, n);
  return complexProduct(transpose(v), v);
}

/**
 * CSE: U = V^D·V, 2n × 2n, with V from the CUE of size 2n and the dual V^D = J·Vᵀ·Jᵀ,
 * J = diag of n blocks [[0, 1], [−1, 0]]. U is unitary and self-dual; its eigenvalues come in
 * degenerate (Kramers) pairs.
 */
function circularSymplectic(rng: Rng, n: number): EnsembleMatrix {
  const size = 2 * n;
  const v = haarUnitary(rng, size);
  const vt = transpose(v);
  // J·X·Jᵀ: (J X Jᵀ)[i][j] = s(i)s(j)·X[p(i)][p(j)], p swaps 2k ↔ 2k+1, s(2k) = 1, s(2k+1) = −1.
  const dual: EnsembleMatrix = {
    rows: size,
    cols: size,
    re: new Float64Array(size * size),
    im: new Float64Array(size * size),
  };
  for (let i = 0; i < size; i++)
    for (let j = 0; j < size; j++) {
      const pi = i ^ 1;
      const pj = j ^ 1;
      const sign = (i % 2 === 0 ? 1 : -1) * (j % 2 === 0 ? 1 : -1);
      dual.re[i * size + j] = sign * vt.re[pi * size + pj];
      dual.im![i * size + j] = sign * vt.im![pi * size + pj];
    }
  return complexProduct(dual, v);
}

function transpose(a: EnsembleMatrix): EnsembleMatrix {
  const { rows, cols } = a;
  const re = new Float64Array(rows * cols);
  const im = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++)
    for (let j = 0; j < cols; j++) {
      re[j * rows + i] = a.re[i * cols + j];
      im[j * rows + i] = a.im ? a.im[i * cols + j] : 0;
    }
  return { rows: cols, cols: rows, re, im };
}

function complexProduct(a: EnsembleMatrix, b: EnsembleMatrix): EnsembleMatrix {
  const n = a.rows;
  const k = a.cols;
  const m = b.cols;
  const re = new Float64Array(n * m);
  const im = new Float64Array(n * m);
  const ai = a.im ?? new Float64Array(a.re.length);
  const bi = b.im ?? new Float64Array(b.re.length);
  for (let i = 0; i < n; i++)
    for (let p = 0; p < k; p++) {
      const xr = a.re[i * k + p];
      const xi = ai[i * k + p];
      for (let j = 0; j < m; j++) {
        const yr = b.re[p * m + j];
        const yi = bi[p * m + j];
        re[i * m + j] += xr * yr - xi * yi;
        im[i * m + j] += xr * yi + xi * yr;
      }
    }
  return { rows: n, cols: m, re, im };
}
