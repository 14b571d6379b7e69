/**
 * The fuzzing harness shared by the quick run (`fuzz.test.ts`, inside `npm test`) and the long campaign
 * (`npm run fuzz`, scripts/fuzz.mjs). A case is a real fixture with damage: byte-level mutations (bit flips,
 * truncation, lying 16/32/64-bit fields, inserted, deleted and copied byte runs) or, for the formats that carry
 * JSON (safetensors headers, TF.js model.json, shard indexes), mutations of the parsed JSON. The property:
 * opening the file, reading every tensor and every planned matrix either works, with arrays of the declared
 * size, or throws a WeightFileError naming a file of the model; never another exception, never over the time
 * budget, never an array out of proportion to the bytes on disk.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import fc from 'fast-check';
import { numel } from '../../../src/formats/dtypes';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';

/** A fixture to damage: `mutate` is rewritten each case, `open` is what the reader opens (both in `dir`). */
export interface Seed {
  dir: string;
  mutate: string;
  open: string;
  /** The mutated file holds JSON (whole file, or a safetensors header). */
  json?: 'file' | 'safetensors';
}

const seed = (dir: string, mutate: string, open = mutate, json?: Seed['json']): Seed => ({
  dir,
  mutate,
  open,
  json,
});

/** Seed files per reader id (registry.ts), covering each reader's container variants. */
export const SEEDS: Record<string, Seed[]> = {
  safetensors: [seed('safetensors', 'dtypes.safetensors', undefined, 'safetensors')],
  sharded: [
    seed('safetensors/sharded', 'model.safetensors.index.json', undefined, 'file'),
    seed(
      'safetensors/sharded',
      'model-00001-of-00002.safetensors',
      'model.safetensors.index.json',
      'safetensors',
    ),
    seed('pytorch/sharded', 'pytorch_model-00002-of-00002.bin', 'pytorch_model.bin.index.json'),
  ],
  npy: [seed('npy', 'fortran_f8.npy'), seed('npy', 'v3_f4.npy'), seed('npy', 'big_endian_f2.npy')],
  npz: [seed('npz', 'stored.npz'), seed('npz', 'deflated.npz'), seed('npz', 'zip64.npz')],
  pytorch: [
    seed('pytorch', 'state_dict.pt'),
    seed('pytorch', 'legacy.pt'),
    seed('pytorch', 'views.pt'),
    seed('pytorch', 'module.pth'),
  ],
  onnx: [
    seed('onnx', 'typed.onnx'),
    seed('onnx', 'torch_cnn.onnx'),
    seed('onnx/external', 'model.onnx'),
    seed('onnx/external', 'model.onnx.data', 'model.onnx'),
  ],
  gguf: [seed('gguf', 'quants.gguf'), seed('gguf', 'v2_align64.gguf')],
  tfjs: [
    seed('tfjs', 'model.json', undefined, 'file'),
    seed('tfjs', 'fixture-weights_manifest.json', undefined, 'file'),
    seed('tfjs', 'group1-shard1of2.bin', 'model.json'),
  ],
  tflite: [seed('tflite', 'quantized.tflite')],
  'keras-h5': [seed('keras', 'keras2_weights.h5'), seed('keras', 'keras2_model.h5')],
  keras: [seed('keras', 'keras3_stored.keras'), seed('keras', 'keras3.keras')],
};

// ---------------------------------------------------------------------------------------------------------
// Byte mutations

/** A position counted from the start (headers) or from the end (zip directories, trailers). */
export interface Position {
  from: 'start' | 'end';
  n: number;
}

export type ByteMutation =
  | { kind: 'truncate'; at: Position }
  | { kind: 'flip'; at: Position; bit: number }
  | { kind: 'byte'; at: Position; value: number }
  | { kind: 'int'; at: Position; bytes: 2 | 4 | 8; bigEndian: boolean; value: bigint }
  | { kind: 'insert'; at: Position; run: Uint8Array }
  | { kind: 'delete'; at: Position; length: number }
  | { kind: 'copy'; from: Position; at: Position; length: number };

/** Sizes, offsets and counts a hostile file might claim: zero, tiny, sign bits, 2^32, 2^53, 2^62, 2^64 − 1. */
const LIES = [
  0n,
  1n,
  2n,
  7n,
  255n,
  0x7fffn,
  0xffffn,
  0x7fffffffn,
  0x80000000n,
  0xffffffffn,
  1n << 32n,
  1n << 40n,
  (1n << 53n) + 1n,
  1n << 62n,
  (1n << 63n) - 1n,
  1n << 63n,
  (1n << 64n) - 1n, // -1
  (1n << 64n) - 2n, // -2
];

const position: fc.Arbitrary<Position> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ from: fc.constant('start' as const), n: fc.nat({ max: 511 }) }) },
  { weight: 2, arbitrary: fc.record({ from: fc.constant('end' as const), n: fc.nat({ max: 511 }) }) },
  { weight: 3, arbitrary: fc.record({ from: fc.constant('start' as const), n: fc.nat() }) },
);

export const byteMutation: fc.Arbitrary<ByteMutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: position }),
  fc.record({ kind: fc.constant('flip' as const), at: position, bit: fc.nat({ max: 7 }) }),
  fc.record({ kind: fc.constant('byte' as const), at: position, value: fc.nat({ max: 255 }) }),
  fc.record({
    kind: fc.constant('int' as const),
    at: position,
    bytes: fc.constantFrom(2 as const, 4 as const, 8 as const),
    bigEndian: fc.boolean(),
    value: fc.oneof(fc.constantFrom(...LIES), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })),
  }),
  fc.record({
    kind: fc.constant('insert' as const),
    at: position,
    run: fc.oneof(
      fc.uint8Array({ minLength: 1, maxLength: 32 }),
      fc
        .tuple(fc.nat({ max: 255 }), fc.integer({ min: 1, max: 4096 }))
        .map(([b, n]) => new Uint8Array(n).fill(b)),
    ),
  }),
  fc.record({ kind: fc.constant('delete' as const), at: position, length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({
    kind: fc.constant('copy' as const),
    from: position,
    at: position,
    length: fc.integer({ min: 1, max: 16 }),
  }),
);

const resolve = (p: Position, length: number): number =>
  length === 0 ? 0 : p.from === 'start' ? p.n % length : Math.max(0, length - 1 - (p.n % length));

export function applyBytes(original: Uint8Array, mutations: readonly ByteMutation[]): Buffer {
  let b = Buffer.from(original);
  for (const m of mutations) {
    if (b.length === 0) break;
    const at = resolve(m.at, b.length);
    switch (m.kind) {
      case 'truncate':
        b = b.subarray(0, at);
        break;
      case 'flip':
        b[at] ^= 1 << m.bit;
        break;
      case 'byte':
        b[at] = m.value;
        break;
      case 'int': {
        if (at + m.bytes > b.length) break;
        const v = m.value & ((1n << BigInt(8 * m.bytes)) - 1n);
        if (m.bytes === 8) {
          if (m.bigEndian) b.writeBigUInt64BE(v, at);
          else b.writeBigUInt64LE(v, at);
        } else if (m.bigEndian) b.writeUIntBE(Number(v), at, m.bytes);
        else b.writeUIntLE(Number(v), at, m.bytes);
        break;
      }
      case 'insert':
        b = Buffer.concat([b.subarray(0, at), Buffer.from(m.run), b.subarray(at)]);
        break;
      case 'delete':
        b = Buffer.concat([b.subarray(0, at), b.subarray(Math.min(b.length, at + m.length))]);
        break;
      case 'copy': {
        const from = resolve(m.from, b.length);
        const n = Math.min(m.length, b.length - from, b.length - at);
        b.copy(b, at, from, from + n); // e.g. one tensor's offsets over another's: overlapping ranges
        break;
      }
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------------------
// JSON mutations

/** Values a hostile JSON field might hold instead of the right one. */
const HOSTILE_JSON: unknown[] = [
  null,
  true,
  0,
  -1,
  1.5,
  2 ** 31,
  2 ** 32,
  2 ** 53 + 2,
  2 ** 62,
  1e308,
  -1e308,
  '',
  'F32',
  'float32',
  'Q4_K',
  'int4',
  '../../../../etc/passwd',
  '/etc/passwd',
  'C:\\Windows\\win.ini',
  'sub/../../x.bin',
  '.',
  [],
  {},
  [-1, 4],
  [0, 2 ** 62],
  [2 ** 31, 2 ** 31],
  [4, 0],
  [2 ** 31, 2 ** 31, 2 ** 31],
  [1e308],
  ['a', 'b'],
  { dtype: 'F32', shape: [2 ** 40, 2 ** 40], data_offsets: [0, 16] },
  { dtype: 'F32', shape: [1, 4], data_offsets: [0, 16] }, // overlaps the first tensor
  { __proto__: null, constructor: 'x' },
];

export type JsonMutation =
  | { kind: 'set'; path: number; value: number }
  | { kind: 'delete'; path: number }
  | { kind: 'add'; path: number; key: string; value: number }
  | { kind: 'deep'; depth: number };

export const jsonMutation: fc.Arbitrary<JsonMutation> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      path: fc.nat(),
      value: fc.nat({ max: HOSTILE_JSON.length - 1 }),
    }),
  },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('delete' as const), path: fc.nat() }) },
  {
    weight: 2,
    arbitrary: fc.record({
      kind: fc.constant('add' as const),
      path: fc.nat(),
      key: fc.constantFrom('__metadata__', 'weights', 'paths', 'weight_map', 'x', '__proto__', 'shape'),
      value: fc.nat({ max: HOSTILE_JSON.length - 1 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('deep' as const), depth: fc.constantFrom(100, 5000) }),
  },
);

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Slot = { parent: Json[] | Record<string, Json>; key: string | number };

function slots(doc: Json): Slot[] {
  const out: Slot[] = [];
  const walk = (v: Json) => {
    if (Array.isArray(v))
      v.forEach((x, i) => {
        out.push({ parent: v, key: i });
        walk(x);
      });
    else if (v && typeof v === 'object')
      for (const k of Object.keys(v)) {
        out.push({ parent: v, key: k });
        walk(v[k]);
      }
  };
  walk(doc);
  return out;
}

function containers(doc: Json): Array<Json[] | Record<string, Json>> {
  const out: Array<Json[] | Record<string, Json>> = [];
  const walk = (v: Json) => {
    if (Array.isArray(v)) {
      out.push(v);
      v.forEach(walk);
    } else if (v && typeof v === 'object') {
      out.push(v);
      Object.values(v).forEach(walk);
    }
  };
  walk(doc);
  return out;
}

const hostile = (i: number): Json => structuredClone(HOSTILE_JSON[i]) as Json;

export function applyJson(text: string, mutations: readonly JsonMutation[]): string {
  const doc = JSON.parse(text) as Json;
  let extra = '';
  for (const m of mutations) {
    if (m.kind === 'deep') {
      extra = '['.repeat(m.depth) + ']'.repeat(m.depth);
      continue;
    }
    if (m.kind === 'add') {
      const all = containers(doc);
      if (!all.length) continue;
      const c = all[m.path % all.length];
      if (Array.isArray(c)) c.push(hostile(m.value));
      else
        Object.defineProperty(c, m.key, {
          value: hostile(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      continue;
    }
    const all = slots(doc);
    if (!all.length) continue;
    const { parent, key } = all[m.path % all.length];
    if (m.kind === 'set') (parent as Record<string, Json>)[key] = hostile(m.value);
    else if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key];
  }
  const out = JSON.stringify(doc);
  // a deeply nested value in the first object (JSON.stringify would not be the attack, the text is)
  return extra && out.startsWith('{') && out.length > 2 ? `{"deep":${extra},${out.slice(1)}` : out;
}

/** Rewrites a safetensors file's header through `f`, with a length field that matches the new header. */
function rewriteSafetensorsHeader(b: Buffer, f: (header: string) => string): Buffer {
  const len = Number(b.readBigUInt64LE(0));
  const header = Buffer.from(f(b.subarray(8, 8 + len).toString('utf8')));
  const prefix = Buffer.alloc(8);
  prefix.writeBigUInt64LE(BigInt(header.length));
  return Buffer.concat([prefix, header, b.subarray(8 + len)]);
}

// ---------------------------------------------------------------------------------------------------------
// Cases

export interface Case {
  seed: number;
  lenient: boolean;
  json: JsonMutation[];
  bytes: ByteMutation[];
}

/** A case: which seed file, JSON mutations (used only where the seed holds JSON), byte mutations. */
export function caseArbitrary(maxBytes = 4): fc.Arbitrary<Case> {
  return fc.record({
    seed: fc.nat(),
    lenient: fc.boolean(),
    json: fc.oneof(fc.constant([] as JsonMutation[]), fc.array(jsonMutation, { minLength: 1, maxLength: 3 })),
    bytes: fc.oneof(
      { weight: 4, arbitrary: fc.array(byteMutation, { minLength: 1, maxLength: maxBytes }) },
      { weight: 1, arbitrary: fc.constant([] as ByteMutation[]) },
    ),
  });
}

export function damage(s: Seed, original: Buffer, c: Case): Buffer {
  let b = original;
  if (c.json.length && s.json === 'file') b = Buffer.from(applyJson(b.toString('utf8'), c.json));
  else if (c.json.length && s.json === 'safetensors')
    b = rewriteSafetensorsHeader(b, (h) => applyJson(h, c.json));
  return applyBytes(b, c.bytes);
}

/** What one case did (`hang`: refused by the HDF5 watchdog, h5client.ts, after HDF5 looped). */
export type Outcome = { kind: 'ok' } | { kind: 'refused'; message: string; offset: boolean; hang: boolean };

/**
 * Opens `file`, reads every tensor and every planned matrix, and checks the property. Throws an AssertionError-
 * like Error (never a WeightFileError) when the property fails.
 */
export async function exercise(file: string, lenient: boolean, diskBytes: number): Promise<Outcome> {
  // Any array has at most 8 elements per byte on disk (2-bit quantisation is the densest format read).
  const maxElements = 8 * diskBytes + 4096;
  const checkArray = (a: unknown, expected: number, what: string) => {
    if (!(a instanceof Float32Array || a instanceof Float64Array))
      throw new Error(`${what}: read returned ${Object.prototype.toString.call(a)}`);
    if (a.length !== expected) throw new Error(`${what}: ${a.length} values, the shape says ${expected}`);
    if (a.length > maxElements)
      throw new Error(`${what}: ${a.length} values from ${diskBytes} bytes on disk (allocation of a lie)`);
  };
  try {
    const f = await openWeightFile(file, { lenient });
    try {
      for (const t of f.tensors) {
        try {
          checkArray(await f.read(t.name), numel(t.shape), `tensor '${t.name}'`);
        } catch (err) {
          if (!(err instanceof WeightFileError) || !t.unsupported) throw err;
        }
      }
      for (const m of planLayers(f, { conv: 'im2col' }).matrices) {
        const a = await m.read();
        if (!(a instanceof Float64Array)) throw new Error(`matrix '${m.name}': not a Float64Array`);
        checkArray(a, m.rows * m.cols, `matrix '${m.name}'`);
      }
    } finally {
      await f.close();
    }
    return { kind: 'ok' };
  } catch (err) {
    if (!(err instanceof WeightFileError)) throw err;
    // the file opened, a companion it names (shard, external data), or one that is missing there
    const where = path.relative(path.dirname(file), err.file);
    if (
      where === '..' ||
      where.startsWith(`..${path.sep}`) ||
      path.isAbsolute(where) ||
      !err.message.startsWith(path.basename(err.file))
    ) {
      throw new Error(`WeightFileError does not name a file of the model: ${err.message}`, { cause: err });
    }
    return {
      kind: 'refused',
      message: err.message,
      offset: err.offset !== undefined,
      hang: /HDF5 (parsing|read) did not finish within/.test(err.detail),
    };
  }
}

/** Rejects after `ms` (a hang is a failure; the case's promise is abandoned). */
export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
  });
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

export interface Tally {
  reader: string;
  cases: number;
  ok: number;
  refused: number;
  /** Refusals whose WeightFileError carries a byte offset. */
  withOffset: number;
  /** Refusals by the HDF5 watchdog: HDF5 looped on the file, its worker was terminated. */
  hangs: number;
  slowestMs: number;
  ms: number;
  failure?: { seed: number; path: string; counterexample: string; error: string; file?: string };
}

/** How many files the HDF5 watchdog stopped are kept per campaign (`keep`). */
const KEEP_HANGS = 10;

/** Cases are written to memory (tmpfs) when the machine has it: thousands of small writes per second. */
const scratch = existsSync('/dev/shm') ? '/dev/shm' : os.tmpdir();

/** A folder with copies of a seed's folder (companion files included), removed by `dispose`. */
export function workspace(s: Seed): {
  target: string;
  open: string;
  original: Buffer;
  /** Bytes of the other files in the folder. */
  otherBytes: number;
  dispose(): void;
} {
  const src = path.join(fixturesDir, s.dir);
  const dir = mkdtempSync(path.join(scratch, 'rmt-fuzz-'));
  for (const f of readdirSync(src)) {
    const p = path.join(src, f);
    if (statSync(p).isFile() && !f.endsWith('.expected.json')) copyFileSync(p, path.join(dir, f));
  }
  return {
    target: path.join(dir, s.mutate),
    open: path.join(dir, s.open),
    original: readFileSync(path.join(src, s.mutate)),
    otherBytes: readdirSync(dir).reduce(
      (n, f) => (f === s.mutate ? n : n + statSync(path.join(dir, f)).size),
      0,
    ),
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

/**
 * Runs `cases` cases of one reader with fast-check (fixed `seed`), each within `budgetMs`. Returns the tally;
 * a failure carries fast-check's seed and path, enough to replay it (`replay` below).
 */
export interface CampaignOptions {
  seed: number;
  cases: number;
  budgetMs: number;
  maxBytes?: number;
  /** Where each case's bytes are written before it runs (kept when the case hangs). */
  trace?: string;
  /** Where the first few files that the HDF5 watchdog stopped are kept. */
  keep?: string;
}

export async function campaign(
  reader: string,
  options: CampaignOptions,
  progress?: (casesDone: number) => void,
): Promise<Tally> {
  const seeds = SEEDS[reader];
  const spaces = seeds.map(workspace);
  const tally: Tally = { reader, cases: 0, ok: 0, refused: 0, withOffset: 0, hangs: 0, slowestMs: 0, ms: 0 };
  const started = Date.now();
  try {
    const result = await fc.check(
      fc.asyncProperty(caseArbitrary(options.maxBytes), async (c) => {
        const which = c.seed % seeds.length;
        const ws = spaces[which];
        const bytes = damage(seeds[which], ws.original, c);
        writeFileSync(ws.target, bytes);
        // the last case's bytes, to keep a case that hangs the thread itself (h5wasm runs synchronously)
        if (options.trace) writeFileSync(options.trace, bytes);
        const t0 = performance.now();
        const outcome = await withTimeout(
          exercise(ws.open, c.lenient, ws.otherBytes + bytes.length),
          options.budgetMs * 4,
          `${reader}/${seeds[which].mutate}`,
        );
        const ms = performance.now() - t0;
        if (ms > options.budgetMs)
          throw new Error(`${seeds[which].mutate}: took ${ms.toFixed(0)} ms (budget ${options.budgetMs} ms)`);
        tally.cases++;
        if (tally.cases % 100 === 0) progress?.(tally.cases);
        tally.slowestMs = Math.max(tally.slowestMs, ms);
        if (outcome.kind === 'ok') tally.ok++;
        else {
          tally.refused++;
          if (outcome.offset) tally.withOffset++;
          if (outcome.hang && ++tally.hangs <= KEEP_HANGS && options.keep) {
            mkdirSync(options.keep, { recursive: true });
            writeFileSync(
              path.join(options.keep, `${reader}-hang-${tally.hangs}-${seeds[which].mutate}`),
              bytes,
            );
          }
        }
      }),
      { seed: options.seed, numRuns: options.cases, endOnFailure: false },
    );
    if (result.failed) {
      tally.failure = {
        seed: result.seed,
        path: result.counterexamplePath ?? '',
        counterexample: fc.stringify(result.counterexample),
        error: String((result.errorInstance as Error | undefined)?.stack ?? result.errorInstance),
      };
    }
  } finally {
    for (const ws of spaces) ws.dispose();
  }
  tally.ms = Date.now() - started;
  return tally;
}
