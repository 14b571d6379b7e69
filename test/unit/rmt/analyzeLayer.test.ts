import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { analyzeLayer, type LayerInput } from '../../../src/engine/analyzeLayer';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';

function layer(rows: number, cols: number, data: Float64Array): LayerInput {
  return { name: 'w', tensor: 'w', dtype: 'F64', layout: '2d', rows, cols, data };
}

describe('analyzeLayer', () => {
  test('Gaussian layer: σ, edges, no outliers beyond chance, histogram and MP curve in the same units', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const rng = new Rng(1);
    const { report, singularValues } = await analyzeLayer(
      layer(300, 150, rng.normals(300 * 150, 0.1)),
      DEFAULT_SETTINGS,
      engine,
    );
    assert.equal(singularValues.length, 150);
    assert.deepEqual(report.shape, [300, 150]);
    // σ̂² averages N·M squared entries: relative s.e. of σ̂ is √(1/(2NM)) = 0.0033, so 4 s.e. = 0.0013.
    assert.ok(Math.abs(report.mp.sigma - 0.1) < 0.0014, `σ̂ = ${report.mp.sigma}`);
    assert.equal(report.mp.q, 0.5);
    assert.ok(report.mp.outliers <= 1);
    const h = report.esd.histogram;
    assert.equal(h.edges.length, 61);
    const area = h.density.reduce((s, d, k) => s + d * (h.edges[k + 1] - h.edges[k]), 0);
    assert.ok(Math.abs(area - 1) < 1e-12);
    const { x, y } = report.esd.mpCurve;
    const curveArea = y.slice(1).reduce((s, v, i) => s + 0.5 * (v + y[i]) * (x[i + 1] - x[i]), 0);
    assert.ok(Math.abs(curveArea - 1) < 0.02, `MP curve area ${curveArea}`);
    assert.ok(report.seconds >= 0);
    assert.notEqual(report.verdict.label, 'too small');
  });

  test('fewer than 50 singular values → too small', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const { report } = await analyzeLayer(layer(40, 90, new Rng(2).normals(3600)), DEFAULT_SETTINGS, engine);
    assert.equal(report.verdict.label, 'too small');
    assert.ok(report.frobeniusNorm > 0);
  });

  test('a strong rank-3 signal gives "bulk random, spikes"', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const rng = new Rng(3);
    const rows = 120;
    const cols = 200;
    const w = rng.normals(rows * cols);
    for (let r = 0; r < 3; r++) {
      const u = rng.normals(rows);
      const v = rng.normals(cols);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) w[i * cols + j] += (0.3 * u[i] * v[j]) / (r + 1);
    }
    const { report } = await analyzeLayer(layer(rows, cols, w), DEFAULT_SETTINGS, engine);
    assert.equal(report.mp.outliers, 3);
    assert.equal(report.verdict.label, 'bulk random, spikes');
    assert.equal(report.mp.spikeStrengths.length, 3);
  });
});
