// The settings significance (α) and vectorsTested change an analysis the way RMT.md says, and a
// changed setting never reuses a cached report.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { createEngine } from '../../../src/linalg';
import type { SpectrumEngine } from '../../../src/linalg/types';
import { analyzeLayer, type LayerInput } from '../../../src/engine/analyzeLayer';
import { DEFAULT_SETTINGS, type AnalysisSettings, type LayerReport } from '../../../src/engine/report';
import { ReportCache } from '../../../src/engine/reportCache';
import { NullCache } from '../../../src/rmt/nullCalibration';
import { benjaminiHochberg, informationBoundary } from '../../../src/rmt/porterThomas';
import { Rng } from '../../../src/rmt/prng';

const cache = new NullCache();

function gaussianLayer(seed: number, rows = 100, cols = 150): LayerInput {
  return {
    name: 'w',
    tensor: 'w',
    dtype: 'F64',
    layout: '2d',
    rows,
    cols,
    data: new Rng(seed).normals(rows * cols),
  };
}

async function analyze(
  input: LayerInput,
  settings: AnalysisSettings,
  engine?: SpectrumEngine,
): Promise<LayerReport> {
  const e = engine ?? (await createEngine({ prefer: 'js' }));
  return (await analyzeLayer(input, settings, e, { nullCache: cache })).report;
}

const spacingReason = (r: LayerReport) => r.verdict.reasons.find((x) => /level spacings/.test(x)) ?? '';

describe('significance level α in analyzeLayer', () => {
  test('a stricter α turns a layer that deviates only by its spacings random', async () => {
    const input = gaussianLayer(13);
    const byDefault = await analyze(input, DEFAULT_SETTINGS);
    const p = byDefault.spacing!.pGoe;
    assert.ok(p >= 0.01 && p < 0.05, `precondition: borderline spacing p = ${p}`);
    assert.equal(byDefault.verdict.label, 'deviating');
    assert.deepEqual(
      byDefault.verdict.reasons.filter((r) => !/consistent|fits|no singular value|pass/.test(r)),
      [spacingReason(byDefault)],
      'precondition: the spacings are the only deviation',
    );
    const strict = await analyze(input, { ...DEFAULT_SETTINGS, significance: 0.01 });
    assert.equal(strict.spacing!.pGoe, p, 'α changes decisions, not statistics');
    assert.equal(strict.verdict.label, 'random');
    assert.match(spacingReason(strict), /consistent with the GOE/);
  });

  test('a looser α turns a random layer with a spacing p between 0.05 and α deviating', async () => {
    const input = gaussianLayer(6);
    const byDefault = await analyze(input, DEFAULT_SETTINGS);
    const p = byDefault.spacing!.pGoe;
    assert.ok(p >= 0.05 && p < 0.1, `precondition: spacing p = ${p}`);
    assert.equal(byDefault.verdict.label, 'random');
    const loose = await analyze(input, { ...DEFAULT_SETTINGS, significance: 0.1 });
    assert.equal(loose.verdict.label, 'deviating');
    assert.match(spacingReason(loose), /differ from the GOE \(calibrated p = .* < 0\.1\)/);
  });

  test('every decision follows α: spacings, bulk fit at α/5, Porter–Thomas BH and the p̄ boundary', async () => {
    for (const seed of [2, 13, 22]) {
      const input = gaussianLayer(seed);
      const reports = new Map<number, LayerReport>();
      for (const alpha of [0.001, 0.01, 0.05, 0.2])
        reports.set(alpha, await analyze(input, { ...DEFAULT_SETTINGS, significance: alpha }));
      const reference = reports.get(0.05)!;
      for (const [alpha, r] of reports) {
        const what = `seed ${seed}, α = ${alpha}`;
        assert.equal(r.mp.bulkP, reference.mp.bulkP, what);
        assert.deepEqual(r.porterThomas!.left.pValues, reference.porterThomas!.left.pValues, what);
        assert.equal(/differ from the GOE/.test(spacingReason(r)), r.spacing!.pGoe < alpha, what);
        const bulkFails = r.verdict.reasons.some((x) => /does not fit Marchenko–Pastur/.test(x));
        assert.equal(bulkFails, r.mp.bulkP! < alpha / 5, what);
        const pt = r.porterThomas!;
        assert.equal(pt.level, alpha);
        const all = [...pt.left.pValues, ...pt.right.pValues];
        const expected = benjaminiHochberg(all, alpha);
        assert.equal(pt.rejected, expected.rejected.filter(Boolean).length, what);
        assert.equal(pt.bhCutoff, expected.cutoff, what);
        const leftBoundary = informationBoundary(pt.left.smoothed, alpha);
        assert.equal(pt.left.boundary, leftBoundary === null ? null : pt.indices[leftBoundary], what);
      }
      // Stricter α rejects no more vectors (BH is monotone in its level).
      assert.ok(reports.get(0.01)!.porterThomas!.rejected <= reports.get(0.2)!.porterThomas!.rejected);
    }
  });
});

describe('vectorsTested in analyzeLayer', () => {
  /** The JS engine, recording which vectors each svd call asked for. */
  async function recordingEngine(): Promise<{ engine: SpectrumEngine; asked: (number[] | 'all')[] }> {
    const inner = await createEngine({ prefer: 'js' });
    const asked: (number[] | 'all')[] = [];
    const engine: SpectrumEngine = {
      kind: inner.kind,
      singularValues: (a, rows, cols) => inner.singularValues(a, rows, cols),
      svd: (a, rows, cols, indices) => {
        asked.push(indices === 'all' ? 'all' : [...indices]);
        return inner.svd(a, rows, cols, indices);
      },
    };
    return { engine, asked };
  }

  test('by default a 100×150 layer tests all 100 vectors on each side', async () => {
    const { engine, asked } = await recordingEngine();
    const report = await analyze(gaussianLayer(3), { ...DEFAULT_SETTINGS, randomBaseline: false }, engine);
    assert.deepEqual(asked, ['all']);
    assert.equal(report.porterThomas!.indices.length, 100);
    assert.equal(report.porterThomas!.tested, 200);
  });

  test('above allUpTo the engine computes only the top, bottom and bulk vectors, and only those are tested', async () => {
    const { engine, asked } = await recordingEngine();
    const vectorsTested = { allUpTo: 50, top: 10, bottom: 5, bulk: 7 };
    const report = await analyze(
      gaussianLayer(3),
      { ...DEFAULT_SETTINGS, randomBaseline: false, vectorsTested },
      engine,
    );
    const expected = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 24, 38, 52, 66, 80, 94, 95, 96, 97, 98, 99];
    assert.deepEqual(asked, [expected]);
    const pt = report.porterThomas!;
    assert.deepEqual(pt.indices, expected);
    assert.equal(pt.tested, 2 * expected.length);
    assert.equal(pt.left.pValues.length, expected.length);
    assert.equal(pt.right.lIpr.length, expected.length);
    // The tested vectors and their statistics are those of the full run.
    const full = await analyze(gaussianLayer(3), { ...DEFAULT_SETTINGS, randomBaseline: false });
    assert.deepEqual(
      pt.singularValues,
      expected.map((i) => full.porterThomas!.singularValues[i]),
    );
    expected.forEach((index, i) =>
      assert.ok(
        Math.abs(pt.left.pValues[i] - full.porterThomas!.left.pValues[index]) < 1e-9,
        `p of vector ${index}`,
      ),
    );
  });

  test('no vector at all: nothing is tested and the verdict does not claim any passed', async () => {
    const vectorsTested = { allUpTo: 0, top: 0, bottom: 0, bulk: 0 };
    const report = await analyze(gaussianLayer(3), {
      ...DEFAULT_SETTINGS,
      randomBaseline: false,
      vectorsTested,
    });
    assert.equal(report.porterThomas!.tested, 0);
    assert.equal(report.porterThomas!.boundary, null);
    assert.ok(
      !report.verdict.reasons.some((r) => /Porter–Thomas/.test(r)),
      report.verdict.reasons.join('; '),
    );
  });
});

describe('report cache key', () => {
  test('changed α or vectorsTested give another key; the same settings spelled differently the same key', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rmt-cache-'));
    try {
      const file = path.join(dir, 'w.safetensors');
      writeFileSync(file, 'x');
      const reports = new ReportCache(path.join(dir, 'cache'));
      const base = await reports.key(file, DEFAULT_SETTINGS);
      // Defaults left out, keys in another order: the same analysis, the same key.
      const { conv, twLevel, exactLimit } = DEFAULT_SETTINGS;
      assert.equal(await reports.key(file, { exactLimit, twLevel, conv }), base);
      const reordered = {
        ...DEFAULT_SETTINGS,
        vectorsTested: { bulk: 100, bottom: 20, top: 100, allUpTo: 1024 },
      };
      assert.equal(await reports.key(file, reordered), base);
      const changed: AnalysisSettings[] = [
        { ...DEFAULT_SETTINGS, significance: 0.01 },
        { ...DEFAULT_SETTINGS, vectorsTested: { ...DEFAULT_SETTINGS.vectorsTested, top: 50 } },
        { ...DEFAULT_SETTINGS, vectorsTested: { ...DEFAULT_SETTINGS.vectorsTested, allUpTo: 512 } },
        { ...DEFAULT_SETTINGS, twLevel: 0.99 },
      ];
      const keys = await Promise.all(changed.map((s) => reports.key(file, s)));
      assert.equal(new Set([base, ...keys]).size, changed.length + 1);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
