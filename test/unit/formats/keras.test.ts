import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, test } from 'node:test';
import { deadlineSeconds, HEADER_SECONDS, READ_BYTES_PER_SECOND } from '../../../src/formats/h5client';
import { hdf5Cause } from '../../../src/formats/h5protocol';
import { openWeightFile } from '../../../src/formats/registry';
import { fixturesDir, repoRoot } from '../paths';
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

describe('HDF5 watchdog (h5client.ts)', () => {
  test('deadlines: 30 s for a header, plus a second per 4 MiB read; RMT_LENS_HDF5_TIMEOUT overrides the 30 s', () => {
    assert.equal(deadlineSeconds(0, {}), HEADER_SECONDS);
    assert.equal(HEADER_SECONDS, 30);
    assert.equal(deadlineSeconds(10 * READ_BYTES_PER_SECOND, {}), 40);
    assert.equal(READ_BYTES_PER_SECOND, 4 * 1024 * 1024);
    assert.equal(deadlineSeconds(0, { RMT_LENS_HDF5_TIMEOUT: '2.5' }), 2.5);
    assert.equal(deadlineSeconds(READ_BYTES_PER_SECOND, { RMT_LENS_HDF5_TIMEOUT: '2' }), 3);
    for (const bad of ['', 'abc', '0', '-1', 'Infinity'])
      assert.equal(deadlineSeconds(0, { RMT_LENS_HDF5_TIMEOUT: bad }), 30, bad);
  });

  test("an error's cause is the deepest frame of HDF5's first error stack", () => {
    const frame = (n: number, fn: string, msg: string) =>
      `  #00${n}: /src/hdf5/src/H5F.c line ${800 + n} in ${fn}(): ${msg}\n    major: File accessibility\n    minor: Unable to open file\n`;
    const first = `HDF5-DIAG: Error detected in HDF5 (2.0.0):\n${frame(0, 'H5Fopen', 'unable to open file')}${frame(1, 'H5F__super_read', 'truncated file: eof = 2000')}`;
    const second = `HDF5-DIAG: Error detected in HDF5 (2.0.0):\n${frame(0, 'H5Gopen2', 'invalid location identifier')}`;
    assert.equal(hdf5Cause(first + second), 'truncated file: eof = 2000');
    assert.equal(hdf5Cause(second), 'invalid location identifier');
    assert.equal(hdf5Cause(''), undefined);
    assert.equal(hdf5Cause('some other output\n'), undefined);
    assert.equal(hdf5Cause(`HDF5-DIAG: x\n${frame(0, 'H5Fopen', 'y'.repeat(500))}`)?.length, 200);
  });

  test("a truncated .h5 is refused with HDF5's own cause; HDF5's error stack never reaches stderr", () => {
    // in a child process: h5wasm used to write HDF5's stack straight to file descriptor 2
    const cut = path.join(os.tmpdir(), `rmt-keras-cut-${process.pid}.h5`);
    writeFileSync(cut, readFileSync(path.join(dir, 'keras2_weights.h5')).subarray(0, 2000));
    try {
      const registry = path.join(repoRoot, 'out/src/formats/registry.js');
      const script = `require(${JSON.stringify(registry)}).openWeightFile(process.argv[1]).then(
        () => console.log('opened'), (e) => console.log(e.name + ': ' + e.message))`;
      const run = spawnSync(process.execPath, ['-e', script, cut], { encoding: 'utf8', timeout: 60_000 });
      assert.equal(
        run.stdout,
        `WeightFileError: ${path.basename(cut)}: HDF5: truncated file: eof = 2000, sblock->base_addr = 0, stored_eof = 23392\n`,
      );
      assert.equal(run.stderr, '');
    } finally {
      rmSync(cut, { force: true });
    }
  });
});
