// The pool's memory budget (issue 6): requests that together would exceed it never run at once,
// idle workers that retain memory are replaced when a request needs the room, and a request above
// the whole budget still runs, alone.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { availableParallelism, totalmem } from 'node:os';
import {
  defaultMemoryBudget,
  MEMORY_PER_TWO_CORES,
  WorkerPool,
  type JobMemory,
} from '../../../src/engine/pool';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';

const dir = mkdtempSync(path.join(tmpdir(), 'rmt-pool-'));
const workerPath = path.join(dir, 'sleeper.cjs');
// Answers each request after 40 ms with its thread id and the time it ran.
writeFileSync(
  workerPath,
  `const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', () => {
  const start = performance.timeOrigin + performance.now();
  setTimeout(() => {
    const end = performance.timeOrigin + performance.now();
    parentPort.postMessage({ type: 'error', message: JSON.stringify({ threadId, start, end }) });
  }, 40);
});`,
);

interface Ran {
  threadId: number;
  start: number;
  end: number;
  memory: JobMemory;
}

async function runAll(pool: WorkerPool, memories: JobMemory[]): Promise<Ran[]> {
  return Promise.all(
    memories.map(async (memory, index) => {
      const answer = await pool.run(
        { type: 'analyzeLayer', file: 'x', settings: DEFAULT_SETTINGS, index },
        undefined,
        memory,
      );
      assert.equal(answer.type, 'error');
      return {
        ...(JSON.parse(answer.type === 'error' ? answer.message : '') as Omit<Ran, 'memory'>),
        memory,
      };
    }),
  );
}

/** The largest sum of transient bytes over requests running at the same instant. */
function peakTransient(runs: Ran[]): number {
  let peak = 0;
  for (const r of runs) {
    const at = r.start + 1e-6;
    const sum = runs.filter((o) => o.start <= at && at < o.end).reduce((s, o) => s + o.memory.transient, 0);
    peak = Math.max(peak, sum);
  }
  return peak;
}

const transient = (bytes: number): JobMemory => ({ retained: 0, transient: bytes });

describe('worker pool memory budget', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('two requests that do not fit together run one after the other', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const runs = await runAll(
        pool,
        Array.from({ length: 5 }, () => transient(60)),
      );
      assert.equal(peakTransient(runs), 60);
      assert.ok(pool.peakEstimate <= 100);
    } finally {
      await pool.dispose();
    }
  });

  // Whether two requests overlap in time depends on worker start-up under load; the pool's own
  // count of what it let run at once does not.
  test('requests that fit run side by side', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      await runAll(
        pool,
        Array.from({ length: 6 }, () => transient(40)),
      );
      assert.equal(pool.peakEstimate, 80);
    } finally {
      await pool.dispose();
    }
  });

  test('small requests fill in around a big one, never above the budget', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const runs = await runAll(pool, [60, 30, 30, 60, 30, 70, 20].map(transient));
      assert.ok(peakTransient(runs) <= 100, `peak ${peakTransient(runs)}`);
      assert.ok(pool.peakEstimate >= 90 && pool.peakEstimate <= 100, `estimate ${pool.peakEstimate}`);
    } finally {
      await pool.dispose();
    }
  });

  test('a request above the whole budget runs alone', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const runs = await runAll(pool, [20, 150, 20].map(transient));
      const big = runs[1];
      assert.ok(runs.every((r) => r === big || r.end <= big.start || r.start >= big.end));
    } finally {
      await pool.dispose();
    }
  });

  test('an idle worker that retains memory is replaced when the next request needs the room', async () => {
    const pool = new WorkerPool(workerPath, 1, { memoryBudget: 100 });
    try {
      const [first] = await runAll(pool, [{ retained: 70, transient: 0 }]);
      // 70 retained + 20 fits: the same worker.
      const [fits] = await runAll(pool, [transient(20)]);
      assert.equal(fits.threadId, first.threadId);
      // 70 retained + 50 does not: the worker is stopped and a fresh one takes the request.
      const [roomy] = await runAll(pool, [transient(50)]);
      assert.notEqual(roomy.threadId, first.threadId);
      assert.ok(pool.peakEstimate <= 100, `estimate ${pool.peakEstimate}`);
    } finally {
      await pool.dispose();
    }
  });

  test('the default budget: 1.1 GiB per two cores, at most half the memory', () => {
    const expected = Math.min(
      Math.max(MEMORY_PER_TWO_CORES, (MEMORY_PER_TWO_CORES / 2) * availableParallelism()),
      totalmem() / 2,
    );
    assert.equal(defaultMemoryBudget(), expected);
    if (availableParallelism() <= 2 && totalmem() >= 2.2 * 2 ** 30)
      assert.equal(defaultMemoryBudget(), 1.1 * 2 ** 30);
  });

  test('without stated memory the pool behaves as before: every worker busy', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const runs = await runAll(
        pool,
        Array.from({ length: 4 }, () => transient(0)),
      );
      assert.equal(new Set(runs.map((r) => r.threadId)).size, 2);
    } finally {
      await pool.dispose();
    }
  });
});
