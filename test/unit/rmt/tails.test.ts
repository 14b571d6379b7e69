import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { hillPlateau, hillPlot } from '../../../src/rmt/hill';
import { fitPowerLaw } from '../../../src/rmt/powerLaw';
import { generateEnsemble } from '../../../src/rmt/ensembles';
import { jensenShannonDistance, randomBaseline } from '../../../src/rmt/randomBaseline';
import { compareLayers } from '../../../src/rmt/checkpoint';
import { mean, std } from './helpers';

/** Pareto samples with P(X > x) = x^{−α}, x ≥ 1, descending. */
function pareto(rng: Rng, n: number, alpha: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.pow(1 - rng.uniform(), -1 / alpha))
    .sort()
    .reverse();
}

describe('Hill estimator (RMT.md §6)', () => {
  test('exact Pareto samples: H_k = 1/α̂_k is a mean of k exponentials of mean 1/α (within 4 s.e.), and a plateau', () => {
    const rng = new Rng(1);
    for (const alpha of [0.8, 1.5, 3]) {
      const plot = hillPlot(pareto(rng, 2000, alpha));
      for (const k of [20, 100, 300]) {
        const i = plot.k.indexOf(k);
        // Rényi: the k log-spacings are i.i.d. Exp(mean 1/α), so α·H_k has mean 1 and s.e. 1/√k.
        const scaledH = alpha / plot.alpha[i];
        assert.ok(Math.abs(scaledH - 1) < 4 / Math.sqrt(k), `α = ${alpha}, k = ${k}: α̂ = ${plot.alpha[i]}`);
        assert.ok(Math.abs(plot.standardError[i] - plot.alpha[i] / Math.sqrt(k)) < 1e-12);
      }
      assert.equal(hillPlateau(plot).plateau, true);
    }
  });

  test('Check: Student-t(1.5) entries plateau at α ≈ 1.6–1.8; Gaussian layers drift without a plateau', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const plateauAlphas: number[] = [];
    for (const seed of [1, 2, 3, 4, 5, 6, 7, 8]) {
      const t = generateEnsemble('heavy-tailed', 300, 600, 1, seed, { tailIndex: 1.5 })[0];
      const plateau = hillPlateau(hillPlot(engine.singularValues(t.re, 300, 600)));
      assert.equal(plateau.plateau, true, `Student-t seed ${seed}`);
      plateauAlphas.push(plateau.best!.alpha);

      const g = generateEnsemble('ginibre', 300, 600, 1, seed)[0];
      const plot = hillPlot(engine.singularValues(g.re, 300, 600));
      assert.equal(hillPlateau(plot).plateau, false, `Gaussian seed ${seed}`);
      // Drift: α̂ falls steadily, by a factor > 5 from k = 5 to k = 100.
      assert.ok(plot.alpha[plot.k.indexOf(5)] > 5 * plot.alpha[plot.k.indexOf(100)]);
    }
    // The range 1.6–1.8 (half-width 0.1) plus 4 s.e. of the mean over seeds.
    const se = std(plateauAlphas) / Math.sqrt(plateauAlphas.length);
    assert.ok(
      Math.abs(mean(plateauAlphas) - 1.7) < 0.1 + 4 * se,
      `plateau α = ${mean(plateauAlphas)} ± ${se}`,
    );
  });
});

describe('WeightWatcher-compatible power-law α (RMT.md §6)', () => {
  test('recovers the density exponent of Pareto data within 4 σ_α, and xmin above a non-power-law body', () => {
    const rng = new Rng(2);
    for (const exponent of [2.5, 4]) {
      // Density ∝ x^{−exponent} above xmin = 1, plus a uniform body below 1 that must be cut off.
      const tail = pareto(rng, 1500, exponent - 1);
      const body = Float64Array.from({ length: 1500 }, () => 0.2 + 0.8 * rng.uniform());
      const fit = fitPowerLaw([...tail, ...body])!;
      assert.ok(
        Math.abs(fit.alpha - exponent) < 4 * fit.alphaSigma,
        `α = ${fit.alpha} ± ${fit.alphaSigma} vs ${exponent}`,
      );
      assert.ok(fit.xmin >= 0.95 && fit.xmin < 3, `xmin = ${fit.xmin}`);
      assert.ok(Math.abs(fit.alphaSigma - (fit.alpha - 1) / Math.sqrt(fit.tailCount)) < 1e-12);
      assert.ok(Math.abs(fit.hillEquivalent - 2 * (fit.alpha - 1)) < 1e-12);
      assert.ok(Math.abs(fit.alphaWeighted - fit.alpha * Math.log10(tail[0])) < 1e-12);
    }
  });

  test('scale invariant; too few values give null', () => {
    const rng = new Rng(3);
    const x = Array.from(pareto(rng, 500, 2));
    const a = fitPowerLaw(x)!;
    const b = fitPowerLaw(x.map((v) => v * 7))!;
    assert.ok(Math.abs(a.alpha - b.alpha) < 1e-9 * a.alpha);
    assert.equal(fitPowerLaw([1, 2]), null);
  });
});

describe('randomised baseline (RMT.md §7)', () => {
  test('Jensen–Shannon distance: 0 for equal spectra, symmetric, at most √ln 2', () => {
    assert.equal(jensenShannonDistance([1, 2, 3], [3, 2, 1]), 0);
    const a = [1, 5, 2, 8];
    const b = [2, 2, 2, 9];
    assert.equal(jensenShannonDistance(a, b), jensenShannonDistance(b, a));
    // p = (0, 1), q = (½, ½), m = (¼, ¾): JSD = ½·ln(4/3) + ¼·ln 2 + ¼·ln(2/3).
    const expected = Math.sqrt(0.5 * Math.log(4 / 3) + 0.25 * Math.log(2) + 0.25 * Math.log(2 / 3));
    assert.ok(Math.abs(jensenShannonDistance([0, 1], [1, 1]) - expected) < 1e-15);
    const rng = new Rng(8);
    for (let t = 0; t < 100; t++) {
      const x = Array.from({ length: 10 }, () => rng.uniform() ** 8);
      const y = Array.from({ length: 10 }, () => rng.uniform());
      assert.ok(jensenShannonDistance(x, y) <= Math.sqrt(Math.LN2));
    }
  });

  test('a Gaussian layer is close to its shuffle, a low-rank-plus-noise layer is not', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const g = generateEnsemble('ginibre', 120, 200, 1, 4)[0];
    const s = generateEnsemble('low-rank', 120, 200, 1, 4, { rank: 3, strength: 6 })[0];
    const dg = randomBaseline(g.re, 120, 200, engine.singularValues(g.re, 120, 200), engine, 0);
    const ds = randomBaseline(s.re, 120, 200, engine.singularValues(s.re, 120, 200), engine, 0);
    assert.equal(dg.replicas.length, 1);
    assert.ok(ds.jsDistance > 5 * dg.jsDistance, `${ds.jsDistance} vs ${dg.jsDistance}`);
    // Small layers average 5 replicas.
    const small = generateEnsemble('ginibre', 60, 80, 1, 5)[0];
    assert.equal(
      randomBaseline(small.re, 60, 80, engine.singularValues(small.re, 60, 80), engine, 0).replicas.length,
      5,
    );
  });
});

describe('checkpoint comparison (RMT.md §8)', () => {
  test('identical, perturbed and independent layers', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const rows = 80;
    const cols = 120;
    const w0 = generateEnsemble('low-rank', rows, cols, 1, 6, { rank: 5, strength: 5 })[0].re;
    const same = compareLayers(w0, w0, rows, cols, engine, 5);
    assert.equal(same.relativeChange, 0);
    assert.ok(Math.abs(same.leftOverlap - 1) < 1e-9 && Math.abs(same.rightOverlap - 1) < 1e-9);
    const noise = new Rng(7).normals(rows * cols, 0.01);
    const perturbed = compareLayers(
      w0.map((x, i) => x + noise[i]),
      w0,
      rows,
      cols,
      engine,
      5,
    );
    // ‖noise‖_F² ≈ 1e-4·NM and ‖W₀‖²_F ≈ NM + r·θ²M, each with relative s.e. ≈ √(2/NM): ratio within 4 s.e.
    const expected = 0.01 / Math.sqrt(1 + (5 * 25) / rows);
    assert.ok(Math.abs(perturbed.relativeChange - expected) < 4 * expected * Math.sqrt(1 / (rows * cols)));
    assert.ok(perturbed.leftOverlap > 0.99);
    // Independent layers: the overlap of random k-dimensional subspaces of R^N has mean k/N.
    const overlaps: number[] = [];
    for (let r = 0; r < 20; r++) {
      const a = generateEnsemble('ginibre', rows, cols, 2, 100 + r);
      overlaps.push(compareLayers(a[0].re, a[1].re, rows, cols, engine, 5).leftOverlap);
    }
    const se = std(overlaps) / Math.sqrt(overlaps.length);
    assert.ok(Math.abs(mean(overlaps) - 5 / rows) < 4 * se, `overlap ${mean(overlaps)} ± ${se}`);
  });
});
