// Cancel frees the memory (issue 6, "Faults"): cancelling an analysis mid-way stops the worker that
// held the layer, so the process gives that memory back, the pool counts it until the worker has
// really exited, and the pool goes on with the next file.
import { describe, test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  writeFileSync,
  writeSync,
} from 'node:fs';
import { open } from 'node:fs/promises';
import { constants } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { WorkerPool } from '../../../src/engine/pool';
import { runAnalysis } from '../../../src/engine/analysis';
import { CancelledError } from '../../../src/engine/errors';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';
import { fixturesDir, repoRoot } from '../paths';

const workerPath = path.join(repoRoot, 'out/src/engine/worker.js');
const small = path.join(fixturesDir, 'safetensors/dtypes.safetensors');
const MB = 2 ** 20;

/** Polls `condition` every 50 ms until it holds; rejects with `what` after `timeoutMs`. */
async function until(condition: () => boolean, what: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`${what()} (waited ${timeoutMs / 1000} s)`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A safetensors file with one F32 matrix of uniform noise, written a block of rows at a time so that
 * the test process itself never holds the matrix.
 */
function writeNoiseLayer(file: string, rows: number, cols: number): void {
  let json = JSON.stringify({
    __metadata__: { format: 'pt' },
    'big.weight': { dtype: 'F32', shape: [rows, cols], data_offsets: [0, rows * cols * 4] },
  });
  json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  const fd = openSync(file, 'w');
  try {
    writeSync(fd, length);
    writeSync(fd, Buffer.from(json, 'utf8'));
    let state = 12345;
    const blockRows = 250;
    for (let r = 0; r < rows; r += blockRows) {
      const block = new Float32Array(Math.min(blockRows, rows - r) * cols);
      for (let i = 0; i < block.length; i++) {
        state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
        block[i] = state / 2 ** 32 - 0.5;
      }
      writeSync(fd, new Uint8Array(block.buffer));
    }
  } finally {
    closeSync(fd);
  }
}

describe('cancel frees the memory', () => {
  let dir: string;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'rmt-lens-cancel-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  // The worker runs in this process, so its V8 heap and WebAssembly memory are part of our RSS. A
  // 3000×4000 layer takes ~180 MB above the idle level within a second (more while it computes);
  // stopping the worker unmaps it at once. Margins are wide: other processes do not enter our RSS.
  test(
    'cancelling a big layer mid-way: the worker is stopped, the RSS falls back, the next file is analysed',
    { timeout: 180_000 },
    async () => {
      const file = path.join(dir, 'big.safetensors');
      writeNoiseLayer(file, 3000, 4000);
      const pool = new WorkerPool(workerPath, 1);
      try {
        // An idle worker with the engine loaded: the level the RSS must come back to.
        await runAnalysis(pool, small, DEFAULT_SETTINGS);
        const rss = () => process.memoryUsage().rss;
        const idle = rss();
        const rise = 120 * MB;
        const controller = new AbortController();
        let begun = false;
        const running = runAnalysis(
          pool,
          file,
          DEFAULT_SETTINGS,
          { begin: () => (begun = true) },
          controller.signal,
        );
        running.catch(() => undefined);
        let peak = idle;
        await until(
          () => {
            peak = Math.max(peak, rss());
            return begun && peak >= idle + rise;
          },
          () =>
            `the analysis of the 3000×4000 layer to take ${rise / MB} MB (idle ${(idle / MB) | 0} MB, peak ${(peak / MB) | 0} MB)`,
          120_000,
        );
        controller.abort();
        await assert.rejects(running, CancelledError);
        // Freed: back within 40 MB of the idle level (the worker that held it is gone; a worker
        // kept alive would hold its WebAssembly memory, which never shrinks).
        let now = rss();
        await until(
          () => (now = rss()) <= idle + 40 * MB,
          () =>
            `the RSS to fall back after the cancel: idle ${(idle / MB) | 0} MB, peak ${(peak / MB) | 0} MB, now ${(now / MB) | 0} MB`,
          15_000,
        );
        // The pool goes on: the next file is analysed in a fresh worker.
        const next = await runAnalysis(pool, small, DEFAULT_SETTINGS);
        assert.ok(next.layers.length > 0);
        assert.equal(next.failed.length, 0);
      } finally {
        await pool.dispose();
      }
    },
  );

  // A worker stuck in a blocking open of a FIFO cannot exit until the test lets it:
  // this makes "the cancelled worker is still being stopped" last as long as the test needs.
  test(
    "a cancelled request's memory counts until its worker has exited: the request waiting for that room starts only then, in a fresh worker",
    { timeout: 60_000 },
    async () => {
      const fifo = path.join(dir, 'hold');
      execFileSync('mkfifo', [fifo]);
      const script = path.join(dir, 'holder.cjs');
      // Request index 0: note the thread, then block opening the FIFO (terminate waits for it).
      // Any other: answer at once with the thread and the time it started.
      writeFileSync(
        script,
        `const { parentPort, threadId } = require('node:worker_threads');
const fs = require('node:fs');
parentPort.on('message', (request) => {
  if (request.index === 0) {
    fs.writeFileSync(${JSON.stringify(path.join(dir, 'holding'))}, String(threadId));
    fs.readSync(fs.openSync(${JSON.stringify(fifo)}, 'r'), Buffer.alloc(1));
    return;
  }
  const start = performance.timeOrigin + performance.now();
  parentPort.postMessage({ type: 'error', message: JSON.stringify({ threadId, start }) });
});`,
      );
      // Opening the FIFO for writing lets the worker's open (then its read) return; once it does, the
      // worker exits (the write may then find no reader: EPIPE). Fails (ENXIO) when nobody reads it.
      const release = async () => {
        const handle = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK).catch(() => undefined);
        await handle?.write(Buffer.from('x')).catch(() => undefined);
        await handle?.close();
      };
      const pool = new WorkerPool(script, 2, { memoryBudget: 100 });
      try {
        const request = (index: number) => ({
          type: 'analyzeLayer' as const,
          file: 'x',
          settings: DEFAULT_SETTINGS,
          index,
        });
        const controller = new AbortController();
        const held = pool.run(request(0), controller.signal, { retained: 30, transient: 50 });
        held.catch(() => undefined);
        // 80 + 80 > 100: the second request waits for the first.
        const waiting = pool.run(request(1), undefined, { retained: 0, transient: 80 });
        let answered = false;
        void waiting.then(() => (answered = true));
        await until(
          () => existsSync(path.join(dir, 'holding')),
          () => 'the first request to start',
          30_000,
        );
        const holder = Number(readFileSync(path.join(dir, 'holding'), 'utf8'));
        controller.abort();
        await assert.rejects(held, CancelledError);
        // While the cancelled worker has not exited, its 80 bytes still count: nothing may start.
        // (A bounded wait for something that must not happen; a fresh worker answers in ~50 ms.)
        await new Promise((resolve) => setTimeout(resolve, 1500));
        assert.equal(
          answered,
          false,
          'the waiting request started beside a worker that was still being stopped',
        );
        const released = performance.timeOrigin + performance.now();
        await release();
        const answer = await waiting;
        assert.equal(answer.type, 'error');
        const ran = JSON.parse(answer.type === 'error' ? answer.message : '{}') as {
          threadId: number;
          start: number;
        };
        assert.ok(
          ran.start >= released,
          `started ${(released - ran.start).toFixed(0)} ms before the release`,
        );
        assert.notEqual(ran.threadId, holder, 'the cancelled worker was reused');
        assert.ok(pool.peakEstimate <= 100, `estimate ${pool.peakEstimate}`);
      } finally {
        await release();
        await pool.dispose();
      }
    },
  );
});
