import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import {
  bbpLocation,
  bbpStrength,
  fitMarchenkoPastur,
  mpLambdaCdf,
  mpLambdaDensity,
  mpLambdaQuantile,
  mpMedian,
  mpNuCdf,
  mpNuDensity,
  mpNuEdges,
  twThreshold,
} from '../../../src/rmt/marchenkoPastur';
import { simpson } from '../../../src/rmt/special';
import { gaussianSingularValues } from '../../../src/rmt/tridiagonalModels';
import { mean, std } from './helpers';

describe('Marchenko–Pastur law (RMT.md §2)', () => {
  test('densities integrate to 1 and the CDF is their integral', () => {
    for (const q of [0.1, 0.5, 1]) {
      const sigma = 0.7;
      const m = 300;
      const { minus, plus } = mpNuEdges(q, sigma, m);
      // ν density: substitute ν = ν₋ + (ν₊−ν₋)(1−cos φ)/2 to remove the edge singularities.
      const w = plus - minus;
      const total = simpson(
        (phi) => mpNuDensity(minus + (w * (1 - Math.cos(phi))) / 2, q, sigma, m) * (w / 2) * Math.sin(phi),
        0,
        Math.PI,
        2000,
      );
      assert.ok(Math.abs(total - 1) < 1e-6, `∫P(ν) = ${total} at q = ${q}`);
      assert.ok(Math.abs(mpNuCdf(plus * 0.999999, q, sigma, m) - 1) < 1e-5);
      // dF/dλ = ρ(λ) inside the bulk.
      const lam = 0.5 * (mpLambdaQuantile(0.3, q, sigma) + mpLambdaQuantile(0.7, q, sigma));
      const h = 1e-5 * lam;
      const derivative = (mpLambdaCdf(lam + h, q, sigma) - mpLambdaCdf(lam - h, q, sigma)) / (2 * h);
      assert.ok(Math.abs(derivative / mpLambdaDensity(lam, q, sigma) - 1) < 1e-6, `F' = ρ at q = ${q}`);
    }
  });

  test('q = 1 gives the quarter circle √(4σ̃²−ν²)/(πσ̃²)', () => {
    const sigma = 0.3;
    const m = 100;
    const st = sigma * Math.sqrt(m);
    for (const nu of [0.1, 1, 2.5, 5.9]) {
      const quarter = Math.sqrt(4 * st * st - nu * nu) / (Math.PI * st * st);
      assert.ok(Math.abs(mpNuDensity(nu, 1, sigma, m) / quarter - 1) < 1e-12);
    }
  });

  test('median and quantiles invert the CDF', () => {
    for (const q of [0.05, 0.25, 0.5, 1]) {
      const med = mpMedian(q);
      assert.ok(Math.abs(mpLambdaCdf(med, q, 1) - 0.5) < 1e-10, `m_q at q = ${q}`);
    }
    // q = 1 in closed form: λ = 4 sin²θ gives F = (2/π)(θ + sin 2θ / 2).
    for (const theta of [0.01, 0.3, 0.7, 1.2, 1.55]) {
      const exact = (2 / Math.PI) * (theta + Math.sin(2 * theta) / 2);
      assert.ok(Math.abs(mpLambdaCdf(4 * Math.sin(theta) ** 2, 1, 1) - exact) < 1e-10, `F at θ = ${theta}`);
    }
    // Near q = 1 (λ₋ tiny) against a fine Simpson rule on the plain density in ν = √λ.
    const q = 0.98;
    const fine = simpson(
      (x) => 2 * x * mpLambdaDensity(x * x, q, 1),
      (1 - Math.sqrt(q)) * 1.0000001,
      1,
      200000,
    );
    assert.ok(
      Math.abs(mpLambdaCdf(1, q, 1) - fine) < 1e-7,
      `F(1) at q = 0.98: ${mpLambdaCdf(1, q, 1)} vs ${fine}`,
    );
  });

  test('Example 500×1000, σ = 0.05: edge 2.6992, TW 95 % 2.7087, 99 % 2.7198', () => {
    assert.ok(Math.abs(mpNuEdges(0.5, 0.05, 1000).plus - 2.6992) < 5e-5);
    assert.ok(Math.abs(twThreshold(500, 1000, 0.05, 0.95) - 2.7087) < 5e-5);
    assert.ok(Math.abs(twThreshold(500, 1000, 0.05, 0.99) - 2.7198) < 5e-5);
    assert.ok(twThreshold(500, 1000, 0.05, 0.9) < twThreshold(500, 1000, 0.05, 0.95));
  });

  test('BBP location and strength are inverse; weak spikes stay in the bulk', () => {
    const q = 0.5;
    for (const theta of [0.9, 1.3, 2, 5]) {
      const nu = bbpLocation(theta, q, 1.7);
      assert.ok(Math.abs(bbpStrength(nu, q, 1.7) / theta - 1) < 1e-12);
    }
    assert.equal(bbpLocation(0.5, q, 1), 1 + Math.sqrt(q));
    assert.ok(Number.isNaN(bbpStrength(1.5, q, 1)));
  });

  test('TW₁ thresholds: exceedance rate of the top singular value of Gaussian matrices ≈ 1 − level', () => {
    // 4000 matrices 100×200 (bidiagonal model, exact in distribution); σ known = 1.
    const rng = new Rng(11);
    const replicas = 4000;
    const tops = new Float64Array(replicas);
    for (let r = 0; r < replicas; r++) tops[r] = gaussianSingularValues(rng, 100, 200)[0];
    for (const level of [0.9, 0.95, 0.99]) {
      const threshold = twThreshold(100, 200, 1, level);
      const rate = tops.filter((t) => t > threshold).length / replicas;
      const p = 1 - level;
      const se = Math.sqrt((p * (1 - p)) / replicas);
      assert.ok(Math.abs(rate - p) < 4 * se, `level ${level}: rate ${rate}, expected ${p} ± ${se}`);
    }
  });
});

describe('robust σ fit (RMT.md §2)', () => {
  test('Check: Gaussian 500×1000, σ = 0.05, plus 5 spikes → σ̂ in 0.0498–0.0501, 5 outliers, θ recovered', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const rows = 500;
    const cols = 1000;
    const sigma = 0.05;
    const rng = new Rng(2024);
    const w = rng.normals(rows * cols, sigma);
    const thetas = [6, 5, 4, 3, 2];
    const sigmaTilde = sigma * Math.sqrt(cols);
    for (const theta of thetas) {
      const u = unit(rng.normals(rows));
      const v = unit(rng.normals(cols));
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) w[i * cols + j] += theta * sigmaTilde * u[i] * v[j];
    }
    const nu = engine.singularValues(w, rows, cols);
    const fit = fitMarchenkoPastur(nu, cols, 0.95);
    assert.ok(fit.sigma >= 0.0498 && fit.sigma <= 0.0501, `σ̂ = ${fit.sigma}`);
    assert.equal(fit.outliers, 5);
    // Outlier positions fluctuate by O(σ̃/√N) around the BBP location: θ within 5 %.
    thetas.forEach((theta, i) => {
      const estimate = bbpStrength(nu[i], rows / cols, fit.sigma * Math.sqrt(cols));
      assert.ok(Math.abs(estimate / theta - 1) < 0.05, `θ ${theta} → ${estimate}`);
    });
  });

  test('median matching is unbiased on pure noise (mean over replicas within 4 s.e.)', () => {
    const rng = new Rng(5);
    const estimates: number[] = [];
    const fits: number[] = [];
    for (let r = 0; r < 200; r++) {
      const nu = gaussianSingularValues(rng, 200, 600, 2);
      const fit = fitMarchenkoPastur(nu, 600, 0.95);
      estimates.push(fit.sigmaMedian);
      fits.push(fit.sigma);
    }
    for (const values of [estimates, fits]) {
      const se = std(values) / Math.sqrt(values.length);
      assert.ok(Math.abs(mean(values) - 2) < 4 * se, `mean σ̂ ${mean(values)} ± ${se}`);
    }
  });
});

function unit(v: Float64Array): Float64Array {
  let s = 0;
  for (const x of v) s += x * x;
  const norm = Math.sqrt(s);
  return v.map((x) => x / norm);
}
