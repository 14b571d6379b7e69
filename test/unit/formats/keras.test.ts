import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'keras');

function tempDirs(): string[] {
  return readdirSync(os.tmpdir()).filter((d) => d.startsWith('rmt-lens-'));
}

describe('Keras reader (HDF5 through h5wasm)', () => {
  for (const name of ['keras2_model.h5', 'keras2_weights.h5', 'keras3.keras', 'keras3_stored.keras']) {
    test(name, async () => {
      const fixture = path.join(dir, name);
      const before = tempDirs();
      const file = await openWeightFile(fixture);
      try {
        assert.equal(file.format, 'keras');
        const expected = loadExpected(fixture);
        assert.deepEqual(file.tensors.map((t) => t.name).sort(), Object.keys(expected.tensors).sort());
        await checkAgainstExpected(file, expected);
      } finally {
        await file.close();
      }
      assert.deepEqual(tempDirs(), before, 'the extracted .h5 is removed on close');
    });
  }

  test('Keras 2: layers in model order (layer_names), optimizer weights left out', async () => {
    const file = await openWeightFile(path.join(dir, 'keras2_model.h5'));
    try {
      const layers = [...new Set(file.tensors.map((t) => t.name.split('/')[0]))];
      assert.deepEqual(layers, ['conv2d', 'depthwise_conv2d', 'dense', 'lstm', 'dense_1']);
      assert.equal(file.metadata.keras_version, '2.12.0');
      const rows = await file.read('dense/dense/kernel:0', { start: 3, end: 5 });
      const all = await file.read('dense/dense/kernel:0');
      assert.deepEqual(Array.from(rows), Array.from(all.subarray(3 * 16, 5 * 16)));
    } finally {
      await file.close();
    }
  });
});
