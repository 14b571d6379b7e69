import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

describe('sharded safetensors', () => {
  test('model.safetensors.index.json opens the whole model', async () => {
    const fixture = path.join(fixturesDir, 'safetensors/sharded/model.safetensors.index.json');
    const file = await openWeightFile(fixture);
    try {
      assert.equal(file.format, 'safetensors');
      assert.equal(file.metadata.shards, '2');
      assert.deepEqual(
        file.tensors.map((t) => t.name),
        [0, 1, 2, 3].map((i) => `layers.${i}.weight`),
      );
      await checkAgainstExpected(file, loadExpected(fixture));
    } finally {
      await file.close();
    }
  });
});
