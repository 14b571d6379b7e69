// The approximation's products in WebAssembly (wasmApproximate.ts, kernels.c `approx_*`) against
// the TypeScript ones: the same Lanczos/SLQ results to rounding, from float64 rows and from rows
// held as float16 / bfloat16 / float32 bytes, tall and wide, with row counts that are not multiples
// of the block or of the kernels' groups of four rows.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compactRows } from '../../../src/layers/rows';
import { frobeniusSquared, inMemory, type RowBlocks } from '../../../src/linalg/approximate';
import { approximateSpectrum } from '../../../src/linalg';
import { wasmApproximateAvailable, wasmBlockRows, wasmWiden } from '../../../src/linalg/wasmApproximate';
import { f16, widenInto } from '../../../src/formats/dtypes';
import type { RawTensor, WeightFile } from '../../../src/formats/types';
import { gaussianMatrix } from './helpers';

/** float64 → float16 bits, rounding to nearest (ties away; any float16 will do here). */
function toHalf(x: number): number {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const a = Math.abs(x);
  if (!(a < 65520)) return sign | (Number.isNaN(x) ? 0x7e00 : 0x7c00);
  if (a < 2 ** -14) return sign | Math.round(a * 2 ** 24);
  const e = Math.floor(Math.log2(a));
  const m = Math.round((a / 2 ** e - 1) * 1024);
  return m === 1024 ? sign | ((e + 16) << 10) : sign | ((e + 15) << 10) | m;
}

/** Rows held undecoded in `dtype` (CompactRows from layers/rows.ts), stored in chunks of `chunkRows` rows. */
async function stored(
  a: Float64Array,
  rows: number,
  cols: number,
  dtype: 'F16' | 'BF16' | 'F32',
  chunkRows: number,
): Promise<{ blocks: RowBlocks; values: Float64Array }> {
  const size = dtype === 'F32' ? 4 : 2;
  const bytes = new Uint8Array(size * rows * cols);
  const view = new DataView(bytes.buffer);
  const scratch = new DataView(new ArrayBuffer(4));
  for (let i = 0; i < a.length; i++) {
    if (dtype === 'F16') view.setUint16(2 * i, toHalf(a[i]), true);
    else if (dtype === 'F32') view.setFloat32(4 * i, a[i], true);
    else {
      scratch.setFloat32(0, a[i], true);
      view.setUint16(2 * i, scratch.getUint32(0, true) >>> 16, true);
    }
  }
  const file = {
    readRaw: (_name: string, r?: { start: number; end: number }): Promise<RawTensor> =>
      Promise.resolve({
        bytes: bytes.subarray(r!.start * cols * size, r!.end * cols * size),
        dtype,
        littleEndian: true,
      }),
  } as unknown as WeightFile;
  const blocks = (await compactRows({ file, tensor: 'w', rows, cols }, dtype, chunkRows * cols * size))!;
  const values = new Float64Array(rows * cols);
  widenInto(bytes, dtype, true, values);
  return { blocks, values };
}

function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, scale: number, what: string) {
  assert.equal(actual.length, expected.length, what);
  for (let i = 0; i < expected.length; i++)
    assert.ok(
      Math.abs(actual[i] - expected[i]) <= 1e-10 * scale,
      `${what}[${i}]: ${actual[i]} vs ${expected[i]}`,
    );
}

/** A Gaussian matrix with three planted spikes (well separated top values). */
function spiked(rows: number, cols: number, seed: number): Float64Array {
  const a = gaussianMatrix(rows, cols, seed);
  for (let s = 0; s < 3; s++) for (let j = 0; j < cols; j++) a[s * cols + j] *= 5 - s;
  return a;
}

describe('approximation products in WebAssembly', { skip: !wasmApproximateAvailable() }, () => {
  const options = { k: 12, steps: 50, probes: 5, probeSteps: 25, seed: 5 };

  // Tall and wide; rows not a multiple of the block (wasmBlockRows) nor of 4; one block only.
  const shapes: [number, number][] = [
    [wasmBlockRows(60) * 2 + 7, 60],
    [61, wasmBlockRows(61) * 2 + 5],
    [203, 130],
    [130, 203],
    [97, 97],
    [9, 6],
  ];
  for (const [rows, cols] of shapes)
    test(`${rows}×${cols}: the same top values, errors and SLQ nodes as the TypeScript products`, () => {
      const a = spiked(rows, cols, rows + cols);
      const js = approximateSpectrum(a, rows, cols, { ...options, kernels: 'js' });
      const wasm = approximateSpectrum(a, rows, cols, options);
      const scale = js.top[0];
      assertClose(wasm.top, js.top, scale, 'top');
      assertClose(wasm.density.nodes, js.density.nodes, scale, 'nodes');
      // Nodes of different probes that coincide to rounding may swap places: compare the weights
      // as a multiset and through the moments of the quadrature.
      const sorted = (x: Float64Array) => Float64Array.from(x).sort();
      assertClose(sorted(wasm.density.weights), sorted(js.density.weights), 1, 'weights');
      for (let power = 0; power <= 4; power++) {
        const moment = (d: typeof js.density) =>
          d.nodes.reduce((sum, x, i) => sum + d.weights[i] * (x / scale) ** power, 0);
        assert.ok(Math.abs(moment(wasm.density) - moment(js.density)) <= 1e-10, `moment ${power}`);
      }
      assertClose(wasm.topErrors, js.topErrors, scale, 'topErrors');
    });

  for (const dtype of ['F16', 'BF16', 'F32'] as const)
    for (const [rows, cols] of [
      [150, 70],
      [70, 150],
    ])
      test(`${rows}×${cols} ${dtype} rows widened in wasm: the results of the TypeScript products`, async () => {
        // Stored chunks of 11 rows: blocks straddle them.
        const { blocks, values } = await stored(spiked(rows, cols, 7), rows, cols, dtype, 11);
        const js = approximateSpectrum(inMemory(values, rows, cols), rows, cols, {
          ...options,
          kernels: 'js',
        });
        const wasm = approximateSpectrum(blocks, rows, cols, options);
        // And from the same values as float64 in wasm: identical, the widening is exact.
        const wasm64 = approximateSpectrum(values, rows, cols, options);
        assert.deepEqual(wasm, wasm64);
        assertClose(wasm.top, js.top, js.top[0], 'top');
        assertClose(wasm.density.nodes, js.density.nodes, js.top[0], 'nodes');
        const exact = values.reduce((s, v) => s + v * v, 0);
        assert.ok(Math.abs(frobeniusSquared(blocks) - exact) <= 1e-12 * exact);
        assert.ok(Math.abs(frobeniusSquared(blocks, 'js') - exact) <= 1e-12 * exact);
      });

  test('widening in wasm is exact for every float16 and bfloat16 bit pattern (subnormals, ±0, ±∞, NaN)', () => {
    const bits = Uint16Array.from({ length: 65536 + 3 }, (_, i) => i & 0xffff);
    for (const dtype of ['F16', 'BF16']) {
      // At an odd byte offset too: the kernel copies the bytes first.
      for (const offset of [0, 1]) {
        const bytes = new Uint8Array(2 * bits.length + 1);
        bytes.set(new Uint8Array(bits.buffer), offset);
        const input = bytes.subarray(offset, offset + 2 * bits.length);
        const got = wasmWiden(input, dtype)!;
        const expected = new Float64Array(bits.length);
        widenInto(input, dtype, true, expected);
        for (let h = 0; h < bits.length; h++)
          assert.ok(
            Object.is(got[h], expected[h]),
            `${dtype} ${h.toString(16)}: ${got[h]} vs ${expected[h]}`,
          );
      }
    }
    const floats = Float32Array.of(1.5, -0, Infinity, NaN, 1e-40, -3.4e38, 7);
    const wide = wasmWiden(new Uint8Array(floats.buffer), 'F32')!;
    floats.forEach((v, i) => assert.ok(Object.is(wide[i], v)));
    assert.equal(f16(0x3c00), 1);
  });
});
