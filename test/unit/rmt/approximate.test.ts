import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { analyzeLayer, type LayerInput } from '../../../src/engine/analyzeLayer';
import { densityCdf } from '../../../src/engine/approximateLayer';
import { modelStatistics } from '../../../src/engine/modelStatistics';
import { DEFAULT_SETTINGS, type LayerReport } from '../../../src/engine/report';
import { NullCache } from '../../../src/rmt/nullCalibration';
import { SCHEMA_VERSION, type ModelReport } from '../../../src/engine/report';
import { toJson } from '../../../src/engine/json';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../paths';
import { validate, type Schema } from './jsonSchema';

function layer(rows: number, cols: number, data: Float64Array, name = 'w'): LayerInput {
  return { name, tensor: name, dtype: 'F64', layout: '2d', rows, cols, data };
}

const cache = new NullCache();
const small = { ...DEFAULT_SETTINGS, exactLimit: 64, spacingNullReplicas: 50, ptNullReplicas: 200 };
const exactSettings = { ...small, exactLimit: 4096 };

async function run(input: LayerInput, settings = small) {
  return analyzeLayer(input, settings, await createEngine({ prefer: 'js' }), { nullCache: cache });
}

/** σ·G plus rank-one spikes θ·σ√M·u·vᵀ with random unit u, v (θ in units of σ√M). */
function spiked(rows: number, cols: number, sigma: number, thetas: number[], seed: number): Float64Array {
  const rng = new Rng(seed);
  const w = rng.normals(rows * cols, sigma);
  const scale = sigma * Math.sqrt(Math.max(rows, cols));
  for (const theta of thetas) {
    const u = rng.normals(rows, 1);
    const v = rng.normals(cols, 1);
    const nu = Math.hypot(...u);
    const nv = Math.hypot(...v);
    for (let i = 0; i < rows; i++)
      for (let j = 0; j < cols; j++) w[i * cols + j] += (theta * scale * u[i] * v[j]) / (nu * nv);
  }
  return w;
}

const unavailable = (r: LayerReport) => r.approximate!.unavailable.map((u) => u.statistic);

describe('approximated layers (min(N, M) > exactLimit)', () => {
  test('spiked 100×300: exact top values, σ and TW outliers as the exact path, full-spectrum statistics left out', async () => {
    const input = layer(100, 300, spiked(100, 300, 0.1, [4, 3, 2.5], 7));
    const approx = await run(input);
    const exact = await run(input, exactSettings);
    const r = approx.report;
    assert.ok(r.approximate, 'approximate section present');
    assert.equal(exact.report.approximate, undefined);
    assert.equal(r.approximate.method, 'lanczos-slq');
    assert.equal(r.approximate.count, 100);
    assert.equal(r.approximate.exactLimit, 64);
    // Lanczos with full reorthogonalisation: the spikes agree with the exact SVD to rounding.
    for (let i = 0; i < 3; i++) {
      const rel = Math.abs(r.approximate.topValues[i] - exact.singularValues[i]) / exact.singularValues[i];
      assert.ok(rel < 1e-8, `top ${i}: relative error ${rel}`);
    }
    // ‖W‖_F is exact; σ from ‖W‖²_F minus the outliers equals the exact fit's step 2.
    assert.ok(Math.abs(r.frobeniusNorm - exact.report.frobeniusNorm) < 1e-10 * r.frobeniusNorm);
    assert.equal(r.mp.outliers, exact.report.mp.outliers);
    assert.equal(r.mp.outliers, 3);
    assert.ok(Math.abs(r.mp.sigma - exact.report.mp.sigma) < 1e-6 * exact.report.mp.sigma);
    assert.equal(r.approximate.outliersLowerBound, false);
    // The full-spectrum statistics are absent and listed with a reason.
    for (const key of [
      'spacing',
      'spacingRatio',
      'rigidity',
      'porterThomas',
      'hill',
      'powerLaw',
      'baseline',
    ] as const) {
      assert.equal(r[key], undefined, `${key} must be absent`);
      assert.ok(unavailable(r).includes(key), `${key} listed as unavailable`);
    }
    assert.ok(unavailable(r).includes('cpse'));
    assert.ok(r.approximate.unavailable.every((u) => u.reason.length > 10));
    assert.equal(r.mp.bulkP, undefined);
    // Verdict from what exists, saying so.
    assert.equal(r.verdict.label, 'bulk random, spikes');
    assert.match(r.verdict.summary, /approximate/);
    assert.match(r.verdict.reasons[0], /approximated: min\(N, M\) = 100 > exact limit 64/);
    assert.ok(r.verdict.reasons.some((x) => /not computed on the approximation/.test(x)));
    // The singular values handed on are the resolved top values only.
    assert.equal(approx.singularValues.length, r.approximate.k);
  });

  test('Gaussian 100×300: density estimate close to MP, ESD is a density, verdict random', async () => {
    const { report: r } = await run(layer(300, 100, new Rng(3).normals(300 * 100, 0.05)));
    const a = r.approximate!;
    assert.equal(r.mp.outliers, 0);
    assert.ok(a.densityKs < a.densityKsLevel, `densityKs ${a.densityKs} vs level ${a.densityKsLevel}`);
    // σ̂² = ‖W‖²_F/(N·M) when there are no outliers: within 4 s.e. of the true 0.05.
    assert.ok(Math.abs(r.mp.sigma - 0.05) < 4 * 0.05 * Math.sqrt(1 / (2 * 30000)), `σ̂ = ${r.mp.sigma}`);
    const h = r.esd.histogram;
    assert.equal(h.edges.length, 61);
    const area = h.density.reduce((s, d, k) => s + d * (h.edges[k + 1] - h.edges[k]), 0);
    assert.ok(Math.abs(area - 1) < 1e-9, `ESD area ${area}`);
    assert.equal(r.verdict.label, 'random');
    assert.ok(Math.abs(r.norms.matrixRank - 100) <= 1);
    assert.ok(
      r.norms.spectralEntropy > 0.9 && r.norms.spectralEntropy <= 1.01,
      `entropy ${r.norms.spectralEntropy}`,
    );
  });

  test('a heavily deformed bulk fails the density check', async () => {
    // Column scales spread over two decades: far from any MP law.
    const rng = new Rng(5);
    const w = rng.normals(100 * 300, 1);
    for (let i = 0; i < 100; i++) for (let j = 0; j < 300; j++) w[i * 300 + j] *= 10 ** (-1 + (2 * i) / 99);
    const { report: r } = await run(layer(100, 300, w));
    assert.ok(r.approximate!.densityKs > r.approximate!.densityKsLevel);
    assert.equal(r.verdict.label, 'deviating');
  });

  test('densityCdf interpolates the quadrature and is monotone in [0, 1]', () => {
    const cdf = densityCdf(Float64Array.from([1, 2, 3]), Float64Array.from([0.2, 0.5, 0.3]));
    assert.equal(cdf(0.5), 0);
    assert.ok(Math.abs(cdf(1) - 0.1) < 1e-15);
    assert.ok(Math.abs(cdf(1.5) - (0.1 + 0.45) / 2) < 1e-15);
    assert.equal(cdf(3), 1);
    let last = 0;
    for (let x = 0; x < 4; x += 0.01) {
      assert.ok(cdf(x) >= last);
      last = cdf(x);
    }
  });

  test('model cPSE leaves approximated layers out and names them', async () => {
    const rng = new Rng(11);
    const exactLayers = [0, 1, 2, 3].map((i) => ({
      rows: 60,
      cols: 80,
      name: `l${i}`,
      singularValues: Float64Array.from(rng.normals(60, 1).map(Math.abs)).sort().reverse(),
    }));
    const approximated = {
      rows: 5000,
      cols: 6000,
      name: 'big',
      approximate: true,
      singularValues: Float64Array.from({ length: 100 }, (_, i) => 100 - i),
    };
    const mixed = modelStatistics(
      [exactLayers[0], exactLayers[1], approximated, exactLayers[2], exactLayers[3]],
      small,
    );
    const plain = modelStatistics(exactLayers, small);
    assert.deepEqual(mixed.dLayers, plain.dLayers);
    assert.equal(mixed.cpse, plain.cpse);
    assert.equal(mixed.excludedFromCpse?.length, 1);
    assert.equal(mixed.excludedFromCpse?.[0].name, 'big');
    assert.equal(plain.excludedFromCpse, undefined);
  });

  test('a report with an approximated layer and excludedFromCpse validates against the schema', async () => {
    const schema = JSON.parse(
      readFileSync(path.join(repoRoot, 'schema/report.schema.json'), 'utf8'),
    ) as Schema;
    const results = [];
    for (const seed of [1, 2, 3, 4])
      results.push(
        await run(
          layer(
            seed === 2 ? 100 : 60,
            seed === 2 ? 300 : 80,
            new Rng(seed).normals(seed === 2 ? 30000 : 4800, 1),
          ),
        ),
      );
    const report: ModelReport = {
      schemaVersion: SCHEMA_VERSION,
      file: 'model.safetensors',
      format: 'safetensors',
      layers: results.map((r) => r.report),
      model: modelStatistics(
        results.map((r) => ({
          rows: r.report.shape[0],
          cols: r.report.shape[1],
          singularValues: r.singularValues,
          report: r.report,
          name: r.report.name,
          approximate: r.report.approximate !== undefined,
        })),
        small,
      ),
      skipped: [],
      failed: [],
      provenance: {
        engine: 'rmt-lens',
        version: '0',
        settings: small,
        seconds: 1,
        fileSize: 1,
        fileModified: 'x',
      },
    };
    assert.equal(report.layers.filter((l) => l.approximate).length, 1);
    assert.equal(report.model?.excludedFromCpse?.length, 1);
    assert.deepEqual(validate(JSON.parse(toJson(report)), schema), []);
  });
});
