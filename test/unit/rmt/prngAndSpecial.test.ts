import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../paths';
import { Rng } from '../../../src/rmt/prng';
import { erf, erfc, fastNormalCdf, normalCdf, sineCosineIntegrals, logGamma } from '../../../src/rmt/special';
import { airyAi, tw1Cdf, tw1QuantileExact } from '../../../src/rmt/tracyWidom';
import { TW1_QUANTILES } from '../../../src/rmt/marchenkoPastur';
import { mean, std } from './helpers';

interface Reference {
  prng: Record<string, { words: number[]; uniforms: number[]; normals: number[] }>;
  erf: { x: number; erf: number; erfc: number }[];
  siCi: { x: number; si: number; ci: number }[];
}
const reference = JSON.parse(
  readFileSync(path.join(repoRoot, 'test/unit/rmt/reference/reference.json'), 'utf8'),
) as Reference;

describe('PRNG (xoshiro128** seeded by SplitMix64), against an independent Python transcription', () => {
  for (const [seed, expected] of Object.entries(reference.prng)) {
    test(`seed ${seed}`, () => {
      let g = new Rng(Number(seed));
      assert.deepEqual(
        expected.words.map(() => g.nextUint32()),
        expected.words,
      );
      g = new Rng(Number(seed));
      expected.uniforms.forEach((u) => assert.equal(g.uniform(), u));
      g = new Rng(Number(seed));
      expected.normals.forEach((z) =>
        assert.ok(Math.abs(g.normal() - z) <= 1e-15 * Math.max(1, Math.abs(z))),
      );
    });
  }

  test('moments of normals, gamma, chi and Student-t within 4 s.e.', () => {
    const g = new Rng(123);
    const n = 100000;
    const z = g.normals(n);
    assert.ok(Math.abs(mean(z)) < 4 / Math.sqrt(n));
    assert.ok(Math.abs(std(z) - 1) < 4 * Math.sqrt(0.5 / n));
    for (const shape of [0.5, 2.5]) {
      const x = Float64Array.from({ length: n }, () => g.gamma(shape));
      assert.ok(
        Math.abs(mean(x) - shape) < (4 * Math.sqrt(shape)) / Math.sqrt(n),
        `gamma(${shape}) mean ${mean(x)}`,
      );
    }
    const chi2 = Float64Array.from({ length: n }, () => g.chi(7) ** 2);
    assert.ok(Math.abs(mean(chi2) - 7) < (4 * Math.sqrt(14)) / Math.sqrt(n));
    // Student-t(5): variance ν/(ν−2) = 5/3; fourth moment finite for ν > 4, s.e. from the sample.
    const t2 = Float64Array.from({ length: n }, () => g.studentT(5) ** 2);
    assert.ok(Math.abs(mean(t2) - 5 / 3) < (4 * std(t2)) / Math.sqrt(n));
  });

  test('integer() is unbiased and shuffle is a permutation', () => {
    const g = new Rng(9);
    const counts = new Array(7).fill(0);
    const n = 70000;
    for (let i = 0; i < n; i++) counts[g.integer(7)]++;
    for (const c of counts) assert.ok(Math.abs(c - n / 7) < 4 * Math.sqrt((n * (1 / 7) * 6) / 7));
    const a = Float64Array.from({ length: 50 }, (_, i) => i);
    const s = g.shuffle(Float64Array.from(a));
    assert.deepEqual(
      Array.from(s).sort((x, y) => x - y),
      Array.from(a),
    );
    assert.notDeepEqual(Array.from(s), Array.from(a));
  });

  // integer() takes w mod n without the % operator (slow on doubles in V8): the same values as
  // w % n on the same words, for small, large and power-of-two bounds.
  test('integer(n) is the word mod n after the bias rejection, as with %', () => {
    const bounds = [1, 2, 3, 7, 1000, 65536, 2 ** 31 - 1, 2 ** 31, 2 ** 31 + 1, 3e9, 2 ** 32 - 1, 2 ** 32];
    const random = new Rng(3);
    for (let i = 0; i < 2000; i++) bounds.push(1 + Math.floor(random.uniform() * 2 ** 32));
    const g = new Rng(11);
    const words = new Rng(11);
    for (const n of bounds)
      for (let k = 0; k < 50; k++) {
        const limit = 2 ** 32 - (2 ** 32 % n);
        let w = words.nextUint32();
        while (w >= limit) w = words.nextUint32();
        assert.equal(g.integer(n), w % n, `n ${n}`);
      }
  });

  test('rejects bad seeds', () => {
    assert.throws(() => new Rng(-1));
    assert.throws(() => new Rng(1.5));
  });
});

describe('special functions', () => {
  test('erf and erfc against the C library (Python math)', () => {
    for (const r of reference.erf) {
      assert.ok(Math.abs(erf(r.x) - r.erf) <= 2e-15, `erf(${r.x})`);
      // erfc is 1 − erf below 3 (absolute accuracy), a continued fraction above (relative accuracy).
      if (r.x < 3) assert.ok(Math.abs(erfc(r.x) - r.erfc) <= 2e-15, `erfc(${r.x})`);
      else if (r.erfc > 1e-300) assert.ok(Math.abs(erfc(r.x) / r.erfc - 1) <= 1e-13, `erfc(${r.x})`);
    }
    assert.ok(Math.abs(normalCdf(1.959963984540054) - 0.975) < 1e-15);
  });

  test('tabulated Φ = normalCdf within 1e-12 (inside, at and beyond the table), NaN for NaN', () => {
    let worst = 0;
    for (let z = -9.2; z <= 9.2; z += 0.000731)
      worst = Math.max(worst, Math.abs(fastNormalCdf(z) - normalCdf(z)));
    for (const z of [0, -0, 1 / 256, 8.5 - 1e-12, 8.5, -8.5, 40, -40, Infinity, -Infinity])
      worst = Math.max(worst, Math.abs(fastNormalCdf(z) - normalCdf(z)));
    assert.ok(worst <= 1e-12, `max |error| ${worst}`);
    assert.ok(Number.isNaN(fastNormalCdf(NaN)));
  });

  test('Si and Ci against 60-digit power series; ln Γ', () => {
    for (const r of reference.siCi) {
      const { si, ci } = sineCosineIntegrals(r.x);
      assert.ok(Math.abs(si - r.si) < 1e-13, `Si(${r.x}) = ${si}, reference ${r.si}`);
      assert.ok(Math.abs(ci - r.ci) < 1e-13, `Ci(${r.x}) = ${ci}, reference ${r.ci}`);
    }
    assert.ok(Math.abs(logGamma(0.5) - 0.5 * Math.log(Math.PI)) < 1e-13);
    assert.ok(Math.abs(logGamma(10) - Math.log(362880)) < 1e-12);
  });

  test('Airy function at tabulated values', () => {
    // Abramowitz & Stegun table 10.11 (quoted to 15 digits).
    assert.ok(Math.abs(airyAi(0) - 0.355028053887817) < 1e-15);
    assert.ok(Math.abs(airyAi(1) - 0.135292416312881) < 1e-13);
    assert.ok(Math.abs(airyAi(-2) - 0.227407428201528) < 1e-12);
    assert.ok(Math.abs(airyAi(10) / 1.104753255289869e-10 - 1) < 1e-9);
  });

  test('TW₁ quantiles of RMT.md (0.4501, 0.9793, 2.0234) from the Fredholm determinant', () => {
    for (const level of [0.9, 0.95, 0.99]) {
      const exact = tw1QuantileExact(level);
      // RMT.md gives four decimals: agree to half a unit of the last one.
      assert.ok(
        Math.abs(exact - TW1_QUANTILES[level]) <= 5e-5,
        `t_${level}: ${exact} vs ${TW1_QUANTILES[level]}`,
      );
    }
    // TW₁ mean −1.2065 and variance 1.6078 (Tracy & Widom 1996), by quadrature of the CDF.
    const grid = Array.from({ length: 801 }, (_, i) => -8 + i * 0.02);
    const cdf = grid.map(tw1Cdf);
    let m1 = 0;
    let m2 = 0;
    for (let i = 1; i < grid.length; i++) {
      const x = 0.5 * (grid[i] + grid[i - 1]);
      const p = cdf[i] - cdf[i - 1];
      m1 += x * p;
      m2 += x * x * p;
    }
    // Midpoint rule with step 0.02: error ~1e-4.
    assert.ok(Math.abs(m1 - -1.2065) < 3e-4, `mean ${m1}`);
    assert.ok(Math.abs(m2 - m1 * m1 - 1.6078) < 5e-4, `variance ${m2 - m1 * m1}`);
  });
});
