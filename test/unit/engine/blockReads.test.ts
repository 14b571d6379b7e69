// Widening per block of rows (issue 6): the same float64 values, bit for bit, as the old path that
// decoded a whole tensor to float32 and copied it to float64.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { decode, widenInto } from '../../../src/formats/dtypes';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { compactRows, widenMatrixInto } from '../../../src/layers/rows';
import { Rng } from '../../../src/rmt/prng';

/** Same bits: Object.is tells NaN from NaN payloads apart no better, but it does tell −0 from 0. */
function sameValues(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  assert.equal(a.length, b.length, `${what}: length`);
  for (let i = 0; i < a.length; i++)
    if (!Object.is(a[i], b[i])) assert.fail(`${what}: element ${i} is ${a[i]}, expected ${b[i]}`);
}

function randomBytes(n: number, seed: number): Uint8Array {
  const rng = new Rng(seed);
  return Uint8Array.from({ length: n }, () => rng.integer(256));
}

/** A safetensors file of the given tensors (raw little-endian bytes). */
function safetensors(
  tensors: Array<{ name: string; dtype: string; shape: number[]; bytes: Uint8Array }>,
): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + t.bytes.length] };
    offset += t.bytes.length;
  }
  const json = Buffer.from(JSON.stringify(header));
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([size, json, ...tensors.map((t) => Buffer.from(t.bytes))]);
}

describe('widenInto', () => {
  test('float16: all 65536 bit patterns, both byte orders, as decode → float64', () => {
    const bytes = new Uint8Array(2 * 65536);
    for (let h = 0; h < 65536; h++) {
      bytes[2 * h] = h & 0xff;
      bytes[2 * h + 1] = h >> 8;
    }
    for (const littleEndian of [true, false]) {
      const out = new Float64Array(65536);
      assert.equal(widenInto(bytes, 'F16', littleEndian, out), 65536);
      sameValues(out, Float64Array.from(decode(bytes, 'F16', littleEndian)), `F16 le=${littleEndian}`);
    }
  });

  test('every plain dtype, at an offset and from an unaligned view', () => {
    const raw = randomBytes(8 * 1001 + 1, 5);
    for (const dtype of [
      'F64',
      'F32',
      'BF16',
      'F16',
      'F8_E4M3',
      'F8_E5M2',
      'I64',
      'I32',
      'I16',
      'I8',
      'U8',
    ]) {
      for (const bytes of [raw.subarray(0, 8 * 1000), raw.subarray(1, 8 * 1000 + 1)]) {
        const expected = Float64Array.from(decode(bytes, dtype));
        const out = new Float64Array(expected.length + 7);
        assert.equal(widenInto(bytes, dtype, true, out, 7), expected.length);
        sameValues(out.subarray(7), expected, `${dtype} at byte ${bytes.byteOffset}`);
      }
    }
  });

  test('refuses to write past the end of the output', () => {
    assert.throws(() => widenInto(new Uint8Array(16), 'F32', true, new Float64Array(3)), RangeError);
  });
});

describe('layer matrices read in blocks', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rmt-blocks-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'model.safetensors');
  const shapes: Record<string, number[]> = { F16: [37, 29], BF16: [23, 41], F32: [3, 11, 13], F64: [19, 17] };
  writeFileSync(
    file,
    safetensors(
      Object.entries(shapes).map(([dtype, shape], i) => {
        const size = { F16: 2, BF16: 2, F32: 4, F64: 8 }[dtype]!;
        // Finite values only for the float types read by the tests of the widened layers.
        const bytes = randomBytes(size * shape.reduce((a, b) => a * b, 1), 10 + i);
        if (dtype === 'F16') for (let j = 1; j < bytes.length; j += 2) bytes[j] &= 0x3f;
        if (dtype === 'BF16') for (let j = 1; j < bytes.length; j += 2) bytes[j] &= 0x3f;
        if (dtype === 'F32') for (let j = 3; j < bytes.length; j += 4) bytes[j] &= 0x3f;
        if (dtype === 'F64') for (let j = 7; j < bytes.length; j += 8) bytes[j] &= 0x3f;
        return { name: `w.${dtype}`, dtype, shape, bytes };
      }),
    ),
  );

  test('readInto and readRows equal read() bit for bit, for 2-D and stacked tensors', async () => {
    const weights = await openWeightFile(file);
    try {
      const matrices = planLayers(weights, { conv: 'im2col' }).matrices;
      assert.equal(matrices.length, 6); // F32 [3, 11, 13] is stacked: three 11×13 matrices
      for (const m of matrices) {
        const expected = await m.read();
        const out = new Float64Array(m.rows * m.cols);
        await m.readInto(out);
        sameValues(out, expected, `${m.name} readInto`);
        const rows = await m.readRows();
        for (const [start, end] of [
          [0, m.rows],
          [1, 4],
          [m.rows - 1, m.rows],
        ])
          sameValues(
            rows.block(start, end),
            expected.subarray(start * m.cols, end * m.cols),
            `${m.name} rows`,
          );
      }
    } finally {
      await weights.close();
    }
  });

  test('tiny read blocks: every block boundary widens the same values', async () => {
    const weights = await openWeightFile(file);
    try {
      for (const m of planLayers(weights, { conv: 'im2col' }).matrices.filter((x) => x.layout === '2d')) {
        const expected = await m.read();
        const at = { file: weights, tensor: m.sourceTensors[0], rows: m.rows, cols: m.cols };
        for (const blockBytes of [1, 3 * m.cols * 2, 1000]) {
          const out = new Float64Array(m.rows * m.cols);
          assert.equal(await widenMatrixInto(at, m.dtype, out, blockBytes), true);
          sameValues(out, expected, `${m.name} in blocks of ${blockBytes} bytes`);
          const rows = (await compactRows(at, m.dtype, blockBytes))!;
          // Ranges that straddle the stored chunks.
          for (let start = 0; start < m.rows; start += 5) {
            const end = Math.min(m.rows, start + 7);
            sameValues(rows.block(start, end), expected.subarray(start * m.cols, end * m.cols), `${m.name}`);
          }
        }
      }
    } finally {
      await weights.close();
    }
  });

  test('formats without raw rows fall back to decoding (same values)', async () => {
    const weights = await openWeightFile(file);
    try {
      const plain = { ...weights, readRaw: undefined };
      const m = planLayers(plain, { conv: 'im2col' }).matrices[0];
      const out = new Float64Array(m.rows * m.cols);
      await m.readInto(out);
      sameValues(out, await m.read(), 'fallback readInto');
      sameValues(
        (await m.readRows()).block(2, 5),
        (await m.read()).subarray(2 * m.cols, 5 * m.cols),
        'fallback',
      );
    } finally {
      await weights.close();
    }
  });
});
