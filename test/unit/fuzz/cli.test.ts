/**
 * Hostile files through the CLI as a user runs it (dist/cli.js, built by `node scripts/build.mjs`): a refusal is
 * a non-zero exit with exactly one line on stderr naming the file, never a stack trace; a file whose layers hold
 * NaN or Inf is analysed, those layers listed in report.failed with a message naming them.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { fixturesDir, repoRoot } from '../paths';
import { scratchDir, torchLegacy, zip } from './craft';

const cli = path.join(repoRoot, 'dist/cli.js');
const scratch = scratchDir('rmt-cli-hostile-');
after(() => scratch.dispose());

function analyze(
  file: string,
  env: NodeJS.ProcessEnv = process.env,
): { status: number | null; stdout: string; stderr: string; ms: number } {
  const started = performance.now();
  const run = spawnSync(process.execPath, [cli, 'analyze', file, '--json'], {
    encoding: 'utf8',
    timeout: 60_000,
    env,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, ms: performance.now() - started };
}

function safetensors(tensors: Record<string, { shape: number[]; values: Float32Array }>): Buffer {
  const header: Record<string, unknown> = {};
  const parts: Buffer[] = [];
  let at = 0;
  for (const [name, { shape, values }] of Object.entries(tensors)) {
    header[name] = { dtype: 'F32', shape, data_offsets: [at, at + values.byteLength] };
    parts.push(Buffer.from(values.buffer));
    at += values.byteLength;
  }
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, ...parts]);
}

/** Deterministic Gaussian-ish values (sum of uniforms from a fixed LCG). */
function noise(n: number, seed: number): Float32Array {
  let s = seed >>> 0;
  const u = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  return Float32Array.from({ length: n }, () => u() + u() + u() + u() - 2);
}

const fixture = (rel: string) => path.join(fixturesDir, rel);
const absurdHeader = Buffer.alloc(16);
absurdHeader.writeBigUInt64LE(1n << 40n);

/** [file, what the one line must say] */
const HOSTILE: Array<[string, () => string, RegExp]> = [
  [
    'absurd safetensors header length',
    () => scratch.write('absurd.safetensors', absurdHeader),
    /exceeds the 100 MB limit/,
  ],
  ['empty safetensors', () => scratch.write('empty.safetensors', ''), /too short/],
  ['npy object array', () => fixture('npy/object.npy'), /object arrays/],
  ['pickle calling os.system', () => fixture('pytorch/evil_os_system.pt'), /'os.system' is not allowed/],
  [
    'legacy pickle with EXT1',
    () =>
      scratch.write('ext.pt', torchLegacy(Buffer.from('\x80\x02\x82\x01(X\x02\x00\x00\x00idtR.', 'latin1'))),
    /EXT1 \(extension registry code 1\) is refused/,
  ],
  ['ONNX external data in ../', () => fixture('onnx/evil_parent.onnx'), /refused path/],
  [
    'truncated GGUF',
    () => scratch.write('cut.gguf', readFileSync(fixture('gguf/quants.gguf')).subarray(0, 200)),
    /./,
  ],
  [
    'truncated HDF5',
    () => scratch.write('cut.h5', readFileSync(fixture('keras/keras2_weights.h5')).subarray(0, 2000)),
    /HDF5: truncated file: eof = 2000/,
  ],
  [
    '.keras zip bomb',
    () =>
      scratch.write(
        'bomb.keras',
        zip([
          { name: 'model.weights.h5', data: Buffer.alloc(8 << 20), deflate: true, declaredSize: 0xfffffff0 },
        ]),
      ),
    /zip bomb/,
  ],
  [
    'TF.js shard out of the folder',
    () =>
      scratch.write(
        'evil-weights_manifest.json',
        JSON.stringify([{ paths: ['/etc/passwd'], weights: [{ name: 'w', shape: [4], dtype: 'float32' }] }]),
      ),
    /refused path/,
  ],
  ['a file no reader knows', () => scratch.write('notes.txt', 'hello'), /not a weight file/],
  ['a missing file', () => path.join(scratch.dir, 'missing.safetensors'), /no such file|cannot open/],
];

describe('CLI: hostile files give one clear line on stderr and a non-zero exit', () => {
  for (const [what, make, detail] of HOSTILE) {
    test(what, () => {
      const file = make();
      const { status, stdout, stderr } = analyze(file);
      assert.notEqual(status, 0, `${what}: exit ${status}`);
      // (HDF5's own error stack, which h5wasm writes to file descriptor 2, stays in the HDF5 worker)
      const lines = stderr.split('\n').filter((l) => l.trim() !== '');
      assert.equal(lines.length, 1, `exactly one line:\n${stderr}`);
      assert.ok(lines[0].includes(path.basename(file)), `names the file: ${lines[0]}`);
      assert.match(lines[0], detail);
      assert.doesNotMatch(stderr, /^\s+at |TypeError|RangeError|ReferenceError/m);
      assert.equal(stdout, '');
    });
  }
});

describe('CLI: a Keras file on which HDF5 loops forever', () => {
  // keras2_model.h5 damaged by a fuzz case: h5wasm never returns from reading its root attributes. The HDF5
  // watchdog (h5client.ts) terminates the HDF5 thread after its deadline, here shortened to 1 s.
  const hang = path.join(repoRoot, 'test/unit/fuzz/data/keras2_model-hang.h5');
  const env = { ...process.env, RMT_LENS_HDF5_TIMEOUT: '1' };
  for (const [what, make] of [
    ['.h5', () => hang],
    [
      '.keras',
      () => scratch.write('hang.keras', zip([{ name: 'model.weights.h5', data: readFileSync(hang) }])),
    ],
  ] as Array<[string, () => string]>) {
    test(`${what}: exit 1 after the deadline, one line on stderr naming the file, nothing else`, () => {
      const file = make();
      const { status, stdout, stderr, ms } = analyze(file, env);
      assert.equal(status, 1);
      assert.equal(
        stderr,
        `rmt-lens: ${path.basename(file)}: HDF5 parsing did not finish within 1 s — the file is probably corrupt\n`,
      );
      assert.equal(stdout, '');
      assert.ok(ms < 15_000, `exited after ${ms.toFixed(0)} ms`);
    });
  }
});

describe('CLI: NaN and Inf weights', () => {
  test('layers with NaN or Inf are listed in report.failed by name; the others are analysed', () => {
    const nan = noise(32 * 48, 2);
    nan[149] = NaN;
    const inf = noise(32 * 48, 3);
    inf[0] = Infinity;
    const file = scratch.write(
      'nan.safetensors',
      safetensors({
        'good.weight': { shape: [32, 48], values: noise(32 * 48, 1) },
        'nan.weight': { shape: [32, 48], values: nan },
        'inf.weight': { shape: [32, 48], values: inf },
      }),
    );
    const { status, stdout } = analyze(file);
    assert.equal(status, 0);
    const report = JSON.parse(stdout) as {
      layers: Array<{ name: string }>;
      failed: Array<{ name: string; error: string }>;
    };
    assert.deepEqual(
      report.layers.map((l) => l.name),
      ['good.weight'],
    );
    assert.deepEqual(report.failed, [
      { name: 'nan.weight', error: 'nan.weight: non-finite value at index 149' },
      { name: 'inf.weight', error: 'inf.weight: non-finite value at index 0' },
    ]);
  });
});
