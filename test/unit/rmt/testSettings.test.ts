// The settings of the tests: significance level α and which singular vectors Porter–Thomas tests.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { porterThomasIndices } from '../../../src/rmt/porterThomas';
import {
  bulkMisfitLevel,
  DEFAULT_VECTORS_TESTED,
  significanceProblem,
  vectorsTestedProblem,
} from '../../../src/rmt/testSettings';
import { layerVerdict } from '../../../src/rmt/verdict';

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('which singular vectors Porter–Thomas tests (vectorsTested)', () => {
  test('default: all up to 1024; above, top 100, bottom 20 and 100 evenly spaced from index 100 to N − 21', () => {
    assert.deepEqual(porterThomasIndices(1024), range(0, 1024));
    for (const n of [1025, 2048, 4096, 11008]) {
      const bulk = Array.from({ length: 100 }, (_, j) => 100 + Math.round(((n - 121) * j) / 99));
      const expected = [...new Set([...range(0, 100), ...bulk, ...range(n - 20, n)])].sort((a, b) => a - b);
      assert.deepEqual(porterThomasIndices(n), expected, `n = ${n}`);
      assert.deepEqual(porterThomasIndices(n, DEFAULT_VECTORS_TESTED), expected);
    }
  });

  test('the four numbers are honoured', () => {
    const vectors = { allUpTo: 50, top: 10, bottom: 5, bulk: 7 };
    assert.deepEqual(porterThomasIndices(50, vectors), range(0, 50));
    // Bulk: 7 indices evenly spaced over [10, 94].
    assert.deepEqual(porterThomasIndices(100, vectors), [
      ...range(0, 10),
      10,
      24,
      38,
      52,
      66,
      80,
      94,
      ...range(95, 100),
    ]);
    assert.deepEqual(porterThomasIndices(100, { allUpTo: 0, top: 3, bottom: 0, bulk: 0 }), [0, 1, 2]);
    assert.deepEqual(porterThomasIndices(100, { allUpTo: 0, top: 0, bottom: 2, bulk: 1 }), [49, 98, 99]);
    assert.deepEqual(porterThomasIndices(100, { allUpTo: 0, top: 0, bottom: 0, bulk: 0 }), []);
    // Counts larger than the layer never give an index outside it, nor a duplicate.
    const crowded = porterThomasIndices(60, { allUpTo: 10, top: 50, bottom: 50, bulk: 50 });
    assert.deepEqual(crowded, range(0, 60));
    const dense = porterThomasIndices(60, { allUpTo: 10, top: 5, bottom: 5, bulk: 500 });
    assert.deepEqual(dense, range(0, 60));
  });

  test('out-of-range values are refused with the field named', () => {
    assert.equal(vectorsTestedProblem(DEFAULT_VECTORS_TESTED), undefined);
    assert.equal(vectorsTestedProblem({ allUpTo: 0, top: 0, bottom: 0, bulk: 0 }), undefined);
    assert.match(
      vectorsTestedProblem({ ...DEFAULT_VECTORS_TESTED, top: -1 }) ?? '',
      /^top must be an integer/,
    );
    assert.match(
      vectorsTestedProblem({ ...DEFAULT_VECTORS_TESTED, bulk: 2.5 }) ?? '',
      /^bulk must be an integer/,
    );
    assert.match(vectorsTestedProblem({ top: 1, bottom: 1, bulk: 1 }) ?? '', /^allUpTo must be/);
    assert.match(vectorsTestedProblem(7) ?? '', /must be an object/);
  });
});

describe('significance level α', () => {
  test('accepted between 0.001 and 0.2, with a message that gives the range and the value', () => {
    for (const alpha of [0.001, 0.01, 0.05, 0.2]) assert.equal(significanceProblem(alpha), undefined);
    assert.equal(significanceProblem(0.5), 'must be between 0.001 and 0.2 (got 0.5)');
    assert.equal(significanceProblem(0.0001), 'must be between 0.001 and 0.2 (got 0.0001)');
    assert.match(significanceProblem(Number.NaN) ?? '', /must be a number between 0\.001 and 0\.2/);
    assert.match(significanceProblem('0.05') ?? '', /must be a number/);
  });

  test('the bulk-fit level is α/5 (0.01 at the default)', () => {
    assert.equal(bulkMisfitLevel(0.05), 0.01);
    assert.equal(bulkMisfitLevel(0.2), 0.04);
  });

  test('the spacing rule of the verdict uses α (RMT.md §8)', () => {
    const signals = { singularValues: 100, outliers: 0, twLevel: 0.95, spacingP: 0.03 };
    const byDefault = layerVerdict(signals);
    assert.equal(byDefault.label, 'deviating');
    assert.match(byDefault.reasons[0], /calibrated p = 0\.030 < 0\.05/);
    const strict = layerVerdict({ ...signals, significance: 0.01 });
    assert.equal(strict.label, 'random');
    assert.match(strict.reasons[0], /consistent with the GOE/);
    const loose = layerVerdict({ ...signals, spacingP: 0.15, significance: 0.2 });
    assert.equal(loose.label, 'deviating');
    assert.match(loose.reasons[0], /< 0\.2\)/);
    assert.equal(layerVerdict({ ...signals, spacingP: 0.15 }).label, 'random');
  });
});
