// Faults during an analysis (issue 6): the file changes or disappears underneath it, and two
// analyses of the same file at once.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, rmSync, unlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerPool } from '../../../src/engine/pool';
import { runAnalysis } from '../../../src/engine/analysis';
import { DEFAULT_SETTINGS, type ModelReport } from '../../../src/engine/report';
import { fixturesDir, repoRoot } from '../paths';

const workerPath = path.join(repoRoot, 'out/src/engine/worker.js');
const model = path.join(fixturesDir, 'safetensors/dtypes.safetensors');

/** The numbers of a report, without timings. */
function numbers(report: ModelReport): unknown {
  return report.layers.map(({ seconds: _seconds, ...rest }) => rest);
}

describe('faults during an analysis', () => {
  let pool: WorkerPool;
  let dir: string;

  before(() => {
    pool = new WorkerPool(workerPath, 2);
    dir = mkdtempSync(path.join(tmpdir(), 'rmt-lens-faults-'));
  });
  after(async () => {
    await pool.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a file modified during the analysis is refused with one message naming it', async () => {
    const file = path.join(dir, 'changing.safetensors');
    copyFileSync(model, file);
    let touched = false;
    const running = runAnalysis(pool, file, DEFAULT_SETTINGS, {
      layer: () => {
        if (touched) return;
        touched = true;
        const later = new Date(Date.now() + 60_000);
        utimesSync(file, later, later);
      },
    });
    await assert.rejects(running, (error: Error) => {
      assert.match(error.message, /changing\.safetensors changed or disappeared during the analysis/);
      return true;
    });
    assert.ok(touched);
  });

  test('a file deleted during the analysis is refused with a message naming it, and the pool goes on', async () => {
    const file = path.join(dir, 'vanishing.safetensors');
    copyFileSync(model, file);
    const running = runAnalysis(pool, file, DEFAULT_SETTINGS, {
      begin: () => unlinkSync(file),
    });
    await assert.rejects(running, (error: Error) => {
      assert.match(error.message, /vanishing\.safetensors/);
      return true;
    });
    const again = await runAnalysis(pool, model, DEFAULT_SETTINGS);
    assert.equal(again.failed.length, 0);
  });

  test('two analyses of the same file at once give the same numbers', async () => {
    const [a, b] = await Promise.all([
      runAnalysis(pool, model, DEFAULT_SETTINGS),
      runAnalysis(pool, model, DEFAULT_SETTINGS),
    ]);
    assert.ok(a.layers.length > 0);
    assert.equal(a.failed.length + b.failed.length, 0);
    assert.deepEqual(numbers(a), numbers(b));
  });
});
