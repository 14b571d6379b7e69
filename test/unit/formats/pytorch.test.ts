import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import type { OpenOptions } from '../../../src/formats/types';
import { fixturesDir } from '../paths';
import { checkAgainstExpected, loadExpected } from './expected';

const dir = path.join(fixturesDir, 'pytorch');

async function check(name: string, options: OpenOptions = {}, container?: string): Promise<void> {
  const fixture = path.join(dir, name);
  const file = await openWeightFile(fixture, options);
  try {
    assert.equal(file.format, 'pytorch');
    const expected = loadExpected(fixture);
    assert.deepEqual(file.tensors.map((t) => t.name).sort(), Object.keys(expected.tensors).sort());
    if (container) assert.equal(file.metadata.container, container);
    await checkAgainstExpected(file, expected);
  } finally {
    await file.close();
  }
}

describe('PyTorch reader (files written by torch.save / torch.jit.save)', () => {
  test('zip state_dict', () => check('state_dict.pt', {}, 'zip'));
  test('views, transposes, shared storage, f16/bf16/f64', () => check('views.pt'));
  test('legacy (non-zip) format', () => check('legacy.pt', {}, 'legacy'));
  test('state_dict nested in a training checkpoint', () => check('checkpoint.ckpt'));
  test('Hugging Face shards through pytorch_model.bin.index.json', () =>
    check('sharded/pytorch_model.bin.index.json'));
  test('whole-module pickle: refused by default, naming the class', async () => {
    await assert.rejects(openWeightFile(path.join(dir, 'module.pth')), (e: Error) => {
      assert.ok(e instanceof WeightFileError);
      assert.match(e.message, /module\.pth.*byte \d+.*'__main__\.Net' is not allowed.*lenient/);
      return true;
    });
  });
  test('whole-module pickle: lenient mode extracts the parameters', () =>
    check('module.pth', { lenient: true }));
  test('TorchScript archive: lenient mode extracts the parameters', () =>
    check('scripted.pt', { lenient: true }, 'torchscript'));
  for (const lenient of [false, true]) {
    test(`os.system and builtins.eval are refused (lenient: ${lenient})`, async () => {
      for (const [name, global] of [
        ['evil_os_system.pt', 'os.system'],
        ['evil_builtins_eval.pt', 'builtins.eval'],
      ]) {
        await assert.rejects(openWeightFile(path.join(dir, name), { lenient }), (e: Error) => {
          assert.ok(e instanceof WeightFileError, String(e));
          assert.ok(e.message.includes(`'${global}'`), e.message);
          assert.ok(typeof e.offset === 'number');
          return true;
        });
      }
    });
  }
  test('the rows of a transposed view are gathered by strides', async () => {
    const file = await openWeightFile(path.join(dir, 'views.pt'));
    try {
      const base = await file.read('base'); // 6×8
      const t = await file.read('transposed', { start: 2, end: 4 }); // rows 2..3 of the 8×6 transpose
      assert.deepEqual(
        Array.from(t),
        [2, 3].flatMap((c) => [0, 1, 2, 3, 4, 5].map((r) => base[r * 8 + c])),
      );
    } finally {
      await file.close();
    }
  });
});
