import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { generateEnsemble, ENSEMBLE_TYPES, type EnsembleMatrix } from '../../../src/rmt/ensembles';
import { symmetricEigenvalues } from '../../../src/rmt/tridiagonalModels';
import { createEngine } from '../../../src/linalg';
import { bbpLocation } from '../../../src/rmt/marchenkoPastur';
import { crc32, encodeEnsemble, ensembleMetadata } from '../../../src/engine/ensembleFile';
import { mean, std } from './helpers';

/** (A·B) for complex row-major matrices. */
function product(
  a: EnsembleMatrix,
  b: EnsembleMatrix,
  conjugateTransposeA = false,
): { re: Float64Array; im: Float64Array } {
  const n = a.rows;
  const re = new Float64Array(n * n);
  const im = new Float64Array(n * n);
  const ai = a.im ?? new Float64Array(n * n);
  const bi = b.im ?? new Float64Array(n * n);
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      let sr = 0;
      let si = 0;
      for (let k = 0; k < n; k++) {
        const xr = conjugateTransposeA ? a.re[k * n + i] : a.re[i * n + k];
        const xi = conjugateTransposeA ? -ai[k * n + i] : ai[i * n + k];
        sr += xr * b.re[k * n + j] - xi * bi[k * n + j];
        si += xr * bi[k * n + j] + xi * b.re[k * n + j];
      }
      re[i * n + j] = sr;
      im[i * n + j] = si;
    }
  return { re, im };
}

function assertUnitary(u: EnsembleMatrix): void {
  const p = product(u, u, true);
  const n = u.rows;
  for (let i = 0; i < n; i++)
    for (let j = 0; j < n; j++) {
      assert.ok(Math.abs(p.re[i * n + j] - (i === j ? 1 : 0)) < 1e-12);
      assert.ok(Math.abs(p.im[i * n + j]) < 1e-12);
    }
}

function traceSquaredModulus(u: EnsembleMatrix, power: number): number {
  let m: { re: Float64Array; im: Float64Array } = { re: u.re, im: u.im! };
  for (let p = 1; p < power; p++) m = product({ rows: u.rows, cols: u.cols, ...m }, u);
  let re = 0;
  let im = 0;
  for (let i = 0; i < u.rows; i++) {
    re += m.re[i * u.rows + i];
    im += m.im[i * u.rows + i];
  }
  return re * re + im * im;
}

describe('ensembles (RMT.md §11)', () => {
  test('same seed, same matrices; different seeds differ', () => {
    for (const type of ENSEMBLE_TYPES) {
      const a = generateEnsemble(type, 6, 9, 2, 42);
      const b = generateEnsemble(type, 6, 9, 2, 42);
      assert.deepEqual(a, b, type);
      assert.notDeepEqual(generateEnsemble(type, 6, 9, 2, 43), a, type);
    }
    assert.throws(() => generateEnsemble('goe', 0, undefined, 1, 1));
    assert.throws(() => generateEnsemble('nope' as never, 3, undefined, 1, 1));
  });

  test('GOE: symmetric, off-diagonal variance 1/N, diagonal 2/N, spectrum inside [−2, 2]', () => {
    const n = 200;
    const [h] = generateEnsemble('goe', n, undefined, 1, 1);
    const off: number[] = [];
    const diag: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        assert.equal(h.re[i * n + j], h.re[j * n + i]);
        if (i < j) off.push(h.re[i * n + j]);
        if (i === j) diag.push(h.re[i * n + j]);
      }
    const varOff = mean(off.map((x) => x * x));
    assert.ok(Math.abs(varOff * n - 1) < 4 * Math.sqrt(2 / off.length));
    assert.ok(Math.abs(mean(diag.map((x) => x * x)) * n - 2) < 4 * 2 * Math.sqrt(2 / n));
    const eigen = symmetricEigenvalues(h.re, n);
    // Edge fluctuations are O(N^{-2/3}) ≈ 0.03.
    assert.ok(eigen[0] > -2.15 && eigen[n - 1] < 2.15);
    assert.ok(Math.abs(mean(eigen.map((x) => x * x)) - 1) < 0.05);
  });

  test('GUE: Hermitian with E|Hᵢⱼ|² = 1/N', () => {
    const n = 100;
    const [h] = generateEnsemble('gue', n, undefined, 1, 2);
    const moduli: number[] = [];
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) {
        assert.ok(Math.abs(h.re[i * n + j] - h.re[j * n + i]) < 1e-15);
        assert.ok(Math.abs(h.im![i * n + j] + h.im![j * n + i]) < 1e-15);
        if (i < j) moduli.push(h.re[i * n + j] ** 2 + h.im![i * n + j] ** 2);
      }
    assert.ok(Math.abs(mean(moduli) * n - 1) < (4 * std(moduli) * n) / Math.sqrt(moduli.length));
  });

  test('Wishart: symmetric positive semi-definite with mean eigenvalue σ²', () => {
    const [c] = generateEnsemble('wishart', 50, 150, 1, 3, { sigma: 2 });
    assert.equal(c.rows, 50);
    const eigen = symmetricEigenvalues(c.re, 50);
    assert.ok(eigen[0] > 0);
    // Trace/N averages 50·150 squared entries of variance 4: relative s.e. √(2/7500).
    assert.ok(Math.abs(mean(eigen) / 4 - 1) < 4 * Math.sqrt(2 / 7500));
  });

  test('Ginibre and heavy-tailed entries', () => {
    const [g] = generateEnsemble('ginibre', 100, 300, 1, 4, { sigma: 0.5 });
    assert.ok(Math.abs(std(g.re) - 0.5) < 4 * 0.5 * Math.sqrt(0.5 / g.re.length));
    const [p] = generateEnsemble('heavy-tailed', 200, 200, 1, 5, { tail: 'pareto', tailIndex: 2 });
    // P(|x| > t) = t^{−2}: fraction beyond 3 is 1/9.
    const beyond = p.re.filter((x) => Math.abs(x) > 3).length / p.re.length;
    assert.ok(Math.abs(beyond - 1 / 9) < 4 * Math.sqrt(((1 / 9) * (8 / 9)) / p.re.length));
    assert.ok(p.re.every((x) => Math.abs(x) >= 1));
  });

  test('low-rank-plus-noise: spikes at their BBP locations', async () => {
    const engine = await createEngine({ prefer: 'js' });
    const n = 300;
    const m = 600;
    const [w] = generateEnsemble('low-rank', n, m, 1, 6, { rank: 2, strength: 3 });
    const nu = engine.singularValues(w.re, n, m);
    const expected = bbpLocation(3, n / m, Math.sqrt(m));
    // Outlier fluctuations are O(σ̃/√N) ≈ 0.06·σ̃.
    for (const v of [nu[0], nu[1]]) assert.ok(Math.abs(v / expected - 1) < 0.03, `${v} vs ${expected}`);
    assert.ok(nu[2] < Math.sqrt(m) * (1 + Math.sqrt(n / m)) * 1.05);
  });

  test('CUE: unitary and Haar: E|Tr U|² = 1, E|Tr U²|² = 2 (Diaconis–Shahshahani) within 4 s.e.', () => {
    const n = 8;
    const matrices = generateEnsemble('cue', n, undefined, 3000, 7);
    assertUnitary(matrices[0]);
    for (const power of [1, 2]) {
      const values = matrices.map((u) => traceSquaredModulus(u, power));
      const se = std(values) / Math.sqrt(values.length);
      assert.ok(Math.abs(mean(values) - power) < 4 * se, `E|Tr U^${power}|² = ${mean(values)} ± ${se}`);
    }
  });

  test('COE: symmetric unitary; CSE: self-dual unitary of size 2N', () => {
    const [coe] = generateEnsemble('coe', 6, undefined, 1, 8);
    assertUnitary(coe);
    for (let i = 0; i < 6; i++)
      for (let j = 0; j < 6; j++) {
        assert.ok(Math.abs(coe.re[i * 6 + j] - coe.re[j * 6 + i]) < 1e-12);
        assert.ok(Math.abs(coe.im![i * 6 + j] - coe.im![j * 6 + i]) < 1e-12);
      }
    const [cse] = generateEnsemble('cse', 4, undefined, 1, 9);
    assert.equal(cse.rows, 8);
    assertUnitary(cse);
    // Self-dual: U = J·Uᵀ·Jᵀ with J = ⊕[[0, 1], [−1, 0]].
    const size = 8;
    for (let i = 0; i < size; i++)
      for (let j = 0; j < size; j++) {
        const sign = (i % 2 === 0 ? 1 : -1) * (j % 2 === 0 ? 1 : -1);
        const dualRe = sign * cse.re[(j ^ 1) * size + (i ^ 1)];
        const dualIm = sign * cse.im![(j ^ 1) * size + (i ^ 1)];
        assert.ok(
          Math.abs(dualRe - cse.re[i * size + j]) < 1e-12 && Math.abs(dualIm - cse.im![i * size + j]) < 1e-12,
        );
      }
  });

  test('MME: sizes max(2, binomial(N, p)) with mean ≈ N·p', () => {
    const matrices = generateEnsemble('mme', 40, undefined, 400, 10, { mixture: 0.3 });
    const sizes = matrices.map((m) => m.rows);
    assert.ok(sizes.every((s) => s >= 2 && s <= 40));
    assert.ok(Math.abs(mean(sizes) - 12) < 4 * Math.sqrt((40 * 0.3 * 0.7) / 400));
    assert.ok(matrices.every((m) => m.rows === m.cols && m.im === undefined));
  });
});

describe('ensemble files', () => {
  const matrices = generateEnsemble('ginibre', 3, 4, 2, 1);

  test('.npy: header and [K, N, M] layout, [N, M] for one matrix', () => {
    const bytes = encodeEnsemble(matrices, 'npy');
    const header = Buffer.from(
      bytes.subarray(10, 10 + new DataView(bytes.buffer).getUint16(8, true)),
    ).toString('latin1');
    assert.match(header, /'descr': '<f8', 'fortran_order': False, 'shape': \(2, 3, 4\)/);
    assert.equal((10 + header.length) % 64, 0);
    const data = new DataView(bytes.buffer, 10 + header.length);
    assert.equal(data.getFloat64(8 * 13, true), matrices[1].re[1]);
    const one = Buffer.from(encodeEnsemble(matrices.slice(0, 1), 'npy')).toString('latin1');
    assert.match(one, /'shape': \(3, 4\)/);
    const complex = Buffer.from(encodeEnsemble(generateEnsemble('cue', 2, undefined, 1, 1), 'npy')).toString(
      'latin1',
    );
    assert.match(complex, /'descr': '<c16'/);
    assert.throws(
      () => encodeEnsemble(generateEnsemble('mme', 30, undefined, 4, 2), 'npy'),
      /different sizes/,
    );
  });

  test('.safetensors: header, offsets, metadata, real/imag for complex', () => {
    const bytes = encodeEnsemble(matrices, 'safetensors', ensembleMetadata('ginibre', 3, 4, 2, 1));
    const view = new DataView(bytes.buffer);
    const length = Number(view.getBigUint64(0, true));
    assert.equal((8 + length) % 8, 0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + length)).toString('utf8'));
    assert.deepEqual(header.ensemble, { dtype: 'F64', shape: [2, 3, 4], data_offsets: [0, 192] });
    assert.equal(header.__metadata__.seed, '1');
    assert.equal(view.getFloat64(8 + length + 8 * 12, true), matrices[1].re[0]);
    const complex = encodeEnsemble(generateEnsemble('gue', 2, undefined, 1, 1), 'safetensors');
    const h = JSON.parse(
      Buffer.from(
        complex.subarray(8, 8 + Number(new DataView(complex.buffer).getBigUint64(0, true))),
      ).toString(),
    );
    assert.deepEqual(Object.keys(h), ['ensemble.real', 'ensemble.imag']);
  });

  test('.npz: stored zip entries with correct CRC-32', () => {
    assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
    const bytes = encodeEnsemble(generateEnsemble('mme', 30, undefined, 3, 2), 'npz');
    const view = new DataView(bytes.buffer);
    assert.equal(view.getUint32(0, true), 0x04034b50);
    const nameLength = view.getUint16(26, true);
    assert.equal(Buffer.from(bytes.subarray(30, 30 + nameLength)).toString(), 'matrix_000.npy');
    const size = view.getUint32(18, true);
    assert.equal(view.getUint32(14, true), crc32(bytes.subarray(30 + nameLength, 30 + nameLength + size)));
    const end = bytes.length - 22;
    assert.equal(view.getUint32(end, true), 0x06054b50);
    assert.equal(view.getUint16(end + 10, true), 3);
  });
});

describe('ensemble files read back by numpy (/usr/bin/python3)', () => {
  test('npy, npz and safetensors give the same numbers', async () => {
    const { execFileSync } = await import('node:child_process');
    const { mkdtempSync, writeFileSync } = await import('node:fs');
    const os = await import('node:os');
    const path = await import('node:path');
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rmt-ensemble-'));
    const real = generateEnsemble('ginibre', 3, 5, 2, 11);
    const complex = generateEnsemble('cue', 3, undefined, 2, 12);
    writeFileSync(path.join(dir, 'r.npy'), encodeEnsemble(real, 'npy'));
    writeFileSync(path.join(dir, 'c.npz'), encodeEnsemble(complex, 'npz'));
    writeFileSync(path.join(dir, 'r.safetensors'), encodeEnsemble(real, 'safetensors', { seed: '11' }));
    const script = `
import json, struct, sys, numpy as np
d = sys.argv[1]
r = np.load(d + '/r.npy')
c = np.load(d + '/c.npz')['ensemble']
b = open(d + '/r.safetensors', 'rb').read()
n = struct.unpack('<Q', b[:8])[0]
h = json.loads(b[8:8 + n])
s = np.frombuffer(b[8 + n:], dtype='<f8').reshape(h['ensemble']['shape'])
print(json.dumps({'r': r.tolist(), 'shape': list(r.shape), 'cre': c.real.tolist(), 'cim': c.imag.tolist(), 's': s.tolist()}))
`;
    const out = JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, dir], { encoding: 'utf8' }));
    assert.deepEqual(out.shape, [2, 3, 5]);
    assert.deepEqual(out.r.flat(2), [...real[0].re, ...real[1].re]);
    assert.deepEqual(out.s.flat(2), [...real[0].re, ...real[1].re]);
    assert.deepEqual(out.cre.flat(2), [...complex[0].re, ...complex[1].re]);
    assert.deepEqual(out.cim.flat(2), [...complex[0].im!, ...complex[1].im!]);
  });
});
