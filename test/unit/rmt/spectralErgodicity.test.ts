import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import {
  cascadingPse,
  circularSpectralDeviation,
  cpseEigenvalues,
  histogram10,
  periodicPad,
  periodicSpectralErgodicity,
  saturationDepth,
  spectralErgodicity,
  symmetricKl,
} from '../../../src/rmt/spectralErgodicity';
import { cpseOfMatrices, modelStatistics } from '../../../src/engine/modelStatistics';
import { createEngine } from '../../../src/linalg';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';
import { generateEnsemble } from '../../../src/rmt/ensembles';
import { symmetricEigenvalues } from '../../../src/rmt/tridiagonalModels';
import { Rng } from '../../../src/rmt/prng';

describe('spectral ergodicity and cPSE (RMT.md §9) beyond the bristol cases', () => {
  test('numpy histogram rules: last bin closed, constant input widened by ±0.5', () => {
    assert.deepEqual(
      Array.from(histogram10(Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10]))),
      [1, 1, 1, 1, 1, 1, 1, 1, 1, 2],
    );
    assert.deepEqual(Array.from(histogram10(Float64Array.from([3, 3, 3]))), [0, 0, 0, 0, 0, 3, 0, 0, 0, 0]);
    // A value exactly on an inner edge goes to the bin on its right.
    assert.deepEqual(Array.from(histogram10(Float64Array.from([0, 0.5, 1]))), [1, 0, 0, 0, 0, 1, 0, 0, 0, 1]);
  });

  test('Ω ≡ 0 for one block or identical blocks; D = 0 for equal vectors', () => {
    const a = Float64Array.from([1, 4, 2, 8, 5]);
    assert.ok(spectralErgodicity(a, 5).every((x) => x === 0));
    assert.ok(spectralErgodicity(Float64Array.from([...a, ...a, ...a]), 5).every((x) => x === 0));
    assert.equal(symmetricKl([1, 2, 3], [1, 2, 3]), 0);
    assert.ok(symmetricKl([1, 0, 0], [0, 1, 0]) > 0);
    assert.equal(symmetricKl([0.1, 0.3], [0.2, 0.1]), symmetricKl([0.2, 0.1], [0.1, 0.3]));
  });

  test('periodic padding, zero eigenvalues when rows > cols, power 4', () => {
    assert.deepEqual(Array.from(periodicPad(Float64Array.from([1, 2, 3]), 7)), [1, 2, 3, 1, 2, 3, 1]);
    assert.deepEqual(Array.from(cpseEigenvalues(Float64Array.from([1, 3, 2]), 5, 2)), [9, 4, 1, 0, 0]);
    assert.deepEqual(Array.from(cpseEigenvalues(Float64Array.from([1, 3, 2]), 3, 4)), [81, 16, 1]);
  });

  test('L ≤ 2 → NaN, identical layers → −∞, power 4 changes the eigenvalues only', () => {
    const nu = Float64Array.from([3, 2, 1.5, 1, 0.5, 0.25]);
    const layer = { rows: 6, cols: 6, singularValues: nu };
    const two = modelStatistics([layer, layer], DEFAULT_SETTINGS);
    assert.ok(Number.isNaN(two.cpse) && two.dLayers.length === 0 && two.saturationDepth === null);
    const same = modelStatistics([layer, layer, layer, layer], DEFAULT_SETTINGS);
    assert.deepEqual(same.dLayers, [0, 0]);
    assert.equal(same.cpse, -Infinity);
    const rng = new Rng(1);
    const layers = Array.from({ length: 6 }, () => ({
      rows: 6,
      cols: 6,
      singularValues: rng.normals(6).map(Math.abs),
    }));
    const p4 = modelStatistics(layers, { ...DEFAULT_SETTINGS, cpsePower: 4 });
    const direct = cascadingPse(
      layers.map((l) =>
        l.singularValues
          .map((x) => x ** 4)
          .sort()
          .reverse(),
      ),
    );
    assert.equal(p4.cpsePower, 4);
    assert.deepEqual(p4.dLayers, direct.dLayers);
  });

  test('cpseOfMatrices equals modelStatistics on the engine’s singular values', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const matrices = generateEnsemble('ginibre', 12, 8, 5, 3).map((m) => ({
      rows: m.rows,
      cols: m.cols,
      data: m.re,
    }));
    const direct = modelStatistics(
      matrices.map((m) => ({
        rows: m.rows,
        cols: m.cols,
        singularValues: engine.singularValues(m.data, m.rows, m.cols),
      })),
      DEFAULT_SETTINGS,
    );
    assert.deepEqual(cpseOfMatrices(matrices, engine, DEFAULT_SETTINGS), direct);
  });

  test('saturation depth: first l after which D stays within a factor 2 of the final value', () => {
    assert.equal(saturationDepth([1, 0.5, 0.1, 0.03, 0.02, 0.025]), 4);
    assert.equal(saturationDepth([0.02]), 1);
    assert.equal(saturationDepth([1, 0]), null);
    assert.equal(saturationDepth([]), null);
  });

  test('MME: PSE of mixed-size GOE spectra; CSD is 0 against itself, symmetric and positive otherwise', () => {
    const spectra = (seed: number, p: number) =>
      generateEnsemble('mme', 40, undefined, 12, seed, { mixture: p }).map((m) =>
        symmetricEigenvalues(m.re, m.rows),
      );
    const a = spectra(1, 0.5);
    const b = spectra(2, 0.9);
    const omega = periodicSpectralErgodicity(a);
    assert.equal(omega.length, 10);
    assert.ok(omega.some((x) => x > 0));
    assert.equal(circularSpectralDeviation(a, a), 0);
    assert.equal(circularSpectralDeviation(a, b), circularSpectralDeviation(b, a));
    assert.ok(circularSpectralDeviation(a, b) > 0);
  });
});
