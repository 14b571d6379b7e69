import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'npz');

describe('npz reader (archives written by numpy and zipfile)', () => {
  for (const name of ['stored.npz', 'deflated.npz', 'zip64.npz']) {
    test(name, async () => {
      const fixture = path.join(dir, name);
      const file = await openWeightFile(fixture);
      try {
        assert.equal(file.format, 'npz');
        assert.deepEqual(
          file.tensors.map((t) => t.name),
          ['dense', 'conv', 'bias', 'fortran', 'half'],
        );
        await checkAgainstExpected(file, loadExpected(fixture));
        const rows = await file.read('dense', { start: 2, end: 4 });
        assert.deepEqual(Array.from(rows), Array.from((await file.read('dense')).subarray(32, 64)));
      } finally {
        await file.close();
      }
    });
  }

  test('a zip bomb is refused when read, naming the member', async () => {
    const file = await openWeightFile(path.join(dir, 'bomb.npz'));
    try {
      await assert.rejects(file.read('a'), (e: Error) => {
        assert.ok(e instanceof WeightFileError);
        assert.equal(e.tensor, 'a.npy');
        assert.match(e.message, /bomb\.npz.*(inflate|declares)/);
        return true;
      });
    } finally {
      await file.close();
    }
  });
});
