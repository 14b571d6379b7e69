import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import type { OpenOptions } from '../../../src/formats/types';
import { refusal, zip } from '../fuzz/craft';
import { fixturesDir } from '../paths';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'rmt-malformed-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

function write(name: string, bytes: Uint8Array | string): string {
  const p = path.join(tmp, name);
  writeFileSync(p, bytes);
  return p;
}

function fixture(rel: string): Buffer {
  return readFileSync(path.join(fixturesDir, rel));
}

/** Opens and reads every tensor; resolves with the error it raised, which must name this file. */
async function failure(file: string, options: OpenOptions = {}): Promise<WeightFileError> {
  const err = await refusal(file, options);
  assert.equal(err.file, file);
  return err;
}

function expectError(e: WeightFileError, detail: RegExp, tensor?: string, offset?: number): void {
  assert.match(e.detail, detail);
  if (tensor !== undefined) assert.equal(e.tensor, tensor, e.message);
  if (offset !== undefined) assert.equal(e.offset, offset, e.message);
  if (tensor !== undefined) assert.ok(e.message.includes(`tensor '${tensor}'`), e.message);
  if (offset !== undefined) assert.ok(e.message.includes(`byte ${offset}`), e.message);
}

/** A zip archive of stored members (what torch.save writes). */
function storedZip(members: Array<[string, Buffer]>): Buffer {
  return zip(members.map(([name, data]) => ({ name, data })));
}

function safetensors(header: unknown, data = new Uint8Array(0), rawHeader?: string): Uint8Array {
  const h = Buffer.from(rawHeader ?? JSON.stringify(header));
  const out = Buffer.alloc(8 + h.length + data.length);
  out.writeBigUInt64LE(BigInt(h.length), 0);
  h.copy(out, 8);
  out.set(data, 8 + h.length);
  return out;
}

describe('malformed safetensors', () => {
  test('absurd header length', async () => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(1n << 40n, 0);
    expectError(await failure(write('huge.safetensors', b)), /header length \d+ exceeds/, undefined, 0);
  });
  test('header longer than the file', async () => {
    const b = Buffer.alloc(16);
    b.writeBigUInt64LE(1000n, 0);
    expectError(
      await failure(write('short.safetensors', b)),
      /header of 1000 bytes at 8 runs past the end/,
      undefined,
      8,
    );
  });
  test('data_offsets past the end name the tensor and its byte', async () => {
    const f = write(
      'past.safetensors',
      safetensors({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }, new Uint8Array(8)),
    );
    const e = await failure(f);
    expectError(e, /run past the end of the data/, 'w');
    assert.equal(
      e.offset,
      8 + JSON.stringify({ w: { dtype: 'F32', shape: [2, 2], data_offsets: [0, 16] } }).length,
    );
  });
  test('overlapping tensors', async () => {
    const header = {
      a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
      b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
    };
    expectError(
      await failure(write('overlap.safetensors', safetensors(header, new Uint8Array(12)))),
      /overlaps tensor 'a'/,
      'b',
    );
  });
  test('shape that does not match the byte count', async () => {
    const header = { w: { dtype: 'F16', shape: [3, 3], data_offsets: [0, 16] } };
    expectError(
      await failure(write('size.safetensors', safetensors(header, new Uint8Array(16)))),
      /needs 18 bytes/,
      'w',
    );
  });
  test('bad dtype and bad shape', async () => {
    const bad = { w: { dtype: 7, shape: [2], data_offsets: [0, 8] } };
    expectError(
      await failure(write('dtype.safetensors', safetensors(bad, new Uint8Array(8)))),
      /invalid dtype/,
      'w',
    );
    const neg = { w: { dtype: 'F32', shape: [-2], data_offsets: [0, 8] } };
    expectError(
      await failure(write('shape.safetensors', safetensors(neg, new Uint8Array(8)))),
      /invalid dimension/,
      'w',
    );
    const absurd = { w: { dtype: 'F32', shape: [1e9, 1e9, 1e9], data_offsets: [0, 8] } };
    expectError(
      await failure(write('absurd.safetensors', safetensors(absurd, new Uint8Array(8)))),
      /absurd shape/,
      'w',
    );
  });
  test('an unknown dtype is listed, and refused when read', async () => {
    const f = write(
      'c64.safetensors',
      safetensors({ z: { dtype: 'C64', shape: [1], data_offsets: [0, 8] } }, new Uint8Array(8)),
    );
    const file = await openWeightFile(f);
    assert.match(file.tensors[0].unsupported ?? '', /C64 is not supported/);
    await file.close();
    expectError(await failure(f), /C64 is not supported/, 'z');
  });
  test('header that is not JSON', async () => {
    expectError(
      await failure(write('json.safetensors', safetensors(null, new Uint8Array(0), '{"a": '))),
      /not valid JSON/,
      undefined,
      8,
    );
  });
});

describe('malformed npy / npz', () => {
  test('data shorter than the shape', async () => {
    const b = fixture('npy/layer_00.npy');
    expectError(
      await failure(write('cut.npy', b.subarray(0, b.length - 4))),
      /needs 3840 bytes, only 3836 present/,
      'cut',
    );
  });
  test('bad magic, bad version', async () => {
    expectError(
      await failure(write('magic.npy', Buffer.from('\x93NUMPX\x01\x00', 'latin1'))),
      /bad magic/,
      undefined,
      0,
    );
    const b = Buffer.from(fixture('npy/layer_00.npy'));
    b[6] = 9;
    expectError(await failure(write('version.npy', b)), /unsupported \.npy version 9/, undefined, 6);
  });
  test('zip central directory pointing outside the file', async () => {
    const b = Buffer.from(fixture('npz/stored.npz'));
    const eocd = b.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
    b.writeUInt32LE(0x7fffffff, eocd + 16);
    expectError(await failure(write('cd.npz', b)), /central directory of \d+ bytes at 2147483647 runs past/);
  });
  test('a member whose local header offset lies', async () => {
    const b = Buffer.from(fixture('npz/stored.npz'));
    const cd = b.indexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    b.writeUInt32LE(b.length - 10, cd + 42);
    expectError(await failure(write('local.npz', b)), /zip local header|points outside/, 'dense.npy');
  });
});

describe('malformed PyTorch pickles', () => {
  /** A torch zip archive whose data.pkl is `pickle`. */
  async function torchZip(
    name: string,
    pickle: Buffer,
    storages: Record<string, Buffer> = {},
  ): Promise<string> {
    const members: Array<[string, Buffer]> = [['archive/data.pkl', pickle]];
    for (const [k, v] of Object.entries(storages)) members.push([`archive/data/${k}`, v]);
    return write(name, storedZip(members));
  }
  const proto = Buffer.from([0x80, 0x02]);
  test('a deeply nested pickle gives an error, not a stack overflow', async () => {
    const depth = 200_000;
    const p = Buffer.concat([
      proto,
      Buffer.alloc(depth, 0x5d),
      Buffer.alloc(depth - 1, 0x61),
      Buffer.from('.', 'latin1'),
    ]);
    // ']' × n then 'a' × (n-1): lists nested n deep
    expectError(await failure(await torchZip('deep.pt', p)), /nesting deeper than 100/);
  });
  test('a truncated pickle', async () => {
    const p = Buffer.concat([proto, Buffer.from('X\x10\x00\x00\x00abc', 'latin1')]);
    expectError(await failure(await torchZip('trunc.pt', p)), /legacy|truncated|needs|stack/);
  });
  test('memo key that was never stored', async () => {
    const p = Buffer.concat([proto, Buffer.from('h\x07.', 'latin1')]);
    expectError(await failure(await torchZip('memo.pt', p)), /memo key 7 missing/);
  });
  /** {'w': _rebuild_tensor_v2(storage(key '0', FloatStorage, numel), offset, size, stride, False, OrderedDict())} */
  function tensorPickle(numel: number, size: number[], stride: number[], offset = 0): Buffer {
    const ints = (xs: number[]) =>
      Buffer.concat([
        Buffer.from('(', 'latin1'),
        ...xs.map((x) => Buffer.from([0x4a, ...int32(x)])),
        Buffer.from('t', 'latin1'),
      ]);
    return Buffer.concat([
      proto,
      Buffer.from('}X\x01\x00\x00\x00w', 'latin1'),
      Buffer.from('ctorch._utils\n_rebuild_tensor_v2\n(', 'latin1'),
      Buffer.from(
        '(X\x07\x00\x00\x00storagectorch\nFloatStorage\nX\x01\x00\x00\x000X\x03\x00\x00\x00cpu',
        'latin1',
      ),
      Buffer.from([0x4a, ...int32(numel)]),
      Buffer.from('tQ', 'latin1'),
      Buffer.from([0x4a, ...int32(offset)]),
      ints(size),
      ints(stride),
      Buffer.from('\x89ccollections\nOrderedDict\n)RtRs.', 'latin1'),
    ]);
  }
  function int32(x: number): number[] {
    const b = Buffer.alloc(4);
    b.writeInt32LE(x);
    return [...b];
  }
  test('a well-formed tensor pickle reads (the crafting is right)', async () => {
    const f = await torchZip('ok.pt', tensorPickle(4, [2, 2], [2, 1]), {
      0: Buffer.from(new Float32Array([1, 2, 3, 4]).buffer),
    });
    const file = await openWeightFile(f);
    assert.deepEqual(Array.from(await file.read('w')), [1, 2, 3, 4]);
    await file.close();
  });
  test('a storage that declares more bytes than the archive holds', async () => {
    const f = await torchZip('numel.pt', tensorPickle(1000, [2, 2], [2, 1]), { 0: Buffer.alloc(16) });
    expectError(await failure(f), /declares 4000 bytes, the file holds 16/, 'w');
  });
  test('a view that reaches past its storage', async () => {
    const f = await torchZip('view.pt', tensorPickle(4, [2, 2], [3, 1]), { 0: Buffer.alloc(16) });
    expectError(await failure(f), /reaches element 4 of a 4-element storage/, 'w');
  });
  test('a storage missing from the archive', async () => {
    expectError(
      await failure(await torchZip('missing.pt', tensorPickle(4, [2, 2], [2, 1]))),
      /storage '0' is missing/,
      'w',
    );
  });
});

describe('malformed ONNX', () => {
  test('a field length past the end of the file names the byte', async () => {
    const b = Buffer.from(fixture('onnx/typed.onnx'));
    const cut = b.subarray(0, b.length - 100);
    const e = await failure(write('cut.onnx', cut));
    assert.match(e.detail, /runs past|truncated|past the end/);
    assert.ok(typeof e.offset === 'number' && e.offset < cut.length);
  });
  test('raw_data shorter than the shape', async () => {
    // ModelProto{ graph: GraphProto{ initializer: TensorProto{ dims 4, data_type FLOAT, name "w", raw_data 8 bytes } } }
    const tensor = Buffer.from([
      0x08,
      0x04,
      0x10,
      0x01,
      0x42,
      0x01,
      0x77,
      0x4a,
      0x08,
      ...new Array(8).fill(0),
    ]);
    const graph = Buffer.concat([Buffer.from([0x2a, tensor.length]), tensor]);
    const model = Buffer.concat([Buffer.from([0x08, 0x08, 0x3a, graph.length]), graph]);
    expectError(await failure(write('raw.onnx', model)), /raw_data has 8 bytes, the shape needs 16/, 'w', 15);
  });
  test('a file that is not protobuf', async () => {
    const e = await failure(write('text.onnx', 'hello, this is not a model'));
    expectError(e, /not an ONNX model \(bad protobuf key at byte 2\)/, undefined, 2);
  });
});

describe('malformed GGUF', () => {
  function gguf(nTensors: bigint, nKv: bigint, rest: Buffer = Buffer.alloc(0)): Buffer {
    const h = Buffer.alloc(24);
    h.write('GGUF', 0);
    h.writeUInt32LE(3, 4);
    h.writeBigUInt64LE(nTensors, 8);
    h.writeBigUInt64LE(nKv, 16);
    return Buffer.concat([h, rest]);
  }
  test('absurd tensor count', async () => {
    expectError(
      await failure(write('count.gguf', gguf(1n << 40n, 0n))),
      /tensor count \d+ is absurd/,
      undefined,
      8,
    );
  });
  test('a string longer than the file', async () => {
    const kv = Buffer.alloc(80);
    kv.writeBigUInt64LE(1n << 20n);
    expectError(
      await failure(write('string.gguf', gguf(0n, 1n, kv))),
      /GGUF string of 1048576 bytes at 32 runs past/,
      undefined,
      32,
    );
  });
  test('tensor data past the end, and overlapping tensors', async () => {
    const b = Buffer.from(fixture('gguf/v2_align64.gguf'));
    const cut = b.subarray(0, b.length - 64);
    expectError(await failure(write('data.gguf', cut)), /tensor data of 12 bytes at \d+ runs past/, 'b');
    // make 'b' start where 'w' starts
    const o = Buffer.from(b);
    const at = o.indexOf(
      Buffer.from('b', 'latin1'),
      o.indexOf(Buffer.from([0x01, 0, 0, 0, 0, 0, 0, 0, 0x62])) + 8,
    );
    o.writeBigUInt64LE(0n, at + 1 + 4 + 8 + 4);
    expectError(await failure(write('overlap.gguf', o)), /overlaps tensor 'w'/, 'b');
  });
  test('unsupported version', async () => {
    const b = gguf(0n, 0n);
    b.writeUInt32LE(1, 4);
    expectError(await failure(write('v1.gguf', b)), /unsupported GGUF version 1/, undefined, 4);
  });
});

describe('malformed TF.js and TFLite', () => {
  test('a shard shorter than the manifest says', async () => {
    const dir = mkdtempSync(path.join(tmp, 'tfjs-'));
    writeFileSync(path.join(dir, 'w.bin'), Buffer.alloc(10));
    const manifest = [{ paths: ['w.bin'], weights: [{ name: 'k', shape: [2, 2], dtype: 'float32' }] }];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: manifest }));
    expectError(
      await failure(path.join(dir, 'model.json')),
      /needs 16 bytes at 0 of its group, the shards hold 10/,
      'k',
      0,
    );
  });
  test('a shard path outside the model folder is refused', async () => {
    const dir = mkdtempSync(path.join(tmp, 'tfjs-'));
    const manifest = [
      { paths: ['../../etc/passwd'], weights: [{ name: 'k', shape: [1], dtype: 'float32' }] },
    ];
    writeFileSync(path.join(dir, 'model.json'), JSON.stringify({ weightsManifest: manifest }));
    expectError(await failure(path.join(dir, 'model.json')), /refused path '\.\.\/\.\.\/etc\/passwd'/);
  });
  test('a TFLite buffer shorter than its tensor', async () => {
    const b = Buffer.from(fixture('tflite/quantized.tflite'));
    // shrink the declared length of the f16 weights' buffer (10·128·2 = 2560 bytes), found through the reader
    const ok = await openWeightFile(path.join(fixturesDir, 'tflite/quantized.tflite'));
    const at = ok.tensors.find((t) => t.name === 'fc/weights_f16')!.byteOffset! - 4;
    await ok.close();
    assert.equal(b.readUInt32LE(at), 2560);
    b.writeUInt32LE(100, at);
    expectError(
      await failure(write('buf.tflite', b)),
      /needs 2560 bytes, the buffer has 100/,
      'fc/weights_f16',
      at + 4,
    );
  });
  test('a truncated TFLite file', async () => {
    const b = fixture('tflite/quantized.tflite');
    const e = await failure(write('cut.tflite', b.subarray(0, 200)));
    assert.ok(typeof e.offset === 'number');
  });
});

describe('malformed Keras', () => {
  test('a truncated HDF5 file', async () => {
    const b = fixture('keras/keras2_model.h5');
    await failure(write('cut.h5', b.subarray(0, 3000)));
  });
  test('a .keras archive without model.weights.h5', async () => {
    const f = write('empty.keras', storedZip([['config.json', Buffer.from('{}')]]));
    expectError(await failure(f), /no model\.weights\.h5/);
  });
});
