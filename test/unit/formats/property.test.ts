import assert from 'node:assert/strict';
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import fc from 'fast-check';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile, readers } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';

/**
 * Property: whatever bytes a weight file holds, opening it and reading every tensor and every matrix either
 * works or fails with a WeightFileError, promptly. Inputs are valid fixtures with random damage: truncation,
 * byte flips, lying 32/64-bit integers (sizes, offsets, counts), spliced bytes. Fixed seed, so runs repeat.
 */
const SEED = Number(process.env.PROPERTY_SEED ?? 20240611);
/** More runs for a longer search: PROPERTY_RUNS=5000 node --test out/test/unit/formats/property.test.js */
const RUNS = Number(process.env.PROPERTY_RUNS ?? 150);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rmt-property-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'u32' | 'u64'; at: number; value: bigint }
  | { kind: 'splice'; at: number; bytes: Uint8Array };

const position = fc.oneof(fc.nat({ max: 511 }), fc.nat()); // headers are at the start: favour them
const lies = fc.constantFrom(
  0n,
  1n,
  7n,
  255n,
  65535n,
  0x7fffffffn,
  0xffffffffn,
  1n << 40n,
  (1n << 63n) - 1n,
  (1n << 64n) - 1n,
);
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('byte' as const), at: position, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constantFrom('u32' as const, 'u64' as const), at: position, value: lies }),
  fc.record({
    kind: fc.constant('splice' as const),
    at: position,
    bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }),
  }),
);

function damage(original: Buffer, mutations: Mutation[]): Buffer {
  let b = Buffer.from(original);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = m.at % b.length;
    if (m.kind === 'truncate') b = b.subarray(0, at);
    else if (m.kind === 'byte') b[at] = m.value;
    else if (m.kind === 'splice')
      b = Buffer.concat([b.subarray(0, at), Buffer.from(m.bytes), b.subarray(at)]);
    else {
      const n = m.kind === 'u32' ? 4 : 8;
      if (at + n > b.length) continue;
      if (n === 4) b.writeUInt32LE(Number(m.value & 0xffffffffn), at);
      else b.writeBigUInt64LE(m.value, at);
    }
  }
  return b;
}

/** Opens, reads every tensor and every matrix; returns 'ok' or the WeightFileError's message. */
async function exercise(file: string): Promise<string> {
  try {
    const f = await openWeightFile(file, { lenient: true });
    try {
      for (const t of f.tensors) {
        try {
          await f.read(t.name);
        } catch (err) {
          if (!(err instanceof WeightFileError) || !t.unsupported) throw err;
        }
      }
      for (const m of planLayers(f, { conv: 'im2col' }).matrices) await m.read();
    } finally {
      await f.close();
    }
    return 'ok';
  } catch (err) {
    if (err instanceof WeightFileError) return err.message;
    throw err;
  }
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

/** One seed file per reader (companion files, e.g. TF.js shards, are copied beside the damaged copy). */
const SEEDS: Record<string, string[]> = {
  sharded: ['safetensors/sharded/model.safetensors.index.json'],
  safetensors: ['safetensors/dtypes.safetensors'],
  npz: ['npz/stored.npz', 'npz/deflated.npz', 'npz/zip64.npz'],
  npy: ['npy/fortran_f8.npy', 'npy/v3_f4.npy'],
  pytorch: ['pytorch/state_dict.pt', 'pytorch/legacy.pt', 'pytorch/views.pt'],
  onnx: ['onnx/typed.onnx', 'onnx/external/model.onnx'],
  gguf: ['gguf/quants.gguf'],
  tfjs: ['tfjs/model.json'],
  tflite: ['tflite/quantized.tflite'],
  'keras-h5': ['keras/keras2_weights.h5'],
  keras: ['keras/keras3_stored.keras'],
};

describe('property: damaged files give a WeightFileError or work, never anything else', () => {
  test('every reader has seed files', () => {
    assert.deepEqual(Object.keys(SEEDS).sort(), readers.map((r) => r.id).sort());
  });

  for (const [reader, seeds] of Object.entries(SEEDS)) {
    test(reader, async () => {
      const runs = reader.startsWith('keras') ? Math.ceil(RUNS / 4) : RUNS;
      for (const seed of seeds) {
        const source = path.join(fixturesDir, seed);
        const dir = mkdtempSync(path.join(tmp, `${reader}-`));
        for (const f of readdirSync(path.dirname(source))) {
          const p = path.join(path.dirname(source), f);
          if (statSync(p).isFile() && !f.endsWith('.json.expected.json')) copyFileSync(p, path.join(dir, f));
        }
        const target = path.join(dir, path.basename(source));
        const original = readFileSync(source);
        assert.equal(await exercise(target), 'ok', `${seed} itself reads`);
        await fc.assert(
          fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
            writeFileSync(target, damage(original, mutations));
            await withTimeout(exercise(target), 5000, seed);
          }),
          { seed: SEED, numRuns: runs },
        );
      }
    });
  }
});
