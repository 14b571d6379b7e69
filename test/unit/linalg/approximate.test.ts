import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { approximateSpectrum, createEngine } from '../../../src/linalg';
import { gaussianMatrix } from './helpers';

describe('approximate spectrum (Lanczos top-k, SLQ density)', () => {
  const [rows, cols] = [200, 320];
  const a = gaussianMatrix(rows, cols, 21);
  // Three planted spikes make the top of the spectrum well separated.
  for (let s = 0; s < 3; s++) for (let j = 0; j < cols; j++) a[s * cols + j] *= 6 - s;

  test('top values agree with the exact spectrum within their error bounds', async () => {
    const exact = (await createEngine({ prefer: 'js' })).singularValues(a, rows, cols);
    const approx = approximateSpectrum(a, rows, cols, { k: 20, steps: 90, seed: 3 });
    assert.equal(approx.approximated, true);
    assert.equal(approx.count, rows);
    assert.equal(approx.top.length, 20);
    for (let i = 0; i < 20; i++) {
      const err = Math.abs(approx.top[i] - exact[i]);
      assert.ok(
        err <= Math.max(1e-8 * exact[0], 10 * approx.topErrors[i]),
        `ν${i}: ${approx.top[i]} vs ${exact[i]}`,
      );
    }
    for (let i = 0; i < 3; i++) assert.ok(Math.abs(approx.top[i] - exact[i]) <= 1e-10 * exact[0]);
  });

  test('SLQ weights sum to 1 and reproduce the mean of ν²', async () => {
    const exact = (await createEngine({ prefer: 'js' })).singularValues(a, rows, cols);
    const { nodes, weights } = approximateSpectrum(a, rows, cols, {
      k: 5,
      steps: 20,
      probes: 16,
      probeSteps: 40,
      seed: 4,
    }).density;
    const total = weights.reduce((s, w) => s + w, 0);
    assert.ok(Math.abs(total - 1) < 1e-12);
    const meanSquare = nodes.reduce((s, x, i) => s + weights[i] * x * x, 0);
    const exactMeanSquare = exact.reduce((s, x) => s + x * x, 0) / exact.length;
    // Hutchinson trace estimate with 16 Rademacher probes: a few percent.
    assert.ok(Math.abs(meanSquare / exactMeanSquare - 1) < 0.05, `${meanSquare} vs ${exactMeanSquare}`);
    for (let i = 1; i < nodes.length; i++) assert.ok(nodes[i] >= nodes[i - 1]);
  });
});
