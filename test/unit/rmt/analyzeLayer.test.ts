import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { analyzeLayer, type LayerInput } from '../../../src/engine/analyzeLayer';
import { DEFAULT_SETTINGS, type LayerReport } from '../../../src/engine/report';
import { NullCache } from '../../../src/rmt/nullCalibration';
import { generateEnsemble } from '../../../src/rmt/ensembles';

function layer(rows: number, cols: number, data: Float64Array, name = 'w'): LayerInput {
  return { name, tensor: name, dtype: 'F64', layout: '2d', rows, cols, data };
}

const cache = new NullCache();
const analyze = async (input: LayerInput, settings = DEFAULT_SETTINGS): Promise<LayerReport> =>
  (await analyzeLayer(input, settings, await createEngine({ prefer: 'js' }), { nullCache: cache })).report;

describe('analyzeLayer', () => {
  test('Gaussian layer: every section filled, σ and edges, histogram and MP curve in the same units', async () => {
    const report = await analyze(layer(300, 150, new Rng(1).normals(300 * 150, 0.1)));
    assert.deepEqual(report.shape, [300, 150]);
    // σ̂² averages N·M squared entries: relative s.e. of σ̂ is √(1/(2NM)) = 0.0033, so 4 s.e. = 0.0013.
    assert.ok(Math.abs(report.mp.sigma - 0.1) < 0.0014, `σ̂ = ${report.mp.sigma}`);
    assert.equal(report.mp.q, 0.5);
    const h = report.esd.histogram;
    assert.equal(h.edges.length, 61);
    const area = h.density.reduce((s, d, k) => s + d * (h.edges[k + 1] - h.edges[k]), 0);
    assert.ok(Math.abs(area - 1) < 1e-12);
    const { x, y } = report.esd.mpCurve;
    const curveArea = y.slice(1).reduce((s, v, i) => s + 0.5 * (v + y[i]) * (x[i + 1] - x[i]), 0);
    const bulkFraction = (150 - report.mp.outliers) / 150;
    // Trapezoid rule on a density with square-root edges: ~1 % short.
    assert.ok(Math.abs(curveArea - bulkFraction) < 0.02, `MP curve area ${curveArea}`);
    const spacing = report.spacing!;
    assert.equal(spacing.histogram.edges.length, 41);
    assert.equal(spacing.nullReplicas, 200);
    assert.ok(spacing.pGoe > 0 && spacing.pGoe <= 1);
    assert.ok(Math.abs(spacing.meanSpacing - 1) < 0.05);
    assert.equal(report.rigidity!.sigma2.length, report.rigidity!.lengths.length);
    assert.equal(report.porterThomas!.indices.length, 150);
    assert.equal(report.porterThomas!.left.pValues.length, 150);
    assert.equal(report.hill!.plot.k[0], 2);
    assert.ok(report.powerLaw && report.powerLaw.alpha > 1);
    assert.equal(report.baseline!.histogram.edges.length, 61);
    assert.ok(report.norms.matrixRank === 150 && report.norms.stableRank > 1);
    assert.ok(report.mp.mpSoftRank > 0 && report.mp.mpSoftRank <= 1.2);
    assert.ok(report.seconds > 0);
  });

  test('false alarms on Gaussian layers stay within the levels of the tests combined', async () => {
    const rng = new Rng(2);
    const layers = 20;
    let notRandom = 0;
    for (let i = 0; i < layers; i++)
      if ((await analyze(layer(100, 150, rng.normals(15000)))).verdict.label !== 'random') notRandom++;
    // Spacings 5 %, bulk 1 %, TW outliers with a fitted σ ≈ 8–10 %, PT after BH ≤ 5 %, Hill plateau ~0: ≤ 25 %.
    const p = 0.25;
    assert.ok(
      notRandom <= layers * p + 4 * Math.sqrt(layers * p * (1 - p)),
      `${notRandom} of ${layers} not random`,
    );
  });

  test('fewer than 50 singular values → too small, with norms; all-zero → deviating', async () => {
    const small = await analyze(layer(40, 90, new Rng(2).normals(3600)));
    assert.equal(small.verdict.label, 'too small');
    assert.ok(small.frobeniusNorm > 0 && small.spacing === undefined);
    const zero = await analyze(layer(60, 80, new Float64Array(4800)));
    assert.equal(zero.verdict.label, 'deviating');
    assert.match(zero.verdict.reasons[0], /zero/);
    await assert.rejects(analyze(layer(60, 80, new Float64Array(10))), /expected 60×80/);
  });

  test('strong rank-3 signal in random directions → "bulk random, 3 spikes" with BBP strengths', async () => {
    const [w] = generateEnsemble('low-rank', 120, 200, 1, 3, { rank: 3, strength: 4 });
    const report = await analyze(layer(120, 200, w.re));
    assert.equal(report.mp.outliers, 3);
    assert.equal(report.verdict.label, 'bulk random, spikes');
    assert.match(report.verdict.summary, /3 spikes/);
    // Outlier positions fluctuate by O(1/√N): θ within 10 % at N = 120.
    for (const theta of report.mp.spikeStrengths) assert.ok(Math.abs(theta / 4 - 1) < 0.1, `θ = ${theta}`);
  });

  test('Student-t(1.5) entries → deviating, with the heavy tail among the reasons', async () => {
    const [w] = generateEnsemble('heavy-tailed', 300, 600, 1, 4, { tailIndex: 1.5 });
    const report = await analyze(layer(300, 600, w.re));
    assert.equal(report.verdict.label, 'deviating');
    assert.ok(report.verdict.reasons.some((r) => /heavy tail/.test(r)));
    assert.ok(report.hill!.plateau);
  });

  test('uncorrelated singular values (Poisson spacings) → deviating on the spacings', async () => {
    const rng = new Rng(5);
    const rows = 150;
    const cols = 200;
    const w = new Float64Array(rows * cols);
    for (let i = 0; i < rows; i++) w[i * cols + i] = 10 + rng.uniform();
    const report = await analyze(layer(rows, cols, w));
    assert.equal(report.verdict.label, 'deviating');
    assert.ok(report.spacing!.pGoe < 0.05);
    assert.ok(report.spacingRatio!.mean < 0.45, `⟨r̃⟩ = ${report.spacingRatio!.mean}`);
  });
});

describe('invariances (property tests)', () => {
  /** The numbers theory says do not change, scaled by `scale` where they carry units. */
  function invariants(r: LayerReport, scale = 1) {
    return {
      sigma: r.mp.sigma / scale,
      outliers: r.mp.outliers,
      stableRank: r.norms.stableRank,
      entropy: r.norms.spectralEntropy,
      ksGoe: r.spacing!.ksGoe,
      pGoe: r.spacing!.pGoe,
      bulkP: r.mp.bulkP!,
      ratio: r.spacingRatio!.mean,
      sigma2: r.rigidity!.sigma2,
      hill: r.hill!.plot.alpha,
      alpha: r.powerLaw!.alpha,
      ptLeft: r.porterThomas!.left.pValues,
      ptRight: r.porterThomas!.right.pValues,
      verdict: r.verdict.label,
    };
  }

  function assertClose(
    a: ReturnType<typeof invariants>,
    b: ReturnType<typeof invariants>,
    swapSides = false,
  ): void {
    const close = (x: number, y: number, label: string) =>
      assert.ok(Math.abs(x - y) <= 1e-8 * Math.max(1, Math.abs(x)), `${label}: ${x} vs ${y}`);
    for (const key of ['sigma', 'stableRank', 'entropy', 'ksGoe', 'pGoe', 'bulkP', 'ratio', 'alpha'] as const)
      close(a[key], b[key], key);
    assert.equal(a.outliers, b.outliers);
    assert.equal(a.verdict, b.verdict);
    a.sigma2.forEach((x, i) => close(x, b.sigma2[i], `Σ²[${i}]`));
    a.hill.forEach((x, i) => close(x, b.hill[i], `Hill[${i}]`));
    const [bl, br] = swapSides ? [b.ptRight, b.ptLeft] : [b.ptLeft, b.ptRight];
    a.ptLeft.forEach((x, i) => close(x, bl[i], `PT left[${i}]`));
    a.ptRight.forEach((x, i) => close(x, br[i], `PT right[${i}]`));
  }

  const settings = { ...DEFAULT_SETTINGS, randomBaseline: false };

  test('transposition, row/column permutations and scaling leave the statistics unchanged (σ scales)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 1e6 }),
        fc.double({ min: 1e-3, max: 1e3, noNaN: true }),
        async (seed, scale) => {
          const rng = new Rng(seed);
          const rows = 100;
          const cols = 140;
          const w = rng.normals(rows * cols);
          const base = invariants(await analyze(layer(rows, cols, w), settings));

          const t = new Float64Array(rows * cols);
          for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) t[j * rows + i] = w[i * cols + j];
          assertClose(base, invariants(await analyze(layer(cols, rows, t), settings)), true);

          const rowOrder = rng.shuffle(Float64Array.from({ length: rows }, (_, i) => i));
          const colOrder = rng.shuffle(Float64Array.from({ length: cols }, (_, i) => i));
          const p = new Float64Array(rows * cols);
          for (let i = 0; i < rows; i++)
            for (let j = 0; j < cols; j++) p[i * cols + j] = w[rowOrder[i] * cols + colOrder[j]];
          assertClose(base, invariants(await analyze(layer(rows, cols, p), settings)));

          const scaled = w.map((x) => x * scale);
          assertClose(base, invariants(await analyze(layer(rows, cols, scaled), settings), scale));
        },
      ),
      { numRuns: 4, seed: 20240601 },
    );
  });
});
