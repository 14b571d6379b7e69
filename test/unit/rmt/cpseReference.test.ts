import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { referenceDir } from '../paths';
import { readNpyFloat64, refNumber } from './helpers';
import { createEngine } from '../../../src/linalg';
import { modelStatistics } from '../../../src/engine/modelStatistics';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';
import { cascadingPse, cpseEigenvalues } from '../../../src/rmt/spectralErgodicity';

interface Expected {
  d_layers: number[];
  cpse: number | string;
  debug_steps: { l: number; omega_l: number[]; omega_l_plus_1: number[]; D: number }[];
}

const cpseDir = path.join(referenceDir, 'cpse');
const cases = readdirSync(cpseDir).filter((c) => !c.startsWith('.'));

describe('cPSE against bristol 0.2.14 (RMT.md §9)', () => {
  test('reference cases exist', () =>
    assert.ok(cases.length >= 4, `found ${cases.length} cases in ${cpseDir}`));
  for (const name of cases) {
    test(name, async () => {
      const engine = await createEngine({ prefer: 'js' });
      const dir = path.join(cpseDir, name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8')) as Expected;
      const files = readdirSync(dir)
        .filter((f) => /^layer_\d+\.npy$/.test(f))
        .sort();
      const layers = files.map((f) => {
        const { shape, data } = readNpyFloat64(path.join(dir, f));
        const [rows, cols] = shape;
        return { rows, cols, singularValues: engine.singularValues(data, rows, cols) };
      });
      const stats = modelStatistics(layers, DEFAULT_SETTINGS);
      assert.equal(stats.dLayers.length, expected.d_layers.length);
      stats.dLayers.forEach((d, i) => {
        const ref = expected.d_layers[i];
        if (ref === 0) assert.equal(d, 0, `D[${i}]`);
        else assert.ok(Math.abs(d - ref) <= 1e-12 * Math.abs(ref), `D[${i}] = ${d}, bristol ${ref}`);
      });
      const refCpse = refNumber(expected.cpse);
      if (Number.isFinite(refCpse))
        assert.ok(Math.abs(stats.cpse - refCpse) <= 1e-12, `cpse ${stats.cpse} vs ${refCpse}`);
      else assert.ok(Object.is(stats.cpse, refCpse), `cpse ${stats.cpse} vs ${refCpse}`);

      // Intermediate Ω vectors, as bristol printed them.
      const { omegas } = cascadingPse(layers.map((l) => cpseEigenvalues(l.singularValues, l.rows, 2)));
      for (const step of expected.debug_steps) {
        assertClose(omegas[step.l - 1], step.omega_l, `Ω(X_${step.l})`);
        assertClose(omegas[step.l], step.omega_l_plus_1, `Ω(X_${step.l + 1})`);
      }
    });
  }
});

function assertClose(actual: ArrayLike<number>, expected: number[], label: string): void {
  assert.equal(actual.length, expected.length, label);
  for (let k = 0; k < expected.length; k++)
    assert.ok(Math.abs(actual[k] - expected[k]) <= 1e-12 * Math.abs(expected[k]) + 1e-300, `${label}[${k}]`);
}
