import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { Rng } from '../../../src/rmt/prng';
import { createEngine } from '../../../src/linalg';
import { NullCache, porterThomasDistance } from '../../../src/rmt/nullCalibration';
import { ksDistanceSorted } from '../../../src/rmt/kolmogorov';
import { normalCdf } from '../../../src/rmt/special';
import {
  benjaminiHochberg,
  informationBoundary,
  porterThomasIndices,
  porterThomasPValue,
  scaledIpr,
  smoothPValues,
} from '../../../src/rmt/porterThomas';
import { generateEnsemble } from '../../../src/rmt/ensembles';
import { mean, std } from './helpers';

function unitGaussian(rng: Rng, length: number): Float64Array {
  const g = rng.normals(length);
  const norm = Math.hypot(...g);
  return g.map((x) => x / norm);
}

describe('Porter–Thomas (RMT.md §5)', () => {
  const cache = new NullCache();

  // The distance sorts Φ(√L·uᵢ) by buckets (the builtin sort when a bucket is crowded) and takes
  // Φ from a table: the same as the KS definition on the sorted √L·uᵢ with the series Φ.
  test('KS distance = its definition, for random, localised, tied and tiny vectors', () => {
    const rng = new Rng(8);
    const unit = (u: Float64Array) => {
      const norm = Math.hypot(...u);
      return u.map((x) => x / norm);
    };
    const definition = (u: Float64Array) => {
      const x = u.map((v) => v * Math.sqrt(u.length)).sort();
      return ksDistanceSorted(x, normalCdf);
    };
    const vectors = [
      ...[1, 2, 3, 50, 768, 3072].map((l) => unitGaussian(rng, l)),
      unit(Float64Array.from({ length: 500 }, (_, i) => (i % 50 === 0 ? 1 : 1e-9 * Math.sin(i)))),
      unit(Float64Array.from({ length: 400 }, (_, i) => (i % 4) - 1.5)),
    ];
    for (const u of vectors) {
      const d = porterThomasDistance(u);
      assert.ok(Math.abs(d - definition(u)) <= 1e-11, `L ${u.length}: ${d} vs ${definition(u)}`);
    }
  });

  test('null: the 95 % quantile of √L·D is 1.31–1.32 for L = 64 … 1024', () => {
    for (const length of [64, 256, 1024]) {
      const replicas = length === 1024 ? 4000 : 20000;
      const nullDist = cache.porterThomasNull(length, replicas, 3);
      const q = nullDist[Math.floor(0.95 * replicas)];
      // s.e. of a sample quantile: √(p(1−p)/R)/f(q), with the density f estimated from the null itself.
      const h = Math.floor(0.01 * replicas);
      const density =
        (2 * h) /
        replicas /
        (nullDist[Math.floor(0.95 * replicas) + h] - nullDist[Math.floor(0.95 * replicas) - h]);
      const se = Math.sqrt((0.05 * 0.95) / replicas) / density;
      assert.ok(q > 1.31 - 4 * se && q < 1.32 + 4 * se, `L = ${length}: q95 = ${q} ± ${se}`);
    }
  });

  test('Check: ≈ 5 % rejection at 0.05 on random unit vectors and on singular vectors of Gaussian matrices', async () => {
    const rng = new Rng(4);
    const trials = 2000;
    let rejected = 0;
    for (let t = 0; t < trials; t++)
      if (porterThomasPValue(unitGaussian(rng, 200), cache, 2000, 0) < 0.05) rejected++;
    // Binomial s.e. plus the null's own quantile uncertainty (R = 2000).
    const se = Math.sqrt((0.05 * 0.95) / trials + (0.05 * 0.95) / 2000);
    assert.ok(Math.abs(rejected / trials - 0.05) < 4 * se, `rate ${rejected / trials}`);

    const engine = await createEngine({ prefer: 'js' });
    let vectorRejections = 0;
    let vectors = 0;
    for (let r = 0; r < 4; r++) {
      const svd = engine.svd(rng.normals(150 * 250), 150, 250, 'all');
      for (const u of [...svd.left, ...svd.right]) {
        vectors++;
        if (porterThomasPValue(u, cache, 2000, 0) < 0.05) vectorRejections++;
      }
    }
    // Vectors of one matrix are not independent, but nearly so: binomial s.e. with 1600 vectors.
    const seVectors = Math.sqrt((0.05 * 0.95) / vectors + (0.05 * 0.95) / 2000);
    assert.ok(
      Math.abs(vectorRejections / vectors - 0.05) < 4 * seVectors,
      `rate ${vectorRejections / vectors}`,
    );
  });

  test('Check: ~100 % rejection on localised vectors', () => {
    const rng = new Rng(5);
    let rejected = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      // Exponentially localised around a random site, localisation length 10, random signs.
      const length = 300;
      const centre = rng.integer(length);
      const u = Float64Array.from(
        { length },
        (_, i) => (rng.uniform() < 0.5 ? -1 : 1) * Math.exp(-Math.abs(i - centre) / 10),
      );
      const norm = Math.hypot(...u);
      if (
        porterThomasPValue(
          u.map((x) => x / norm),
          cache,
          2000,
          0,
        ) < 0.05
      )
        rejected++;
    }
    assert.ok(rejected / trials > 0.99, `rate ${rejected / trials}`);
  });

  test('L·IPR ≈ 3L/(L+2) for random vectors (within 4 s.e.) and large for localised ones', () => {
    const rng = new Rng(6);
    const values = Array.from({ length: 2000 }, () => scaledIpr(unitGaussian(rng, 100)));
    assert.ok(Math.abs(mean(values) - 300 / 102) < (4 * std(values)) / Math.sqrt(values.length));
    const spike = new Float64Array(100);
    spike[3] = 1;
    assert.equal(scaledIpr(spike), 100);
  });

  test('Benjamini–Hochberg matches its definition', () => {
    const rng = new Rng(7);
    for (let t = 0; t < 200; t++) {
      const m = 1 + rng.integer(40);
      const p = Array.from({ length: m }, () => (rng.uniform() < 0.3 ? rng.uniform() * 0.01 : rng.uniform()));
      const { rejected } = benjaminiHochberg(p, 0.05);
      const sorted = [...p].sort((a, b) => a - b);
      let k = 0;
      for (let i = 0; i < m; i++) if (sorted[i] <= ((i + 1) * 0.05) / m) k = i + 1;
      const expected = p.map((x) => k > 0 && x <= sorted[k - 1]);
      assert.deepEqual(rejected, expected);
    }
  });

  test('null caches survive export and import', () => {
    const copy = new NullCache();
    copy.import(JSON.parse(JSON.stringify(cache.export())));
    assert.deepEqual(copy.porterThomasNull(64, 20000, 3), cache.porterThomasNull(64, 20000, 3));
    const stale = new NullCache();
    stale.import({ ...cache.export(), version: -1 });
    assert.deepEqual(stale.export().pt, []);
  });

  test('smoothing, boundary and which vectors are tested', () => {
    assert.deepEqual(smoothPValues([0, 0, 1, 1], 2), [0, 1 / 3, 2 / 3, 1]);
    assert.equal(informationBoundary([0, 0.01, 0.2, 0.5, 0.4]), 2);
    assert.equal(informationBoundary([0.5, 0.01]), null);
    assert.equal(porterThomasIndices(1024).length, 1024);
    const big = porterThomasIndices(4096);
    assert.ok(big.length >= 200 && big.length <= 220);
    assert.deepEqual(
      big.slice(0, 100),
      Array.from({ length: 100 }, (_, i) => i),
    );
    assert.deepEqual(
      big.slice(-20),
      Array.from({ length: 20 }, (_, i) => 4076 + i),
    );
  });

  test('planted localised top directions: the left ones fail, the right ones pass, the boundary sits at the end of the run', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const rng = new Rng(8);
    const rows = 300;
    const cols = 400;
    const spikes = 40;
    const w = generateEnsemble('ginibre', rows, cols, 1, 8)[0].re;
    // 40 strong spikes whose left vectors live on 5 rows each.
    for (let s = 0; s < spikes; s++) {
      const v = unitGaussian(rng, cols);
      const strength = (6 + 0.1 * s) * Math.sqrt(cols / 5);
      for (let i = 5 * s; i < 5 * s + 5; i++)
        for (let j = 0; j < cols; j++) w[i * cols + j] += strength * v[j];
    }
    const svd = engine.svd(w, rows, cols, 'all');
    const p = svd.left.map((u) => porterThomasPValue(u, cache, 2000, 0));
    const { rejected } = benjaminiHochberg(p, 0.05);
    assert.ok(rejected.slice(0, spikes).every(Boolean), 'every planted direction fails');
    // The right vectors of the spikes are random directions: MP outliers that pass PT (RMT.md §5).
    const pRight = svd.right.map((v) => porterThomasPValue(v, cache, 2000, 0));
    const rightRejected = benjaminiHochberg(pRight, 0.05).rejected.filter(Boolean).length;
    assert.ok(rightRejected <= 3, `${rightRejected} right vectors rejected`);
  });

  test('information/noise boundary after a run of 40 localised vectors followed by 260 random ones', () => {
    const rng = new Rng(9);
    const length = 300;
    const vectors: Float64Array[] = [];
    for (let s = 0; s < 40; s++) {
      const u = new Float64Array(length);
      for (let i = 0; i < 8; i++) u[rng.integer(length)] = rng.normal();
      const norm = Math.hypot(...u);
      vectors.push(u.map((x) => x / norm));
    }
    for (let s = 0; s < 260; s++) vectors.push(unitGaussian(rng, length));
    const p = vectors.map((u) => porterThomasPValue(u, cache, 2000, 0));
    // The centred window of 30 reaches 15 indices ahead: p̄ recovers about half a window before the run ends.
    const boundary = informationBoundary(smoothPValues(p, 30));
    assert.ok(boundary !== null && boundary >= 40 - 16 && boundary <= 40, `boundary ${boundary}`);
  });
});
