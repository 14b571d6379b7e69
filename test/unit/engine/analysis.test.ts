import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { WorkerPool } from '../../../src/engine/pool';
import { runAnalysis } from '../../../src/engine/analysis';
import { CancelledError } from '../../../src/engine/errors';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';
import { fixturesDir, repoRoot } from '../paths';

const workerPath = path.join(repoRoot, 'out/src/engine/worker.js');

const model = path.join(fixturesDir, 'safetensors/dtypes.safetensors');
const expected = JSON.parse(readFileSync(`${model}.expected.json`, 'utf8')) as {
  matrices: Record<string, unknown>;
};
const matrixCount = Object.keys(expected.matrices).length;

describe('analysis through the worker pool', () => {
  let pool: WorkerPool;

  before(() => {
    pool = new WorkerPool(workerPath, 2);
  });
  after(() => pool.dispose());

  test('analyses every matrix, in file order, with progress for each', async () => {
    const progress: string[] = [];
    let announced = 0;
    const report = await runAnalysis(pool, model, DEFAULT_SETTINGS, {
      begin: (plan) => (announced = plan.layers.length),
      layer: (_layer, done, total) => progress.push(`${done}/${total}`),
    });
    assert.equal(announced, matrixCount);
    assert.deepEqual(report.layers.map((l) => l.name).sort(), Object.keys(expected.matrices).sort());
    assert.deepEqual(
      progress,
      report.layers.map((_, i) => `${i + 1}/${matrixCount}`),
    );
    assert.equal(report.failed.length, 0);
    assert.ok(report.provenance.seconds > 0);
  });

  test('cancelling stops the analysis and the pool keeps working', async () => {
    const controller = new AbortController();
    const running = runAnalysis(
      pool,
      model,
      DEFAULT_SETTINGS,
      { begin: () => controller.abort() },
      controller.signal,
    );
    await assert.rejects(running, CancelledError);
    const again = await runAnalysis(pool, model, DEFAULT_SETTINGS);
    assert.equal(again.layers.length, matrixCount);
  });

  test('a missing file gives one clear error naming it', async () => {
    await assert.rejects(
      runAnalysis(pool, path.join(fixturesDir, 'nope.safetensors'), DEFAULT_SETTINGS),
      /nope\.safetensors/,
    );
  });

  test('a worker that runs out of memory fails with a clear message naming the worker', async () => {
    const starved = new WorkerPool(workerPath, 1, { resourceLimits: { maxOldGenerationSizeMb: 2 } });
    try {
      const outcome = await runAnalysis(starved, model, DEFAULT_SETTINGS).catch((e: Error) => e);
      const text = outcome instanceof Error ? outcome.message : outcome.failed.map((f) => f.error).join('; ');
      assert.match(text, /worker/);
    } finally {
      await starved.dispose();
    }
  });
});
