import assert from 'node:assert/strict';
import { test } from 'node:test';
import { tridiagonalEigenvectors } from '../../../src/linalg/inverseIteration';
import { tridiagonalEigen } from '../../../src/linalg/tridiagonalEigen';
import { tridiagonalize } from '../../../src/linalg/tridiagonalize';
import { gaussianMatrix, matmul } from './helpers';

/** Modified Gram–Schmidt, twice, in order: what the engine's block routine does with its products. */
function orthonormalizeInJs(vs: Float64Array[]): void {
  for (let round = 0; round < 2; round++)
    vs.forEach((v, k) => {
      for (let q = 0; q < k; q++) {
        let s = 0;
        for (let i = 0; i < v.length; i++) s += vs[q][i] * v[i];
        for (let i = 0; i < v.length; i++) v[i] -= s * vs[q][i];
      }
      const norm = Math.hypot(...v);
      for (let i = 0; i < v.length; i++) v[i] /= norm;
    });
}

test('inverse iteration: a 150-fold eigenvalue (null space) is iterated as a block, the vectors are orthonormal eigenvectors', () => {
  // T = tridiagonal form of B·Bᵀ with B 200×50: 150 eigenvalues 0 (to rounding), 50 positive.
  const [n, rank] = [200, 50];
  const b = gaussianMatrix(n, rank, 3);
  const bt = new Float64Array(rank * n);
  for (let i = 0; i < n; i++) for (let k = 0; k < rank; k++) bt[k * n + i] = b[i * rank + k];
  const { d, e } = tridiagonalize(matmul(b, bt, n, rank, n), n);
  const lambdas = d.slice();
  tridiagonalEigen(lambdas, e.slice(), n);
  lambdas.sort();
  const norm = Math.max(...lambdas.map(Math.abs));
  assert.ok(lambdas[149] < 1e-12 * norm && lambdas[150] > 1e-3 * norm);

  const blocks: number[] = [];
  const z = tridiagonalEigenvectors(d, e, lambdas, 1, (vs) => {
    blocks.push(vs.length);
    orthonormalizeInJs(vs);
  });
  assert.deepEqual(
    blocks,
    [150, 150, 150],
    'the null space is one block, orthonormalised after each of 3 steps',
  );
  assert.equal(z.length, n);
  for (let k = 0; k < n; k++) {
    // ‖T·z − λ·z‖ and the inner products with every other vector.
    let residual = 0;
    for (let i = 0; i < n; i++) {
      const tz = d[i] * z[k][i] + (i > 0 ? e[i - 1] * z[k][i - 1] : 0) + (i < n - 1 ? e[i] * z[k][i + 1] : 0);
      residual = Math.max(residual, Math.abs(tz - lambdas[k] * z[k][i]));
    }
    assert.ok(residual <= 1e-10 * norm, `vector ${k}: residual ${residual}`);
    for (let q = 0; q <= k; q++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += z[q][i] * z[k][i];
      assert.ok(Math.abs(s - (q === k ? 1 : 0)) <= 1e-10, `z${q}·z${k} = ${s}`);
    }
  }
});
