/**
 * Hand-made hostile files: zip bombs, path traversal (ONNX external data, shard indexes, TF.js shards, npz member
 * names, FIFOs and device files), absurd shapes, empty files, 0-size and 1×n matrices. Each is refused with a
 * WeightFileError naming the file, quickly, or (0-size, 1×n) read as what it is.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, symlinkSync } from 'node:fs';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';
import { refusal, scratchDir, timed, zip } from './craft';

const scratch = scratchDir('rmt-hostile-');
after(() => scratch.dispose());

/** An .npy file (v1 header) of `shape` float32, with `data`. */
function npy(shape: string, data: Buffer, descr = '<f4'): Buffer {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const pre = Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0, 0, 0]);
  pre.writeUInt16LE(header.length, 8);
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), data]);
}

function safetensors(header: Record<string, unknown>, data: Buffer): Buffer {
  const h = Buffer.from(JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

/** Refused quickly, naming the file; returns the detail. */
async function refusedQuickly(file: string, detail: RegExp, ms = 2000): Promise<void> {
  const { ms: took, value: e } = await timed(() => refusal(file));
  assert.match(e.detail, detail, e.message);
  assert.ok(took < ms, `${path.basename(file)}: ${took.toFixed(0)} ms`);
}

describe('zip bombs', () => {
  const zeros = Buffer.alloc(16 << 20); // 16 MiB of zeros deflate to ~16 KiB

  test('npz: a member that inflates past its declared size', async () => {
    const member = npy('(4096, 1024)', zeros);
    const file = scratch.write(
      'lie.npz',
      zip([{ name: 'w.npy', data: member, deflate: true, declaredSize: 4096 }]),
    );
    await refusedQuickly(file, /needs 16777216 bytes, only \d+ present|inflate/);
  });
  test('npz: a member declaring 4 GiB is refused before inflating', async () => {
    const member = npy('(1024, 1024)', zeros.subarray(0, 4 << 20));
    const file = scratch.write(
      'huge.npz',
      zip([{ name: 'w.npy', data: member, deflate: true, declaredSize: 0xffffffff }]),
    );
    const before = process.memoryUsage().arrayBuffers;
    await refusedQuickly(file, /declares \d+ bytes \(limit|inflates to/);
    assert.ok(process.memoryUsage().arrayBuffers - before < 256 << 20, 'no allocation of the declared size');
  });
  test('npz: the committed bomb fixture (65 KB inflating to 64 MB+) is refused when read', async () => {
    await refusedQuickly(path.join(fixturesDir, 'npz/bomb.npz'), /inflate|declares/);
  });
  test('pytorch: a data.pkl declaring more than the 256 MiB pickle limit', async () => {
    const file = scratch.write(
      'bomb.pt',
      zip([{ name: 'archive/data.pkl', data: zeros, deflate: true, declaredSize: 0xfffffff0 }]),
    );
    await refusedQuickly(file, /declares \d+ bytes \(limit/);
  });
  test('pytorch: a deflated storage is refused, not inflated', async () => {
    // {'w': _rebuild_tensor_v2(FloatStorage '0' of 2^24 elements, 0, (4096, 4096), (4096, 1), False, {})}
    const p = Buffer.from(
      '\x80\x02}X\x01\x00\x00\x00wctorch._utils\n_rebuild_tensor_v2\n((X\x07\x00\x00\x00storagectorch\nFloatStorage\n' +
        'X\x01\x00\x00\x000X\x03\x00\x00\x00cpuJ\x00\x00\x00\x01tQK\x00(J\x00\x10\x00\x00J\x00\x10\x00\x00t(J\x00\x10\x00\x00K\x01t' +
        '\x89ccollections\nOrderedDict\n)RtRs.',
      'latin1',
    );
    const file = scratch.write(
      'deflated-storage.pt',
      zip([
        { name: 'archive/data.pkl', data: p },
        { name: 'archive/data/0', data: zeros, deflate: true },
      ]),
    );
    await refusedQuickly(file, /compressed tensor storage is not supported/);
  });
  test('.keras: model.weights.h5 inflating past its declared size stops there', async () => {
    const file = scratch.write(
      'lie.keras',
      zip([{ name: 'model.weights.h5', data: zeros, deflate: true, declaredSize: 1000 }]),
    );
    await refusedQuickly(file, /inflates past its declared 1000 bytes/);
  });
  test('.keras: a declared size over 100:1 of the compressed bytes is refused before extracting', async () => {
    const file = scratch.write(
      'ratio.keras',
      zip([{ name: 'model.weights.h5', data: zeros, deflate: true, declaredSize: 0xfffffff0 }]),
    );
    await refusedQuickly(file, /over 100:1.*zip bomb/);
  });
});

describe('paths out of the model folder', () => {
  /** The external-data ONNX fixture with its 15-byte location string replaced (same length, same protobuf). */
  function onnxWithLocation(dir: string, location: string): string {
    const model = readFileSync(path.join(fixturesDir, 'onnx/external/model.onnx'));
    const at = model.indexOf('model.onnx.data');
    assert.ok(at > 0 && Buffer.byteLength(location) === 15);
    const out = Buffer.from(model);
    out.write(location, at, 'latin1');
    mkdirSync(path.join(scratch.dir, dir), { recursive: true });
    return scratch.write(`${dir}/model.onnx`, out);
  }
  for (const location of [
    '../../etc/hosts',
    '/etc/hosts/xxxx',
    'C:/Windows/x.in',
    '..\\..\\etc\\hosts',
    'a/../../../etc/',
  ]) {
    test(`ONNX external data at '${location}' is refused`, async () => {
      const file = onnxWithLocation(`onnx-${location.replace(/[^a-z]/gi, '_')}`, location);
      const e = await refusal(file);
      assert.match(e.detail, /refused path .*must stay inside the model's folder/);
      assert.equal(e.file, file);
    });
  }
  test('ONNX external data through a FIFO or a device is refused, without waiting', async () => {
    const file = onnxWithLocation('onnx-fifo', 'model.onnx.data');
    execFileSync('mkfifo', [path.join(path.dirname(file), 'model.onnx.data')]);
    await refusedQuickly(file, /not a regular file/);
    const dev = onnxWithLocation('onnx-dev', 'model.onnx.data');
    symlinkSync('/dev/zero', path.join(path.dirname(dev), 'model.onnx.data'));
    await refusedQuickly(dev, /not a regular file/);
  });
  test('ONNX external data through a symlink to a regular file is followed (Hugging Face caches are symlinks)', async () => {
    // A model folder may be a tree of symlinks into a blob store; the link is read as the data it points to,
    // and still checked against the shape like any data file.
    const file = onnxWithLocation('onnx-link', 'model.onnx.data');
    symlinkSync(
      path.join(fixturesDir, 'onnx/external/model.onnx.data'),
      path.join(path.dirname(file), 'model.onnx.data'),
    );
    const f = await openWeightFile(file);
    for (const t of f.tensors) await f.read(t.name);
    await f.close();
  });
  test('a shard index naming ../ or absolute shards is refused', async () => {
    for (const shard of ['../model.safetensors', '/etc/passwd', 'sub/../../x.safetensors']) {
      const file = scratch.write('x.safetensors.index.json', JSON.stringify({ weight_map: { w: shard } }));
      const e = await refusal(file);
      assert.match(e.detail, /refused path/, e.message);
    }
  });
  test('a TF.js shard path out of the folder is refused', async () => {
    const manifest = [
      { paths: ['../../../etc/passwd'], weights: [{ name: 'w', shape: [1], dtype: 'float32' }] },
    ];
    const e = await refusal(scratch.write('evil-weights_manifest.json', JSON.stringify(manifest)));
    assert.match(e.detail, /refused path/);
  });
  test('npz member names are tensor names only: nothing is resolved or written', async () => {
    const member = npy('(2, 2)', Buffer.from(new Float32Array([1, 2, 3, 4]).buffer));
    const file = scratch.write(
      'names.npz',
      zip([
        { name: '../../escape.npy', data: member },
        { name: '/abs/escape.npy', data: member },
      ]),
    );
    const f = await openWeightFile(file);
    assert.deepEqual(
      f.tensors.map((t) => t.name),
      ['../../escape', '/abs/escape'],
    );
    assert.deepEqual(Array.from(await f.read('../../escape')), [1, 2, 3, 4]);
    await f.close();
    assert.equal(existsSync(path.join(scratch.dir, '..', '..', 'escape.npy')), false);
  });
});

describe('absurd shapes', () => {
  const data = Buffer.alloc(16);
  const cases: Array<[string, unknown, RegExp]> = [
    ['2^62 elements', [2 ** 31, 2 ** 31], /absurd shape/],
    ['2^62 in one dimension', [2 ** 62], /absurd shape|invalid dimension/],
    ['a negative dimension', [-1, 4], /invalid dimension -1/],
    ['a fractional dimension', [1.5, 4], /invalid dimension 1.5/],
    ['a shape that is not an array', 'big', /invalid shape/],
    ['a shape/byte-length mismatch', [3, 3], /needs 36 bytes, data_offsets give 16/],
    ['rank 17', new Array(17).fill(1), /invalid shape/],
  ];
  for (const [what, shape, detail] of cases) {
    test(`safetensors: ${what}`, async () => {
      const file = scratch.write(
        'shape.safetensors',
        safetensors({ w: { dtype: 'F32', shape, data_offsets: [0, 16] } }, data),
      );
      const e = await refusal(file);
      assert.match(e.detail, detail, e.message);
      assert.equal(e.tensor, 'w');
    });
  }
  test('npy: 2^62 elements, a negative dimension, too few bytes', async () => {
    for (const [shape, detail] of [
      ['(2147483648, 2147483648)', /absurd shape/],
      ['(-1, 4)', /invalid dimension -1/],
      ['(4, 4)', /needs 64 bytes, only 16 present/],
    ] as const) {
      const e = await refusal(scratch.write('shape.npy', npy(shape, data)));
      assert.match(e.detail, detail, e.message);
    }
  });
});

describe('empty, 0-size and 1×n', () => {
  const names = [
    'empty.safetensors',
    'empty.npy',
    'empty.npz',
    'empty.pt',
    'empty.onnx',
    'empty.gguf',
    'empty.tflite',
    'empty.h5',
    'empty.keras',
    'model.json',
    'empty.safetensors.index.json',
  ];
  for (const name of names) {
    test(`an empty ${name} is refused, naming the file`, async () => {
      const file = scratch.write(name, '');
      const e = await refusal(file);
      assert.equal(e.file, file);
    });
  }
  test('0-size and 1×n matrices read as what they are and are skipped as matrices', async () => {
    const f32 = (n: number) => Buffer.from(new Float32Array(n).fill(1).buffer);
    const tensors: Array<[string, number[]]> = [
      ['zero_rows', [0, 4]],
      ['zero_cols', [4, 0]],
      ['empty', [0]],
      ['row', [1, 8]],
      ['col', [8, 1]],
    ];
    const header: Record<string, unknown> = {};
    let at = 0;
    for (const [name, shape] of tensors) {
      const n = shape.reduce((a, b) => a * b, 1) * 4;
      header[name] = { dtype: 'F32', shape, data_offsets: [at, at + n] };
      at += n;
    }
    const file = scratch.write('small.safetensors', safetensors(header, f32(at / 4)));
    const f = await openWeightFile(file);
    for (const [name, shape] of tensors) {
      assert.equal(
        (await f.read(name)).length,
        shape.reduce((a, b) => a * b, 1),
        name,
      );
    }
    const plan = planLayers(f, { conv: 'im2col' });
    assert.equal(plan.matrices.length, 0);
    assert.deepEqual(plan.skipped.map((s) => s.name).sort(), tensors.map(([n]) => n).sort());
    await f.close();
  });
});
