import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'npy');

describe('npy reader (fixtures written by numpy)', () => {
  for (const f of readdirSync(dir).filter((f) => f.endsWith('.npy.expected.json'))) {
    const fixture = path.join(dir, f.replace(/\.expected\.json$/, ''));
    test(path.basename(fixture), async () => {
      const file = await openWeightFile(fixture);
      try {
        assert.equal(file.format, 'npy');
        assert.equal(file.tensors.length, 1);
        assert.equal(file.tensors[0].name, path.basename(fixture, '.npy'));
        await checkAgainstExpected(file, loadExpected(fixture));
      } finally {
        await file.close();
      }
    });
  }

  test('reads rows of the leading dimension', async () => {
    const file = await openWeightFile(path.join(dir, 'layer_00.npy'));
    const all = await file.read('layer_00');
    const rows = await file.read('layer_00', { start: 3, end: 5 });
    assert.deepEqual(Array.from(rows), Array.from(all.subarray(3 * 40, 5 * 40)));
    const fort = await openWeightFile(path.join(dir, 'fortran_f8.npy'));
    const fall = await fort.read('fortran_f8');
    assert.deepEqual(
      Array.from(await fort.read('fortran_f8', { start: 7, end: 8 })),
      Array.from(fall.subarray(7 * 30, 8 * 30)),
    );
    await fort.close();
    await file.close();
  });

  test('object and structured arrays are refused', async () => {
    await assert.rejects(openWeightFile(path.join(dir, 'object.npy')), (e: Error) => {
      assert.ok(e instanceof WeightFileError);
      assert.match(e.message, /object\.npy.*object arrays/);
      return true;
    });
    await assert.rejects(openWeightFile(path.join(dir, 'structured.npy')), /structured/);
  });
});
