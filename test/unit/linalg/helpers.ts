import assert from 'node:assert/strict';
import { SingularValueDecomposition, Matrix } from 'ml-matrix';
import type { SvdResult } from '../../../src/linalg/types';

/** Deterministic uniform [0, 1) generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Row-major rows×cols matrix of standard normal entries (Box–Muller). */
export function gaussianMatrix(rows: number, cols: number, seed: number): Float64Array {
  const random = seededRandom(seed);
  const a = new Float64Array(rows * cols);
  for (let i = 0; i < a.length; i++) {
    const u = 1 - random();
    a[i] = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
  }
  return a;
}

/** Product of a rows×k and a k×cols row-major matrix. */
export function matmul(
  x: Float64Array,
  y: Float64Array,
  rows: number,
  k: number,
  cols: number,
): Float64Array {
  const out = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let t = 0; t < k; t++) {
      const xit = x[i * k + t];
      for (let j = 0; j < cols; j++) out[i * cols + j] += xit * y[t * cols + j];
    }
  }
  return out;
}

/** Singular values by ml-matrix's SVD (Golub–Kahan), descending. */
export function referenceSingularValues(a: Float64Array, rows: number, cols: number): Float64Array {
  const m = new Matrix(rows, cols);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m.set(i, j, a[i * cols + j]);
  const svd = new SingularValueDecomposition(rows >= cols ? m : m.transpose(), {
    computeLeftSingularVectors: false,
    computeRightSingularVectors: false,
  });
  return Float64Array.from(svd.diagonal).sort().reverse();
}

export function maxAbsDifference(x: ArrayLike<number>, y: ArrayLike<number>): number {
  assert.equal(x.length, y.length);
  let m = 0;
  for (let i = 0; i < x.length; i++) m = Math.max(m, Math.abs(x[i] - y[i]));
  return m;
}

/** Checks orthonormality of both vector sets and the residuals ‖Wv − νu‖, ‖Wᵀu − νv‖. */
export function assertValidSvd(
  a: Float64Array,
  rows: number,
  cols: number,
  r: SvdResult,
  tolerance = { orthonormal: 1e-10, residual: 1e-9 },
): void {
  const numax = r.values[0];
  assert.equal(r.left.length, r.indices.length);
  assert.equal(r.right.length, r.indices.length);
  for (const [vs, len] of [
    [r.left, rows],
    [r.right, cols],
  ] as const) {
    for (let p = 0; p < vs.length; p++) {
      assert.equal(vs[p].length, len);
      for (let q = p; q < vs.length; q++) {
        let s = 0;
        for (let i = 0; i < len; i++) s += vs[p][i] * vs[q][i];
        const expected = p === q ? 1 : 0;
        assert.ok(Math.abs(s - expected) <= tolerance.orthonormal, `⟨x${p},x${q}⟩ = ${s}`);
      }
    }
  }
  for (let k = 0; k < r.indices.length; k++) {
    const nu = r.values[r.indices[k]];
    const u = r.left[k];
    const v = r.right[k];
    let res = 0;
    for (let i = 0; i < rows; i++) {
      let s = 0;
      for (let j = 0; j < cols; j++) s += a[i * cols + j] * v[j];
      res += (s - nu * u[i]) ** 2;
    }
    assert.ok(
      Math.sqrt(res) <= tolerance.residual * numax,
      `‖Wv−νu‖ = ${Math.sqrt(res)} at index ${r.indices[k]}`,
    );
    let resT = 0;
    for (let j = 0; j < cols; j++) {
      let s = 0;
      for (let i = 0; i < rows; i++) s += a[i * cols + j] * u[i];
      resT += (s - nu * v[j]) ** 2;
    }
    assert.ok(
      Math.sqrt(resT) <= tolerance.residual * numax,
      `‖Wᵀu−νv‖ = ${Math.sqrt(resT)} at index ${r.indices[k]}`,
    );
  }
}

/** The LCG matrices of bench/make-linalg-fixture.py (uniform entries in [−0.5, 0.5)). */
export function lcgMatrix(rows: number, cols: number, seed: number): Float64Array {
  const a = new Float64Array(rows * cols);
  let s = seed >>> 0;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  return a;
}
