import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'onnx');

async function check(name: string): Promise<void> {
  const fixture = path.join(dir, name);
  const file = await openWeightFile(fixture);
  try {
    assert.equal(file.format, 'onnx');
    const expected = loadExpected(fixture);
    assert.deepEqual(file.tensors.map((t) => t.name).sort(), Object.keys(expected.tensors).sort());
    await checkAgainstExpected(file, expected);
  } finally {
    await file.close();
  }
}

describe('ONNX reader (models written by onnx and torch.onnx)', () => {
  test('raw_data, float/double/int32-held f16 and bf16 fields, Constant nodes, If/Loop subgraphs', () =>
    check('typed.onnx'));
  test('external data beside the model', () => check('external/model.onnx'));
  test('a CNN exported by torch.onnx.export', () => check('torch_cnn.onnx'));
  test('Conv weights are marked, MatMul weights are read as [in, out]', async () => {
    const file = await openWeightFile(path.join(dir, 'typed.onnx'));
    try {
      const byName = new Map(file.tensors.map((t) => [t.name, t]));
      assert.equal(byName.get('conv.weight')?.conv, true);
      assert.equal(byName.get('fc2.weight')?.layout, 'keras');
      assert.equal(byName.get('fc1.weight')?.layout, 'torch');
      assert.equal(file.metadata.producer_name, 'rmt-lens-fixtures');
    } finally {
      await file.close();
    }
  });
  for (const [name, location] of [
    ['evil_parent.onnx', '../../../etc/passwd'],
    ['evil_absolute.onnx', '/etc/passwd'],
  ]) {
    test(`external location ${location} is refused`, async () => {
      await assert.rejects(openWeightFile(path.join(dir, name)), (e: Error) => {
        assert.ok(e instanceof WeightFileError);
        assert.equal(e.tensor, 'fc1.weight');
        assert.ok(e.message.includes(`refused path '${location}'`), e.message);
        return true;
      });
    });
  }
});
