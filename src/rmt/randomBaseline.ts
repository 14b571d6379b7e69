/** Randomised baseline (RMT.md §7): the spectrum of the same entries, shuffled. */
import { Rng } from './prng';
import type { SpectrumEngine } from '../linalg/types';

/**
 * Jensen–Shannon distance between two eigenvalue vectors taken as distributions (each sorted
 * ascending, zero-padded to a common length, normalised to sum 1 and compared position by
 * position), with natural logarithms as scipy's `entropy` uses them: √JSD ∈ [0, √ln 2], as
 * WeightWatcher's `rand_distance`.
 */
export function jensenShannonDistance(a: ArrayLike<number>, b: ArrayLike<number>): number {
  const n = Math.max(a.length, b.length);
  const p = normalisedSorted(a, n);
  const q = normalisedSorted(b, n);
  let jsd = 0;
  for (let i = 0; i < n; i++) {
    const m = 0.5 * (p[i] + q[i]);
    if (p[i] > 0) jsd += 0.5 * p[i] * Math.log(p[i] / m);
    if (q[i] > 0) jsd += 0.5 * q[i] * Math.log(q[i] / m);
  }
  return Math.sqrt(Math.max(0, jsd));
}

function normalisedSorted(v: ArrayLike<number>, n: number): Float64Array {
  const out = new Float64Array(n);
  out.set(Float64Array.from(v).sort());
  let sum = 0;
  for (const x of out) sum += x;
  if (sum > 0) for (let i = 0; i < n; i++) out[i] /= sum;
  return out;
}

export interface RandomBaseline {
  /** Singular values of each shuffled replica, descending. */
  replicas: Float64Array[];
  /** Mean JS distance between the eigenvalues ν² of the layer and of the replicas. */
  jsDistance: number;
}

/**
 * Shuffles the entries (Fisher–Yates, seeded) `replicas` times: 1, or 5 for layers with < 100 eigenvalues.
 * `inPlace`: the caller no longer needs `data`, so a single replica shuffles it without a copy
 * (same permutation, same result).
 */
export function randomBaseline(
  data: Float64Array,
  rows: number,
  cols: number,
  singularValues: Float64Array,
  engine: SpectrumEngine,
  seed: number,
  inPlace = false,
): RandomBaseline {
  const count = Math.min(rows, cols) < 100 ? 5 : 1;
  const rng = new Rng(seed);
  const eigen = Float64Array.from(singularValues, (x) => x * x);
  const replicas: Float64Array[] = [];
  let total = 0;
  for (let r = 0; r < count; r++) {
    const shuffled = rng.shuffle(inPlace && count === 1 ? data : Float64Array.from(data));
    const nu = engine.singularValues(shuffled, rows, cols);
    replicas.push(nu);
    total += jensenShannonDistance(
      eigen,
      Float64Array.from(nu, (x) => x * x),
    );
  }
  return { replicas, jsDistance: total / count };
}
