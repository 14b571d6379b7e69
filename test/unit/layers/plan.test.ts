import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { createWeightFile, sliceRows } from '../../../src/formats/tensor';
import type { TensorInfo, TensorLayout, WeightFile } from '../../../src/formats/types';
import { planLayers, type ConvMode, type LayerMatrix } from '../../../src/layers';

interface Fake {
  name: string;
  shape: number[];
  values: number[];
  dtype?: string;
  layout?: TensorLayout;
  conv?: boolean;
  depthwise?: boolean;
  unsupported?: string;
}

/** An in-memory WeightFile: the planner sees exactly what a reader would give it. */
function fakeFile(tensors: Fake[]): WeightFile {
  return createWeightFile({
    path: '/tmp/fake.bin',
    format: 'fake',
    entries: tensors.map((t) => {
      const info: TensorInfo = {
        name: t.name,
        dtype: t.dtype ?? 'F32',
        shape: t.shape,
        layout: t.layout ?? 'torch',
      };
      for (const k of ['conv', 'depthwise', 'unsupported'] as const)
        if (t[k] !== undefined) Object.assign(info, { [k]: t[k] });
      return { info, read: async (rows) => sliceRows(Float32Array.from(t.values), t.shape, rows) };
    }),
  });
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);

async function matrices(
  file: WeightFile,
  conv: ConvMode = 'im2col',
): Promise<Array<[LayerMatrix, number[]]>> {
  const out: Array<[LayerMatrix, number[]]> = [];
  for (const m of planLayers(file, { conv }).matrices) out.push([m, Array.from(await m.read())]);
  return out;
}

/** A PyTorch-order kernel w[o][i][y][x] = f(o, i, y, x), stored in each layout. */
function kernel(
  O: number,
  I: number,
  H: number,
  W: number,
  f: (o: number, i: number, y: number, x: number) => number,
) {
  const torch: number[] = [];
  const keras: number[] = [];
  const tflite: number[] = [];
  for (const o of range(O))
    for (const i of range(I)) for (const y of range(H)) for (const x of range(W)) torch.push(f(o, i, y, x));
  for (const y of range(H))
    for (const x of range(W)) for (const i of range(I)) for (const o of range(O)) keras.push(f(o, i, y, x));
  for (const o of range(O))
    for (const y of range(H)) for (const x of range(W)) for (const i of range(I)) tflite.push(f(o, i, y, x));
  return { torch, keras, tflite };
}

describe('planLayers (RMT.md §1)', () => {
  test('2-D: PyTorch [out, in] as stored, Keras [in, out] transposed', async () => {
    const file = fakeFile([
      { name: 'torch', shape: [2, 3], values: [1, 2, 3, 4, 5, 6] },
      { name: 'keras', shape: [3, 2], values: [1, 4, 2, 5, 3, 6], layout: 'keras' },
    ]);
    const [[a, av], [b, bv]] = await matrices(file);
    assert.deepEqual([a.rows, a.cols, a.layout], [2, 3, '2d']);
    assert.deepEqual([b.rows, b.cols, b.layout], [2, 3, 'transposed']);
    assert.deepEqual(av, [1, 2, 3, 4, 5, 6]);
    assert.deepEqual(bv, av);
    assert.deepEqual(a.sourceTensors, ['torch']);
    assert.deepEqual(b.tensorShape, [3, 2]);
  });

  test('the three conv modes give the same matrices from PyTorch, Keras and TFLite layouts', async () => {
    await fc.assert(
      // (one output channel is left out: Keras [kh, kw, C, 1] and TFLite [1, kh, kw, C] read as depthwise)
      fc.asyncProperty(
        fc.integer({ min: 2, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        fc.constantFrom<ConvMode>('im2col', 'slices', 'kernel'),
        async (O, I, H, W, mode) => {
          const k = kernel(O, I, H, W, (o, i, y, x) => 1000 * o + 100 * i + 10 * y + x + 0.5);
          const shapes = { torch: [O, I, H, W], keras: [H, W, I, O], tflite: [O, H, W, I] };
          const got = [];
          for (const layout of ['torch', 'keras', 'tflite'] as const) {
            const file = fakeFile([{ name: 'conv', shape: shapes[layout], values: k[layout], layout }]);
            got.push((await matrices(file, mode)).map(([m, v]) => [m.name, m.rows, m.cols, v]));
          }
          assert.deepEqual(got[1], got[0]);
          assert.deepEqual(got[2], got[0]);
        },
      ),
      { seed: 42, numRuns: 60 },
    );
  });

  test('im2col is (out, in·kh·kw) in PyTorch reshape order; slices and kernel as documented', async () => {
    const O = 2;
    const I = 3;
    const H = 2;
    const W = 2;
    const f = (o: number, i: number, y: number, x: number) => 1000 * o + 100 * i + 10 * y + x;
    const k = kernel(O, I, H, W, f);
    const file = fakeFile([{ name: 'w', shape: [O, I, H, W], values: k.torch }]);
    const [[m, v]] = await matrices(file, 'im2col');
    assert.deepEqual([m.rows, m.cols], [O, I * H * W]);
    assert.deepEqual(v, k.torch);
    const slices = await matrices(file, 'slices');
    assert.deepEqual(
      slices.map(([s]) => s.name),
      ['w[0,0]', 'w[0,1]', 'w[1,0]', 'w[1,1]'],
    );
    const [s01, v01] = slices[1];
    assert.deepEqual([s01.rows, s01.cols], [O, I]);
    assert.deepEqual(
      v01,
      range(O).flatMap((o) => range(I).map((i) => f(o, i, 0, 1))),
    );
    const [[kk, kv]] = await matrices(file, 'kernel');
    assert.deepEqual([kk.rows, kk.cols], [H * W, I * O]);
    assert.deepEqual(
      kv,
      range(H).flatMap((y) =>
        range(W).flatMap((x) => range(I).flatMap((i) => range(O).map((o) => f(o, i, y, x)))),
      ),
    );
  });

  test('depthwise kernels: Keras [kh, kw, C, 1], TFLite [1, kh, kw, C] and PyTorch [C, 1, kh, kw] agree', async () => {
    const C = 5;
    const f = (c: number, y: number, x: number) => 100 * c + 10 * y + x;
    const torch = range(C).flatMap((c) => range(3).flatMap((y) => range(3).map((x) => f(c, y, x))));
    const hwc = range(3).flatMap((y) => range(3).flatMap((x) => range(C).map((c) => f(c, y, x))));
    const file = fakeFile([
      { name: 'pt', shape: [C, 1, 3, 3], values: torch },
      { name: 'tf', shape: [3, 3, C, 1], values: hwc, layout: 'keras' },
      { name: 'lite', shape: [1, 3, 3, C], values: hwc, layout: 'tflite', depthwise: true },
    ]);
    const got = await matrices(file);
    for (const [m, v] of got) {
      assert.deepEqual([m.rows, m.cols], [C, 9], m.name);
      assert.deepEqual(v, torch, m.name);
    }
  });

  test('3-D: stacked matrices name[k] (read by rows); conv1d when the file or the name says so', async () => {
    const file = fakeFile([
      { name: 'experts', shape: [3, 2, 4], values: range(24) },
      { name: 'qkv', shape: [2, 3, 2], values: range(12), layout: 'keras' },
      { name: 'encoder.conv1.weight', shape: [4, 2, 3], values: range(24) },
      { name: 'w1d', shape: [4, 2, 3], values: range(24), conv: true },
    ]);
    const got = await matrices(file);
    assert.deepEqual(
      got.map(([m]) => [m.name, m.rows, m.cols, m.layout]),
      [
        ['experts[0]', 2, 4, 'stacked[0]'],
        ['experts[1]', 2, 4, 'stacked[1]'],
        ['experts[2]', 2, 4, 'stacked[2]'],
        ['qkv[0]', 2, 3, 'stacked[0] transposed'],
        ['qkv[1]', 2, 3, 'stacked[1] transposed'],
        ['encoder.conv1.weight', 4, 6, 'conv1d im2col of [out, in, kw]'],
        ['w1d', 4, 6, 'conv1d im2col of [out, in, kw]'],
      ],
    );
    assert.deepEqual(
      got[1][1],
      range(8).map((i) => 8 + i),
    );
    assert.deepEqual(got[3][1], [0, 2, 4, 1, 3, 5]);
    assert.deepEqual(got[5][1], range(24));
  });

  test('skipped tensors say why', () => {
    const plan = planLayers(
      fakeFile([
        { name: 'bias', shape: [4], values: range(4) },
        { name: 'scale', shape: [], values: [1] },
        { name: 'ids', shape: [2, 3], values: range(6), dtype: 'I64' },
        {
          name: 'q',
          shape: [2, 32],
          values: range(64),
          dtype: 'IQ2_XXS',
          unsupported: 'IQ2_XXS is not supported',
        },
        { name: 'grid', shape: [4, 4, 1], values: range(16) },
        { name: 'row', shape: [1, 8], values: range(8) },
        { name: 'empty', shape: [0, 8], values: [] },
        { name: 'ok', shape: [2, 2], values: range(4) },
      ]),
      { conv: 'im2col' },
    );
    assert.deepEqual(
      plan.matrices.map((m) => m.name),
      ['ok'],
    );
    assert.deepEqual(Object.fromEntries(plan.skipped.map((s) => [s.name, s.reason])), {
      bias: '1-D tensor (bias, norm or scale)',
      scale: 'scalar',
      ids: 'I64 tensor (indices, shapes or flags, not weights)',
      q: 'IQ2_XXS is not supported',
      grid: 'vector-shaped: 4×1 (a single row or column)',
      row: 'vector-shaped: 1×8 (a single row or column)',
      empty: 'empty tensor',
    });
  });

  test('5-D kernels: output channels against the rest', async () => {
    const file = fakeFile([
      { name: 'c3d', shape: [2, 3, 2, 2, 2], values: range(48) },
      { name: 'k3d', shape: [2, 2, 2, 3, 2], values: range(48), layout: 'keras' },
    ]);
    const [[a, av], [b]] = await matrices(file);
    assert.deepEqual([a.rows, a.cols], [2, 24]);
    assert.deepEqual(av, range(48));
    assert.deepEqual([b.rows, b.cols, b.layout], [2, 24, 'flattened, transposed']);
  });
});
