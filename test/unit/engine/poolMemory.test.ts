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
import { layerMemory } from '../../../src/engine/sizePolicy';
import { computeSvd } from '../../../src/linalg/pipeline';
import { WasmKernels } from '../../../src/linalg/wasmKernels';
import { porterThomasIndices } from '../../../src/rmt/porterThomas';
import { Rng } from '../../../src/rmt/prng';

const dir = mkdtempSync(path.join(tmpdir(), 'rmt-pool-'));
const workerPath = path.join(dir, 'sleeper.cjs');
// Answers each request after 40 ms (1 s for the file 'slow') with its thread id and the time it ran.
writeFileSync(
  workerPath,
  `const { parentPort, threadId } = require('node:worker_threads');
parentPort.on('message', (request) => {
  const start = performance.timeOrigin + performance.now();
  setTimeout(() => {
    const end = performance.timeOrigin + performance.now();
    const threads = request.threads ?? 1;
    parentPort.postMessage({ type: 'error', message: JSON.stringify({ threadId, start, end, threads }) });
  }, request.file === 'slow' ? 1000 : 40);
});`,
);

interface Ran {
  threadId: number;
  start: number;
  end: number;
  /** Threads the pool gave the request. */
  threads: number;
  memory: JobMemory;
}

async function runAll(pool: WorkerPool, memories: JobMemory[], slow: number[] = []): Promise<Ran[]> {
  return Promise.all(
    memories.map(async (memory, index) => {
      const file = slow.includes(index) ? 'slow' : 'x';
      const answer = await pool.run(
        { type: 'analyzeLayer', file, settings: DEFAULT_SETTINGS, index },
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

  test('a later request starts around a waiting one when it leaves it its room', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      // The second 60 waits for the first (slow) one; the 30 fits beside either and runs meanwhile.
      const runs = await runAll(pool, [60, 60, 30].map(transient), [0]);
      assert.ok(runs[2].start < runs[1].start, `the 30 started after the waiting 60`);
      assert.ok(peakTransient(runs) <= 100, `peak ${peakTransient(runs)}`);
    } finally {
      await pool.dispose();
    }
  });

  test('a later request that would delay the waiting one does not start around it', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      // 45 fits beside the running (slow) 50 but not beside the waiting 60: the 60 goes first.
      const runs = await runAll(pool, [50, 60, 45, 45].map(transient), [0]);
      assert.ok(runs[2].start > runs[1].start && runs[3].start > runs[1].start, JSON.stringify(runs));
      assert.ok(peakTransient(runs) <= 100, `peak ${peakTransient(runs)}`);
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

  test('an idle worker is stopped after the idle timeout, a busy one is kept', async () => {
    const pool = new WorkerPool(workerPath, 1, { memoryBudget: 100, idleTimeoutMs: 300 });
    try {
      const [first] = await runAll(pool, [{ retained: 70, transient: 0 }]);
      const [soon] = await runAll(pool, [transient(10)]);
      assert.equal(soon.threadId, first.threadId);
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const [later] = await runAll(pool, [transient(50)]);
      assert.notEqual(later.threadId, first.threadId);
      // Within the timeout the (fresh) worker is reused.
      const [next] = await runAll(pool, [transient(40)]);
      assert.equal(next.threadId, later.threadId);
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

  test('a request alone gets every thread of the pool; requests that can run side by side get one each', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const [alone] = await runAll(pool, [transient(10)]);
      assert.equal(alone.threads, 2);
      const together = await runAll(
        pool,
        Array.from({ length: 5 }, () => transient(40)),
      );
      assert.deepEqual(
        together.map((r) => r.threads),
        [1, 1, 1, 1, 1],
      );
      // None fits beside another: each runs alone, with both threads, one after the other.
      const apart = await runAll(
        pool,
        Array.from({ length: 3 }, () => transient(60)),
      );
      assert.deepEqual(
        apart.map((r) => r.threads),
        [2, 2, 2],
      );
      assert.equal(peakTransient(apart), 60);
    } finally {
      await pool.dispose();
    }
  });

  test('nothing starts beside a request that has every thread', async () => {
    const pool = new WorkerPool(workerPath, 2, { memoryBudget: 100 });
    try {
      const first = runAll(pool, [transient(60)], [0]);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const [later] = await runAll(pool, [transient(10)]);
      const [big] = await first;
      assert.equal(big.threads, 2);
      assert.ok(later.start >= big.end, `the small request started ${big.end - later.start} ms early`);
    } finally {
      await pool.dispose();
    }
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

describe('layer memory estimates', () => {
  // The retained estimate is what the worker's engine really holds after the layer's
  // decomposition (its WebAssembly memory never shrinks): never below, and not far above, or
  // the pool would run fewer layers at once than fit.
  for (const [rows, cols] of [
    [1024, 1024],
    [768, 3072],
    [3072, 768],
    [1100, 2300],
  ])
    test(`${rows}×${cols}: the engine's memory after the decomposition is within the estimate`, () => {
      const kernels = new WasmKernels(1);
      try {
        const a = kernels.inputBuffer(rows * cols);
        const rng = new Rng(7);
        for (let i = 0; i < a.length; i++) a[i] = Math.fround(0.02 * rng.normal());
        const n = Math.min(rows, cols);
        const indices = porterThomasIndices(n);
        computeSvd(kernels, a, rows, cols, indices.length === n ? 'all' : indices);
        const estimate = layerMemory(rows, cols, 'F32', 4096, true);
        const used = kernels.memoryBytes();
        assert.ok(used <= estimate.retained, `${used} bytes used, ${estimate.retained} estimated`);
        assert.ok(used >= 0.75 * estimate.retained, `${used} bytes used, ${estimate.retained} estimated`);
      } finally {
        kernels.dispose();
      }
    });

  test('with the default budget of two cores an LLM MLP layer runs beside an attention one, not beside another MLP', () => {
    const total = (m: { retained: number; transient: number }) => m.retained + m.transient;
    const attention = total(layerMemory(4096, 4096, 'F16', 4096, true));
    const mlp = total(layerMemory(4096, 11008, 'F16', 4096, true));
    assert.ok(mlp + attention <= MEMORY_PER_TWO_CORES, `${mlp} + ${attention}`);
    assert.ok(2 * mlp > MEMORY_PER_TWO_CORES, `2 × ${mlp}`);
  });
});
