import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { fitMarchenkoPastur } from '../../../src/rmt/marchenkoPastur';
import { bulkLevels, spacingStatistics } from '../../../src/rmt/spacings';
import { NullCache } from '../../../src/rmt/nullCalibration';
import { kolmogorovPValue, monteCarloPValue } from '../../../src/rmt/kolmogorov';
import {
  gaussianSingularValues,
  betaHermiteEigenvalues,
  symmetricEigenvalues,
} from '../../../src/rmt/tridiagonalModels';
import { spacingRatios } from '../../../src/rmt/spacingRatio';
import {
  MEAN_RATIO,
  goeSpacingPdf,
  gueSpacingPdf,
  poissonRatioPdf,
  ratioSurmisePdf,
} from '../../../src/rmt/surmise';
import { unfold, spacingsOf, type UnfoldingMethod } from '../../../src/rmt/unfolding';
import {
  goeDelta3,
  goeSigma2,
  numberVarianceAndRigidity,
  RIGIDITY_LENGTHS,
} from '../../../src/rmt/numberVariance';
import { generateEnsemble } from '../../../src/rmt/ensembles';
import { simpson } from '../../../src/rmt/special';
import { mean, std } from './helpers';

const gaussianUnfolding = { method: 'gaussian' as const, window: 15 };

/** The layer pipeline up to the spacings, on singular values of an n×m matrix. */
function spacingsOfLayer(nu: Float64Array, n: number, m: number, method: UnfoldingMethod = 'gaussian') {
  const fit = fitMarchenkoPastur(nu, m, 0.95);
  const bulk = bulkLevels(nu, fit.outliers);
  return spacingStatistics(bulk, { method, window: 15, mp: { q: n / m, sigma: fit.sigma, m, n } });
}

describe('level spacings (RMT.md §3)', () => {
  test('Check: Gaussian 500×1000 → D ≈ 0.025 vs GOE (p ≈ 0.9), D ≈ 0.21 vs Poisson (p ≈ 1e-17)', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const w = new Rng(500).normals(500 * 1000);
    const stats = spacingsOfLayer(engine.singularValues(w, 500, 1000), 500, 1000);
    const nullDist = new NullCache().spacingNull(500, 1000, {
      twLevel: 0.95,
      unfolding: gaussianUnfolding,
      replicas: 200,
      seed: 0,
    });
    // D fluctuates from matrix to matrix: its null spread gives the tolerance around the quoted value.
    const spread = std(nullDist.ksGoe);
    assert.ok(Math.abs(stats.ksGoe - 0.025) < 3 * spread, `D_GOE = ${stats.ksGoe} (null s.d. ${spread})`);
    const p = monteCarloPValue(stats.ksGoe, nullDist.ksGoe);
    assert.ok(p >= 0.05, `calibrated p = ${p}`);
    // Against Poisson: the spread of D is ~0.015 over replicas (measured below).
    const poissonD: number[] = [];
    const rng = new Rng(501);
    for (let r = 0; r < 20; r++)
      poissonD.push(spacingsOfLayer(gaussianSingularValues(rng, 500, 1000), 500, 1000).ksPoisson);
    assert.ok(Math.abs(stats.ksPoisson - 0.21) < 3 * std(poissonD), `D_Poisson = ${stats.ksPoisson}`);
    assert.ok(Math.abs(mean(poissonD) - 0.21) < 0.005 + (4 * std(poissonD)) / Math.sqrt(poissonD.length));
    const pPoisson = kolmogorovPValue(stats.ksPoisson, stats.spacings.length);
    assert.ok(pPoisson < 1e-12, `Poisson p = ${pPoisson}`);
  });

  test('the calibrated p-value is uniform under the null: P(p < 0.05) = 0.05 within 4 s.e.', () => {
    const cache = new NullCache();
    const options = { twLevel: 0.95, unfolding: gaussianUnfolding, replicas: 200, seed: 1 };
    const nullDist = cache.spacingNull(120, 240, options);
    const rng = new Rng(2);
    const trials = 600;
    let rejected = 0;
    for (let t = 0; t < trials; t++) {
      const stats = spacingsOfLayer(gaussianSingularValues(rng, 120, 240), 120, 240);
      if (monteCarloPValue(stats.ksGoe, nullDist.ksGoe) < 0.05) rejected++;
    }
    const rate = rejected / trials;
    // Binomial s.e. of the rate plus that of the null's 95 % quantile (≈ √(0.05·0.95/200)).
    const se = Math.sqrt((0.05 * 0.95) / trials + (0.05 * 0.95) / 200);
    assert.ok(Math.abs(rate - 0.05) < 4 * se, `rejection rate ${rate} ± ${se}`);
  });

  test('Poisson levels are rejected against the GOE and accepted against Poisson', () => {
    const rng = new Rng(3);
    const levels = Float64Array.from({ length: 600 }, () => rng.uniform()).sort();
    const stats = spacingStatistics(levels, gaussianUnfolding);
    const n = stats.spacings.length;
    assert.ok(kolmogorovPValue(stats.ksGoe, n) < 1e-6, `D_GOE = ${stats.ksGoe}`);
    // Unfolding with a window of 2a = 30 levels slightly regularises Poisson spacings, so use the 1 % level.
    assert.ok(kolmogorovPValue(stats.ksPoisson, n) > 0.01, `D_Poisson = ${stats.ksPoisson}`);
  });

  test('every unfolding gives mean spacing 1 and GOE-like spacings on Gaussian layers', () => {
    const rng = new Rng(4);
    for (const method of ['gaussian', 'polynomial', 'mpCdf'] as const) {
      const means: number[] = [];
      const ds: number[] = [];
      for (let r = 0; r < 20; r++) {
        const stats = spacingsOfLayer(gaussianSingularValues(rng, 300, 600), 300, 600, method);
        means.push(mean(stats.spacings));
        ds.push(stats.ksGoe);
      }
      assert.ok(
        Math.abs(mean(means) - 1) < 0.01 + (4 * std(means)) / Math.sqrt(means.length),
        `${method}: ⟨s⟩ = ${mean(means)}`,
      );
      // Under the GOE the spacings pass a plain Kolmogorov test comfortably (correlated levels make D small).
      assert.ok(mean(ds) < 0.06, `${method}: mean D_GOE = ${mean(ds)}`);
    }
  });

  test('surmise densities are normalised', () => {
    for (const pdf of [goeSpacingPdf, gueSpacingPdf])
      assert.ok(Math.abs(simpson(pdf, 0, 12, 2000) - 1) < 1e-9);
    for (const pdf of [
      (r: number) => ratioSurmisePdf(r, 1),
      (r: number) => ratioSurmisePdf(r, 2),
      poissonRatioPdf,
    ])
      assert.ok(Math.abs(simpson(pdf, 0, 1, 2000) - 1) < 1e-9);
    // Means of r̃: GOE surmise 4 − 2√3, GUE surmise 2√3/π − 1/2, Poisson 2 ln 2 − 1.
    const meanOf = (pdf: (r: number) => number): number => simpson((r) => r * pdf(r), 0, 1, 2000);
    assert.ok(Math.abs(meanOf((r) => ratioSurmisePdf(r, 1)) - MEAN_RATIO.goeSurmise) < 1e-9);
    assert.ok(Math.abs(meanOf((r) => ratioSurmisePdf(r, 2)) - (2 * Math.sqrt(3)) / Math.PI + 0.5) < 1e-9);
    assert.ok(Math.abs(meanOf(poissonRatioPdf) - MEAN_RATIO.poisson) < 1e-9);
  });
});

describe('spacing ratio ⟨r̃⟩ (RMT.md §3)', () => {
  // Each reference is quoted to 4 decimals: tolerance = 4 s.e. of the replica mean + 5e-5.
  function assertMean(values: number[], reference: number, label: string): void {
    const se = std(values) / Math.sqrt(values.length);
    assert.ok(
      Math.abs(mean(values) - reference) < 4 * se + 5e-5,
      `${label}: ${mean(values)} ± ${se}, reference ${reference}`,
    );
  }

  test('Check: real Gaussian 400×800 → ⟨r̃⟩ = 0.530 ± 0.003 (GOE 0.5307)', async () => {
    const rng = new Rng(5);
    const means: number[] = [];
    for (let r = 0; r < 300; r++) {
      const nu = gaussianSingularValues(rng, 400, 800);
      const fit = fitMarchenkoPastur(nu, 800, 0.95);
      means.push(spacingRatios(bulkLevels(nu, fit.outliers)).mean);
    }
    assertMean(means, MEAN_RATIO.goe, 'Wishart bulk');
    // One dense matrix through the engine: within 4 of its own standard errors of the GOE value.
    const engine = await createEngine({ prefer: 'js' });
    const nu = engine.singularValues(rng.normals(400 * 800), 400, 800);
    const r = spacingRatios(bulkLevels(nu, fitMarchenkoPastur(nu, 800, 0.95).outliers));
    assert.ok(Math.abs(r.mean - MEAN_RATIO.goe) < 4 * r.standardError);
    // s.e. ≈ 0.26/√n.
    assert.ok(
      Math.abs(r.standardError * Math.sqrt(r.ratios.length) - 0.26) < 0.03,
      `s.e.·√n = ${r.standardError * Math.sqrt(r.ratios.length)}`,
    );
  });

  test('GOE and GUE matrices (dense, from the ensemble generators) and Poisson levels', () => {
    const goe: number[] = [];
    const gue: number[] = [];
    const poisson: number[] = [];
    for (const [k, matrix] of generateEnsemble('goe', 200, undefined, 60, 6).entries()) {
      goe.push(spacingRatios(symmetricEigenvalues(matrix.re, 200)).mean);
      void k;
    }
    for (const matrix of generateEnsemble('gue', 100, undefined, 60, 7)) {
      // Hermitian A + iB as the real symmetric [[A, −B], [B, A]]: every eigenvalue twice.
      const n = 100;
      const big = new Float64Array(4 * n * n);
      for (let i = 0; i < n; i++)
        for (let j = 0; j < n; j++) {
          const a = matrix.re[i * n + j];
          const b = matrix.im![i * n + j];
          big[i * 2 * n + j] = a;
          big[(i + n) * 2 * n + j + n] = a;
          big[i * 2 * n + j + n] = -b;
          big[(i + n) * 2 * n + j] = b;
        }
      const doubled = symmetricEigenvalues(big, 2 * n);
      gue.push(spacingRatios(Float64Array.from({ length: n }, (_, i) => doubled[2 * i])).mean);
    }
    const rng = new Rng(8);
    for (let r = 0; r < 60; r++)
      poisson.push(spacingRatios(Float64Array.from({ length: 200 }, () => rng.uniform()).sort()).mean);
    assertMean(goe, MEAN_RATIO.goe, 'GOE');
    assertMean(gue, MEAN_RATIO.gue, 'GUE');
    assertMean(poisson, MEAN_RATIO.poisson, 'Poisson');
  });

  test('β-Hermite tridiagonal models give the same ⟨r̃⟩ (β = 1, 2)', () => {
    const rng = new Rng(9);
    for (const [beta, reference] of [
      [1, MEAN_RATIO.goe],
      [2, MEAN_RATIO.gue],
    ] as const) {
      const means = Array.from(
        { length: 200 },
        () => spacingRatios(betaHermiteEigenvalues(rng, 300, beta)).mean,
      );
      assertMean(means, reference, `β = ${beta}`);
    }
  });
});

describe('number variance and rigidity (RMT.md §4)', () => {
  test('GOE formulas reproduce the table of RMT.md', () => {
    const lengths = [0.5, 1, 2, 5, 10, 20];
    const sigma2 = [0.314, 0.446, 0.584, 0.768, 0.909, 1.049];
    const delta3 = [0.032, 0.061, 0.102, 0.174, 0.236, 0.301];
    lengths.forEach((L, i) => {
      // The table has three decimals.
      assert.ok(Math.abs(goeSigma2(L) - sigma2[i]) <= 5e-4 + 1e-9, `Σ²(${L}) = ${goeSigma2(L)}`);
      assert.ok(Math.abs(goeDelta3(L) - delta3[i]) <= 5e-4 + 1e-9, `Δ₃(${L}) = ${goeDelta3(L)}`);
    });
    // Small L: Σ² → L (one level at most in a short window).
    assert.ok(Math.abs(goeSigma2(0.01) - 0.01) < 1e-4);
  });

  test('Poisson levels: Σ²(L) = L and Δ₃(L) = L/15 within 4 s.e.', () => {
    const rng = new Rng(10);
    const lengths = [1, 3, 7];
    const s2: number[][] = lengths.map(() => []);
    const d3: number[][] = lengths.map(() => []);
    for (let r = 0; r < 40; r++) {
      const levels = Float64Array.from({ length: 1000 }, () => rng.uniform() * 1000).sort();
      const res = numberVarianceAndRigidity(levels, lengths, rng, 2000);
      lengths.forEach((_, i) => {
        s2[i].push(res.sigma2[i]);
        d3[i].push(res.delta3[i]);
      });
    }
    lengths.forEach((L, i) => {
      assert.ok(Math.abs(mean(s2[i]) - L) < (4 * std(s2[i])) / Math.sqrt(40), `Σ²(${L}) = ${mean(s2[i])}`);
      assert.ok(
        Math.abs(mean(d3[i]) - L / 15) < (4 * std(d3[i])) / Math.sqrt(40),
        `Δ₃(${L}) = ${mean(d3[i])}`,
      );
    });
  });

  test('unfolded GOE spectra follow the GOE curves for L ≤ a/2 within 4 s.e.', () => {
    const rng = new Rng(11);
    const s2: number[][] = RIGIDITY_LENGTHS.map(() => []);
    const d3: number[][] = RIGIDITY_LENGTHS.map(() => []);
    const replicas = 40;
    for (let r = 0; r < replicas; r++) {
      const eigen = betaHermiteEigenvalues(rng, 400, 1);
      const unfolded = unfold(Float64Array.from(eigen.subarray(40, 360)), gaussianUnfolding);
      assert.ok(Math.abs(mean(spacingsOf(unfolded)) - 1) < 0.05);
      const res = numberVarianceAndRigidity(unfolded, RIGIDITY_LENGTHS, rng, 4000);
      RIGIDITY_LENGTHS.forEach((_, i) => {
        s2[i].push(res.sigma2[i]);
        d3[i].push(res.delta3[i]);
      });
    }
    RIGIDITY_LENGTHS.forEach((L, i) => {
      const se2 = std(s2[i]) / Math.sqrt(replicas);
      const se3 = std(d3[i]) / Math.sqrt(replicas);
      assert.ok(
        Math.abs(mean(s2[i]) - goeSigma2(L)) < 4 * se2,
        `Σ²(${L}) = ${mean(s2[i])} ± ${se2} vs ${goeSigma2(L)}`,
      );
      assert.ok(
        Math.abs(mean(d3[i]) - goeDelta3(L)) < 4 * se3,
        `Δ₃(${L}) = ${mean(d3[i])} ± ${se3} vs ${goeDelta3(L)}`,
      );
    });
  });
});
