import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { createEngine } from '../../../src/linalg';
import { assertValidSvd, gaussianMatrix, matmul, maxAbsDifference, referenceSingularValues } from './helpers';

const shapes: [number, number][] = [
  [1, 1],
  [1, 7],
  [7, 1],
  [2, 2],
  [3, 5],
  [5, 3],
  [40, 40],
  [30, 70],
  [70, 30],
  [128, 200],
];

/** rows×cols of rank `rank`: a product of Gaussian factors. */
function lowRank(rows: number, cols: number, rank: number, seed: number): Float64Array {
  return matmul(gaussianMatrix(rows, rank, seed), gaussianMatrix(rank, cols, seed + 1), rows, rank, cols);
}

function checkAgainstReference(a: Float64Array, rows: number, cols: number, indices: number[] | 'all') {
  return createEngine({ prefer: 'js' }).then((engine) => {
    const expected = referenceSingularValues(a, rows, cols);
    const values = engine.singularValues(a, rows, cols);
    assert.equal(values.length, Math.min(rows, cols));
    assert.ok(maxAbsDifference(values, expected) <= 1e-10 * expected[0], 'singular values');
    const r = engine.svd(a, rows, cols, indices);
    assert.ok(maxAbsDifference(r.values, expected) <= 1e-10 * expected[0], 'singular values of svd()');
    assertValidSvd(a, rows, cols, r);
    return r;
  });
}

describe('js engine', () => {
  for (const [rows, cols] of shapes) {
    test(`Gaussian ${rows}×${cols} matches ml-matrix, all vectors`, async () => {
      await checkAgainstReference(gaussianMatrix(rows, cols, rows * 1000 + cols), rows, cols, 'all');
    });
  }

  test('selected indices come back ascending and deduplicated', async () => {
    const r = await checkAgainstReference(gaussianMatrix(50, 80, 3), 50, 80, [49, 0, 7, 7, 20]);
    assert.deepEqual(r.indices, [0, 7, 20, 49]);
  });

  for (const [rows, cols, rank] of [
    [60, 90, 12],
    [90, 60, 12],
    [50, 50, 20],
    [64, 64, 63],
    [30, 30, 1],
  ]) {
    test(`rank-deficient ${rows}×${cols} of rank ${rank}`, async () => {
      const r = await checkAgainstReference(lowRank(rows, cols, rank, rows + rank), rows, cols, 'all');
      assert.ok(r.values[rank - 1] > 1e-6 * r.values[0]);
      assert.ok(r.values[rank] <= 1e-12 * r.values[0], `ν_rank = ${r.values[rank]}`);
    });
  }

  // Found by the benchmark: the tridiagonal matrix of this Gram matrix has a cluster of ~500
  // eigenvalues at the rounding level of its norm, where QL needed more than 60 iterations for one.
  test('rank 512 of 1024×1024 in float32 (as in the benchmark): agrees with the wasm engine', async () => {
    const a = Float64Array.from(new Float32Array(lowRank(1024, 1024, 512, 99)));
    const values = (await createEngine({ prefer: 'js' })).singularValues(a.slice(), 1024, 1024);
    const reference = (await createEngine({ prefer: 'wasm' })).singularValues(a.slice(), 1024, 1024);
    for (let i = 0; i < 1024; i++)
      assert.ok(
        Math.abs(values[i] - reference[i]) <= 1e-10 * reference[0],
        `ν_${i}: ${values[i]} vs ${reference[i]}`,
      );
    assert.ok(values[512] <= 1e-6 * values[0]);
  });

  test('square matrix with tiny but nonzero singular values', async () => {
    const n = 40;
    const a = gaussianMatrix(n, n, 11);
    for (let j = 0; j < n; j++) a[5 * n + j] = a[6 * n + j] + 1e-7 * a[5 * n + j];
    await checkAgainstReference(a, n, n, 'all');
  });

  for (const factor of [1e-160, 1e-30, 1e30, 1e160]) {
    test(`scaled by ${factor}`, async () => {
      const a = gaussianMatrix(20, 35, 5).map((x) => x * factor);
      await checkAgainstReference(a, 20, 35, 'all');
    });
  }

  test('rows of wildly different magnitude', async () => {
    const [rows, cols] = [25, 40];
    const a = gaussianMatrix(rows, cols, 8);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) a[i * cols + j] *= 10 ** (-i / 3);
    await checkAgainstReference(a, rows, cols, 'all');
  });

  test('the zero matrix', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const r = engine.svd(new Float64Array(12), 3, 4, 'all');
    assert.deepEqual([...r.values], [0, 0, 0]);
    assertValidSvd(new Float64Array(12), 3, 4, r);
  });

  test('rejects bad shapes and indices', async () => {
    const engine = await createEngine({ prefer: 'js' });
    assert.throws(() => engine.singularValues(new Float64Array(5), 2, 3), RangeError);
    assert.throws(() => engine.svd(new Float64Array(6), 2, 3, [2]), RangeError);
  });
});
