import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { createEngine } from '../../../src/linalg';
import type { SpectrumEngine } from '../../../src/linalg/types';
import { createWasmEngine } from '../../../src/linalg/wasmEngine';
import { tridiagonalEigen } from '../../../src/linalg/tridiagonalEigen';
import { bestSimdVariant, kernelsInstance, WasmKernels } from '../../../src/linalg/wasmKernels';
import { repoRoot } from '../paths';
import {
  assertValidSvd,
  seededRandom,
  gaussianMatrix,
  lcgMatrix,
  matmul,
  maxAbsDifference,
  referenceSingularValues,
} from './helpers';

interface FixtureCase {
  rows: number;
  cols: number;
  seed: number;
  repeatLast12Columns: boolean;
  values: number[];
}

const fixture = JSON.parse(
  readFileSync(path.join(repoRoot, 'test/unit/linalg/fixtures/numpy-svd.json'), 'utf8'),
) as { cases: FixtureCase[] };

const engines: SpectrumEngine[] = [];
async function engine(threads = 1): Promise<SpectrumEngine> {
  const e = await createEngine({ prefer: 'wasm', threads });
  engines.push(e);
  return e;
}
after(() => engines.forEach((e) => e.dispose?.()));

describe('wasm engine', () => {
  test('is the wasm SIMD engine on Node', async () => {
    assert.equal((await engine()).kind, 'wasm-simd');
  });

  // Sizes below and above the switch to the two-stage reduction (192).
  for (const [rows, cols] of [
    [1, 5],
    [6, 1],
    [2, 2],
    [17, 33],
    [120, 80],
    [200, 260],
    [260, 200],
    [256, 256],
  ] as [number, number][]) {
    test(`${rows}×${cols}: values and vectors match ml-matrix and the TS engine`, async () => {
      const wasm = await engine();
      const js = await createEngine({ prefer: 'js' });
      const a = gaussianMatrix(rows, cols, 77 + rows * cols);
      const expected = referenceSingularValues(a, rows, cols);
      const values = wasm.singularValues(a, rows, cols);
      assert.ok(maxAbsDifference(values, expected) <= 1e-10 * expected[0]);
      assert.ok(maxAbsDifference(values, js.singularValues(a, rows, cols)) <= 1e-12 * expected[0]);
      const r = wasm.svd(a, rows, cols, 'all');
      assert.ok(maxAbsDifference(r.values, expected) <= 1e-10 * expected[0]);
      assertValidSvd(a, rows, cols, r);
    });
  }

  for (const c of fixture.cases) {
    test(`numpy fixture ${c.rows}×${c.cols}${c.repeatLast12Columns ? ', rank-deficient' : ''}`, async () => {
      const a = lcgMatrix(c.rows, c.cols, c.seed);
      if (c.repeatLast12Columns) {
        for (let i = 0; i < c.rows; i++)
          for (let j = 0; j < 12; j++) a[i * c.cols + 500 + j] = a[i * c.cols + j] * 0.5;
      }
      const values = (await engine()).singularValues(a, c.rows, c.cols);
      assert.ok(maxAbsDifference(values, c.values) <= 1e-10 * c.values[0]);
    });
  }

  test('selected vectors of a large rank-deficient matrix (two-stage back-transformation)', async () => {
    const [rows, rank, cols] = [300, 280, 340];
    const a = matmul(gaussianMatrix(rows, rank, 5), gaussianMatrix(rank, cols, 6), rows, rank, cols);
    const wasm = await engine();
    const wanted = [0, 1, 2, 150, 279, 280, 290, 299];
    const r = wasm.svd(a, rows, cols, wanted);
    assert.deepEqual(r.indices, wanted);
    assert.ok(r.values[279] > 1e-6 * r.values[0]);
    assert.ok(r.values[280] <= 1e-12 * r.values[0]);
    assertValidSvd(a, rows, cols, r);
  });

  // Most values zero (pruned or factorised layers): the refinement decomposes XᵀW through the
  // engine itself and completes the null space in blocks.
  for (const [rows, cols, rank] of [
    [400, 400, 120],
    [300, 520, 90],
    [520, 300, 90],
  ])
    test(`${rows}×${cols} of rank ${rank}: all vectors, values against ml-matrix`, async () => {
      const a = matmul(
        gaussianMatrix(rows, rank, rank),
        gaussianMatrix(rank, cols, rank + 1),
        rows,
        rank,
        cols,
      );
      const wasm = await engine();
      const expected = referenceSingularValues(a, rows, cols);
      const values = wasm.singularValues(a, rows, cols);
      assert.ok(maxAbsDifference(values, expected) <= 1e-10 * expected[0]);
      assert.ok(values[rank - 1] > 1e-6 * values[0]);
      assert.ok(values.subarray(rank).every((v) => v === 0));
      const r = wasm.svd(a, rows, cols, 'all');
      assert.ok(maxAbsDifference(r.values, expected) <= 1e-10 * expected[0]);
      assertValidSvd(a, rows, cols, r);
    });

  test('low rank rounded to float32: tiny nonzero values refined through XᵀW', async () => {
    const [n, rank] = [300, 140];
    const exact = matmul(gaussianMatrix(n, rank, 21), gaussianMatrix(rank, n, 22), n, rank, n);
    const a = Float64Array.from(Float32Array.from(exact));
    const wasm = await engine();
    const expected = referenceSingularValues(a, n, n);
    assert.ok(expected[rank] > 1e-9 * expected[0] && expected[rank] < 1e-5 * expected[0]);
    assert.ok(maxAbsDifference(wasm.singularValues(a, n, n), expected) <= 1e-10 * expected[0]);
    assertValidSvd(a, n, n, wasm.svd(a, n, n, [0, rank - 1, rank, rank + 50, n - 1]));
  });

  test('badly scaled tall matrix', async () => {
    const [rows, cols] = [400, 210];
    const a = gaussianMatrix(rows, cols, 9);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * cols + j] *= 1e-200 * 10 ** (j / 50);
    const wasm = await engine();
    const js = await createEngine({ prefer: 'js' });
    const values = wasm.singularValues(a, rows, cols);
    assert.ok(maxAbsDifference(values, js.singularValues(a, rows, cols)) <= 1e-10 * values[0]);
    assertValidSvd(a, rows, cols, wasm.svd(a, rows, cols, [0, 100, 209]));
  });

  test('the plain SIMD build and the relaxed-SIMD (FMA) build agree', () => {
    const best = bestSimdVariant();
    assert.ok(best === 'relaxed' || best === 'plain');
    const plain = createWasmEngine(1, 'plain');
    const chosen = createWasmEngine(1, best);
    engines.push(plain, chosen);
    const [rows, cols] = [230, 310];
    const a = gaussianMatrix(rows, cols, 31);
    const p = plain.singularValues(a, rows, cols);
    assert.ok(maxAbsDifference(p, chosen.singularValues(a, rows, cols)) <= 1e-12 * p[0]);
    assertValidSvd(a, rows, cols, plain.svd(a, rows, cols, [0, 5, 229]));
  });

  test('a matrix written into inputBuffer() is read in place with the same result', async () => {
    const wasm = await engine();
    const [rows, cols] = [210, 330];
    const a = gaussianMatrix(rows, cols, 41);
    const expected = wasm.singularValues(a, rows, cols);
    for (let round = 0; round < 2; round++) {
      const buffer = wasm.inputBuffer!(rows, cols);
      buffer.set(a);
      assert.deepEqual(wasm.singularValues(buffer, rows, cols), expected);
      const r = wasm.svd(buffer, rows, cols, [0, 209]);
      assert.deepEqual([...buffer.subarray(0, 50)], [...a.subarray(0, 50)], 'the input is left alone');
      assertValidSvd(a, rows, cols, r);
    }
  });

  test('a matrix in inputBuffer(): scaled by a power of two when needed, refused when not finite', async () => {
    const wasm = await engine();
    const [rows, cols] = [37, 51]; // an odd length: the kernel's vector loop and its tail
    const a = gaussianMatrix(rows, cols, 43);
    const expected = wasm.singularValues(a, rows, cols);
    const buffer = wasm.inputBuffer!(rows, cols);
    for (const factor of [2 ** 600, 2 ** -600]) {
      buffer.set(a.map((x) => x * factor));
      const got = wasm.singularValues(buffer, rows, cols);
      assert.ok(
        maxAbsDifference(
          got.map((x) => x / factor),
          expected,
        ) <=
          1e-12 * expected[0],
        `× ${factor}`,
      );
    }
    for (const bad of [NaN, Infinity, -Infinity])
      for (const at of [0, 5, rows * cols - 2, rows * cols - 1]) {
        buffer.set(a);
        buffer[at] = bad;
        assert.throws(() => wasm.singularValues(buffer, rows, cols), /non-finite/, `${bad} at ${at}`);
      }
  });

  test('max_abs: the largest |entry| at every position and length, NaN for a non-finite entry', () => {
    const instance = kernelsInstance()!;
    const k = instance.exports as { max_abs(x: number, n: number): number };
    const f64 = new Float64Array(instance.memory.buffer, instance.arena, 16);
    for (let n = 0; n <= 11; n++)
      for (let at = 0; at < n; at++)
        for (const peak of [3.5, -7.25, Infinity, -Infinity, NaN]) {
          for (let i = 0; i < n; i++) f64[i] = ((i * 7) % 5) / 4 - 0.5;
          f64[at] = peak;
          const want = Number.isFinite(peak) ? Math.abs(peak) : NaN;
          assert.ok(Object.is(k.max_abs(instance.arena, n), want), `n ${n}, ${peak} at ${at}`);
        }
    assert.equal(k.max_abs(instance.arena, 0), 0);
  });

  // The default is 16 below n = 1536 and 32 above; the kernels take any width up to 64.
  for (const nb of [8, 16, 32, 64]) {
    test(`band half-width ${nb}: values and selected vectors (one and two threads)`, async () => {
      const [rows, cols] = [330, 410];
      const a = gaussianMatrix(rows, cols, 100 + nb);
      const expected = referenceSingularValues(a, rows, cols);
      for (const threads of [1, 2]) {
        const wasm = createWasmEngine(threads, bestSimdVariant() ?? 'plain', nb);
        engines.push(wasm);
        assert.ok(maxAbsDifference(wasm.singularValues(a, rows, cols), expected) <= 1e-10 * expected[0]);
        const r = wasm.svd(a, rows, cols, [0, 1, 100, 328, 329]);
        assert.ok(maxAbsDifference(r.values, expected) <= 1e-10 * expected[0]);
        assertValidSvd(a, rows, cols, r);
      }
    });
  }

  // Two-stage: more than nb vectors go through the band reflectors grouped across sweeps (two at
  // a time), up to nb through each reflector in creation order. One-stage (chosen when a quarter
  // of the vectors or more are wanted): one block reflector per panel. Every way must give the
  // same Q·x and Qᵀ·x, and Qᵀ must undo Q.
  for (const [nb, vectors] of [
    [8, 0],
    [16, 0],
    [32, 0],
    [16, 257],
  ]) {
    const kind = vectors ? 'one-stage' : `two-stage, band half-width ${nb}`;
    test(`back-transformation (${kind}): many vectors at once = a few at a time`, () => {
      const [rows, cols, count] = [257, 300, 71];
      const kernels = new WasmKernels(1, bestSimdVariant() ?? 'plain', nb);
      const r = kernels.reduce(gaussianMatrix(rows, cols, nb), rows, cols, vectors);
      try {
        assert.equal(r.oneStage !== undefined, vectors > 0);
        const n = r.n;
        const x = gaussianMatrix(count, n, 3 + nb);
        const scale = Math.max(...x.map(Math.abs));
        for (const transpose of [false, true]) {
          const many = x.slice();
          kernels.backTransform(r, many, count, transpose);
          const few = x.slice();
          for (let p = 0; p < count; p += 5) {
            const k = Math.min(5, count - p);
            const part = few.slice(p * n, (p + k) * n);
            kernels.backTransform(r, part, k, transpose);
            few.set(part, p * n);
          }
          assert.ok(maxAbsDifference(many, few) <= 1e-13 * scale, `transpose ${transpose}`);
          const back = many.slice();
          kernels.backTransform(r, back, count, !transpose);
          assert.ok(maxAbsDifference(back, x) <= 1e-13 * scale, `inverse of ${transpose}`);
        }
      } finally {
        kernels.release(r);
      }
    });
  }

  test('tridiagonal eigenvalues in wasm (root-free QL) match the TypeScript QL', () => {
    const kernels = new WasmKernels(1, bestSimdVariant() ?? 'plain');
    const random = seededRandom(5);
    const n = 300;
    const cases: Record<string, [(i: number) => number, (i: number) => number]> = {
      random: [() => 100 * random(), () => 10 * random()],
      graded: [(i) => 10 ** (-i / 15), (i) => 0.5 * 10 ** (-(i + 0.5) / 15)],
      wilkinson: [(i) => Math.abs(i - (n - 1) / 2), () => 1],
      'zero diagonal, some zero couplings': [() => 0, (i) => (i % 7 === 0 ? 0 : 1)],
      'zero matrix': [() => 0, () => 0],
      'entries near 1e250': [() => 1e250 * random(), () => 1e250 * random()],
      'entries near 1e-250': [() => 1e-250 * random(), () => 1e-250 * random()],
      'a 2×2 block and 1×1 blocks': [(i) => i, (i) => (i === 3 ? 2 : 0)],
    };
    for (const [name, [diagonal, off]] of Object.entries(cases)) {
      for (const size of [1, 2, 3, n]) {
        const d = Float64Array.from({ length: size }, (_, i) => diagonal(i));
        const e = Float64Array.from({ length: size }, (_, i) => (i < size - 1 ? off(i) : 0));
        const expected = d.slice();
        tridiagonalEigen(expected, e.slice(), size);
        const values = kernels.tridiagonalEigenvalues(d, e);
        assert.ok(values, `${name}: converged`);
        expected.sort();
        values.sort();
        const scale = Math.max(...expected.map(Math.abs));
        assert.ok(
          maxAbsDifference(values, expected) <= 1e-13 * scale,
          `${name}, n = ${size}: differs by ${maxAbsDifference(values, expected)} (scale ${scale})`,
        );
      }
    }
    kernels.dispose();
  });

  test('the GEMM kernel: every operand layout, edge sizes, triangles (rows read in place or packed)', () => {
    type Gemm = (...args: number[]) => void;
    for (const variant of ['plain', bestSimdVariant()!] as const) {
      const instance = kernelsInstance(variant)!;
      const k = instance.exports as { gemm: Gemm; gemm_workspace_doubles(): number };
      const bytes = (d: number) => Math.ceil((d * 8) / 64) * 64;
      let top = instance.arena;
      const alloc = (d: number) => ((top += bytes(d)), top - bytes(d));
      const work = alloc(k.gemm_workspace_doubles());
      const [maxM, maxN, maxK] = [21, 18, 300];
      const ld = 320;
      const a = alloc(ld * ld);
      const b = alloc(ld * ld);
      const c = alloc(maxM * maxN);
      instance.memory.grow(Math.ceil((top - instance.memory.buffer.byteLength) / 65536) + 1);
      const f64 = (offset: number, length: number) =>
        new Float64Array(instance.memory.buffer, offset, length);
      const random = seededRandom(5);
      f64(a, ld * ld).forEach((_, i, x) => (x[i] = random() - 0.5));
      f64(b, ld * ld).forEach((_, i, x) => (x[i] = random() - 0.5));
      const A = f64(a, ld * ld);
      const B = f64(b, ld * ld);
      let checked = 0;
      for (const m of [1, 3, 4, 5, 8, 9, 13, maxM])
        for (const n of [1, 4, 6, maxN])
          for (const kk of [1, 7, 257, maxK])
            for (const [sar, sak] of [
              [ld, 1],
              [1, ld],
            ])
              for (const [sbk, sbj] of [
                [ld, 1],
                [1, ld],
              ])
                for (const tri of [0, 1, 2]) {
                  f64(c, m * n).fill(0);
                  k.gemm(m, n, kk, 0.5, a, sar, sak, b, sbk, sbj, c, n, tri, work);
                  const C = f64(c, m * n);
                  for (let i = 0; i < m; i++)
                    for (let j = 0; j < n; j++) {
                      let want = 0;
                      for (let t = 0; t < kk; t++) want += A[i * sar + t * sak] * B[t * sbk + j * sbj];
                      want *= 0.5;
                      const got = C[i * n + j];
                      const inTriangle = tri === 0 || (tri === 1 ? j >= i : j <= i);
                      // Outside the triangle a tile is either computed whole or left alone.
                      const ok = Math.abs(got - want) <= 1e-12 * Math.sqrt(kk) || (!inTriangle && got === 0);
                      assert.ok(
                        ok,
                        `${variant} m ${m} n ${n} k ${kk} A(${sar},${sak}) B(${sbk},${sbj}) tri ${tri}: C[${i}][${j}] = ${got}, not ${want}`,
                      );
                      checked++;
                    }
                }
      assert.equal(checked, 64 * 29 * 48); // Σm · Σn · layouts × triangles × k
    }
  });

  test('bulge chasing on two threads: a thread waiting for a failed one returns −1 instead of spinning', () => {
    const instance = kernelsInstance()!;
    const k = instance.exports as {
      band_chase(...args: number[]): number;
    };
    const [n, nb] = [64, 8];
    const band = instance.arena;
    const progress = band + n * (2 * nb + 1) * 8;
    const scratch = progress + (n + 1) * 4 + 4;
    const i32 = new Int32Array(instance.memory.buffer);
    i32.fill(0, progress >> 2, (progress >> 2) + n + 1);
    // Part 1 of 2 waits for sweep 7 (part 0's), which never runs: the stop word releases it.
    i32[(progress >> 2) + n] = 1;
    assert.equal(k.band_chase(band, n, nb, 0, 1, 2, progress, scratch), -1);
    // Alone (one part) it runs every sweep and returns 0.
    assert.equal(k.band_chase(band, n, nb, 0, 0, 1, 0, scratch), 0);
  });

  test('two threads give the same spectrum as one', async () => {
    const [rows, cols] = [420, 500];
    const a = gaussianMatrix(rows, cols, 12);
    const one = (await engine(1)).singularValues(a, rows, cols);
    const two = (await engine(2)).singularValues(a, rows, cols);
    assert.ok(maxAbsDifference(one, two) <= 1e-12 * one[0]);
    const r = (await engine(2)).svd(a, rows, cols, [0, 10, 419]);
    assertValidSvd(a, rows, cols, r);
  });
});
