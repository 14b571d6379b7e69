import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { planLayers } from '../../../src/layers';
import type { NumericArray, WeightFile } from '../../../src/formats/types';

/** What test/fixtures/generate.py stored beside a fixture (FILE.expected.json). */
export interface Expected {
  file: string;
  format: string;
  tensors: Record<string, { dtype: string; shape: number[]; sha256: string; sum: number; sumsq: number }>;
  matrices: Record<string, { rows: number; cols: number; frobenius: number; spectral: number }>;
  skipped: string[];
  metadata?: Record<string, string>;
}

export function loadExpected(fixture: string): Expected {
  return JSON.parse(readFileSync(`${fixture}.expected.json`, 'utf8')) as Expected;
}

/** sha256 of the values as little-endian float32 (float64 for a Float64Array). */
export function sha256(values: NumericArray): string {
  const bytes = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
  return createHash('sha256').update(bytes).digest('hex');
}

/** Eigenvalues of a symmetric n×n matrix (row-major), by cyclic Jacobi rotations: a slow, sure reference. */
export function symmetricEigenvalues(input: Float64Array, n: number): number[] {
  const a = Float64Array.from(input);
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++)
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
      }
  }
  return Array.from({ length: n }, (_, i) => a[i * n + i]);
}

/** Frobenius and spectral norms of a rows×cols row-major matrix. */
export function norms(m: Float64Array, rows: number, cols: number): { frobenius: number; spectral: number } {
  let fro = 0;
  for (const v of m) fro += v * v;
  // Gram matrix of the smaller side
  const n = Math.min(rows, cols);
  const g = new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = i; j < n; j++) {
      let s = 0;
      if (rows <= cols) for (let k = 0; k < cols; k++) s += m[i * cols + k] * m[j * cols + k];
      else for (let k = 0; k < rows; k++) s += m[k * cols + i] * m[k * cols + j];
      g[i * n + j] = s;
      g[j * n + i] = s;
    }
  const top = Math.max(...symmetricEigenvalues(g, n));
  return { frobenius: Math.sqrt(fro), spectral: Math.sqrt(Math.max(0, top)) };
}

export function assertClose(actual: number, expected: number, rel: number, what: string): void {
  const err = Math.abs(actual - expected) / Math.max(Math.abs(expected), 1e-300);
  assert.ok(err <= rel, `${what}: ${actual} vs ${expected} (relative error ${err})`);
}

/**
 * Checks an opened file against its expected values: every tensor's dtype, shape and decoded values,
 * and every im2col matrix's shape and norms (1e-6 relative, as numpy computed them).
 */
export async function checkAgainstExpected(
  file: WeightFile,
  expected: Expected,
  options: { maxSpectralSide?: number } = {},
): Promise<void> {
  const maxSide = options.maxSpectralSide ?? Infinity;
  const byName = new Map(file.tensors.map((t) => [t.name, t]));
  for (const [name, want] of Object.entries(expected.tensors)) {
    const info = byName.get(name);
    assert.ok(info, `tensor ${name} listed (have ${[...byName.keys()].join(', ')})`);
    assert.equal(info.dtype, want.dtype, `${name} dtype`);
    assert.deepEqual(info.shape, want.shape, `${name} shape`);
    const values = await file.read(name);
    assert.equal(values instanceof Float64Array, want.dtype === 'F64', `${name} array type`);
    assert.equal(sha256(values), want.sha256, `${name} values`);
  }
  const plan = planLayers(file, { conv: 'im2col' });
  const got = new Map(plan.matrices.map((m) => [m.name, m]));
  assert.deepEqual([...got.keys()].sort(), Object.keys(expected.matrices).sort(), 'matrix names');
  for (const [name, want] of Object.entries(expected.matrices)) {
    const m = got.get(name)!;
    assert.equal(m.rows, want.rows, `${name} rows`);
    assert.equal(m.cols, want.cols, `${name} cols`);
    const data = await m.read();
    assert.equal(data.length, m.rows * m.cols, `${name} length`);
    if (Math.min(m.rows, m.cols) <= maxSide) {
      const n = norms(data, m.rows, m.cols);
      assertClose(n.frobenius, want.frobenius, 1e-6, `${name} Frobenius norm`);
      assertClose(n.spectral, want.spectral, 1e-6, `${name} spectral norm`);
    } else {
      let fro = 0;
      for (const v of data) fro += v * v;
      assertClose(Math.sqrt(fro), want.frobenius, 1e-6, `${name} Frobenius norm`);
    }
  }
  for (const name of expected.skipped) {
    assert.ok(
      plan.skipped.some((s) => s.name === name),
      `${name} skipped`,
    );
  }
}
