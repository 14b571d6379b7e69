import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'safetensors');

describe('safetensors reader', () => {
  test('every dtype, __metadata__, stacked and conv tensors', async () => {
    const fixture = path.join(dir, 'dtypes.safetensors');
    const file = await openWeightFile(fixture);
    try {
      const expected = loadExpected(fixture);
      assert.equal(file.format, 'safetensors');
      assert.deepEqual(file.metadata, expected.metadata);
      assert.equal(file.tensors.length, Object.keys(expected.tensors).length);
      await checkAgainstExpected(file, expected);
    } finally {
      await file.close();
    }
  });
});
