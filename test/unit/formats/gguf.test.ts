import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'gguf');

describe('GGUF reader (ggml block formats, dequantised as ggml does)', () => {
  test('F32, F16, BF16, Q8_0, Q4_0, Q4_1, Q5_0, Q5_1, Q2_K…Q6_K, stacked experts, metadata', async () => {
    const fixture = path.join(dir, 'quants.gguf');
    const file = await openWeightFile(fixture);
    try {
      assert.equal(file.format, 'gguf');
      assert.equal(file.metadata['general.architecture'], 'llama');
      assert.equal(file.metadata['llama.block_count'], '2');
      assert.match(file.metadata['tokenizer.ggml.tokens'], /^\[40 × string: "tok0", "tok1"/);
      assert.equal(file.metadata['tokenizer.ggml.scores'], '[40 × f32]');
      await checkAgainstExpected(file, loadExpected(fixture));
      // ggml lists ne[0] first: the shape is reversed into row-major order
      assert.deepEqual(file.tensors.find((t) => t.name === 'blk.1.q4_k.weight')?.shape, [4, 512]);
      const rows = await file.read('blk.1.q6_k.weight', { start: 1, end: 3 });
      const all = await file.read('blk.1.q6_k.weight');
      assert.deepEqual(Array.from(rows), Array.from(all.subarray(512, 3 * 512)));
    } finally {
      await file.close();
    }
  });

  test('an unsupported quantisation is listed with a clear reason', async () => {
    const file = await openWeightFile(path.join(dir, 'quants.gguf'));
    try {
      const t = file.tensors.find((x) => x.name === 'blk.1.iq2_xxs.weight');
      assert.equal(t?.dtype, 'IQ2_XXS');
      assert.match(t?.unsupported ?? '', /IQ2_XXS is not supported/);
      const skipped = planLayers(file, { conv: 'im2col' }).skipped.find((s) => s.name === t?.name);
      assert.match(skipped?.reason ?? '', /not supported/);
      await assert.rejects(file.read('blk.1.iq2_xxs.weight'), WeightFileError);
    } finally {
      await file.close();
    }
  });

  test('version 2 with general.alignment = 64', async () => {
    const fixture = path.join(dir, 'v2_align64.gguf');
    const file = await openWeightFile(fixture);
    try {
      assert.equal(file.metadata['gguf.version'], '2');
      await checkAgainstExpected(file, loadExpected(fixture));
    } finally {
      await file.close();
    }
  });
});
