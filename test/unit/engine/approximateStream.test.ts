// The approximation streamed from a float16 matrix held in its file's dtype (issue 6), and the size
// policy that sends an embedding-sized matrix there.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { analyzeLayer } from '../../../src/engine/analyzeLayer';
import { DEFAULT_SETTINGS } from '../../../src/engine/report';
import { approximationReason, EXACT_MAX_BYTES, layerMemory } from '../../../src/engine/sizePolicy';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers, type LayerMatrix } from '../../../src/layers';
import { compactRows } from '../../../src/layers/rows';
import { approximateSpectrum, createEngine } from '../../../src/linalg';
import { NullCache } from '../../../src/rmt/nullCalibration';
import { Rng } from '../../../src/rmt/prng';

/** float32 → float16 bits (round to nearest even is not needed here: truncation is a valid float16). */
function toHalfBits(x: number): number {
  const f = new Float32Array([x]);
  const bits = new Uint32Array(f.buffer)[0];
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (exponent <= 0) return sign;
  return sign | (exponent << 10) | ((bits & 0x7fffff) >>> 13);
}

/** A float16 safetensors file with a rows×cols Gaussian matrix (σ = 0.05) plus two spikes. */
function writeHalfMatrix(file: string, name: string, rows: number, cols: number, seed: number): void {
  const rng = new Rng(seed);
  const w = rng.normals(rows * cols, 0.05);
  for (let s = 0; s < 2; s++) {
    const u = rng.normals(rows, 1 / Math.sqrt(rows));
    const v = rng.normals(cols, 1 / Math.sqrt(cols));
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * cols + j] += (3 - s) * u[i] * v[j];
  }
  const bytes = new Uint8Array(2 * rows * cols);
  for (let i = 0; i < w.length; i++) {
    const h = toHalfBits(w[i]);
    bytes[2 * i] = h & 0xff;
    bytes[2 * i + 1] = h >> 8;
  }
  const json = Buffer.from(
    JSON.stringify({ [name]: { dtype: 'F16', shape: [rows, cols], data_offsets: [0, bytes.length] } }),
  );
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  writeFileSync(file, Buffer.concat([size, json, Buffer.from(bytes)]));
}

const dir = mkdtempSync(path.join(tmpdir(), 'rmt-stream-'));

async function halfMatrix(rows: number, cols: number): Promise<LayerMatrix> {
  const file = path.join(dir, `w${rows}x${cols}.safetensors`);
  writeHalfMatrix(file, 'w', rows, cols, rows + cols);
  return planLayers(await openWeightFile(file), { conv: 'im2col' }).matrices[0];
}

describe('approximation streamed from float16', () => {
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const [rows, cols] of [
    [300, 120],
    [120, 300],
  ]) {
    test(`${rows}×${cols}: the same spectrum from float16 blocks as from the float64 matrix`, async () => {
      const m = await halfMatrix(rows, cols);
      const whole = await m.read();
      const options = { k: 10, steps: 60, probes: 4, probeSteps: 30, seed: 9 };
      const inMemory = approximateSpectrum(whole, rows, cols, options);
      // Stored chunks of 7 rows: blocks of the products straddle them.
      const at = {
        file: await openWeightFile(path.join(dir, `w${rows}x${cols}.safetensors`)),
        tensor: 'w',
        rows,
        cols,
      };
      const streamed = approximateSpectrum(
        (await compactRows(at, 'F16', 7 * cols * 2))!,
        rows,
        cols,
        options,
      );
      assert.deepEqual(streamed.top, inMemory.top);
      assert.deepEqual(streamed.topErrors, inMemory.topErrors);
      assert.deepEqual(streamed.density, inMemory.density);
      await at.file.close();

      // And it is a good approximation: the spikes agree with the exact SVD.
      const exact = (await createEngine({ prefer: 'js' })).singularValues(whole, rows, cols);
      for (let i = 0; i < 2; i++) assert.ok(Math.abs(streamed.top[i] - exact[i]) <= 1e-8 * exact[0]);
    });
  }

  test('analyzeLayer gives the same report from blocks as from the array', async () => {
    const m = await halfMatrix(300, 120);
    const header = { name: 'w', tensor: 'w', dtype: 'F16', layout: '2d', rows: 300, cols: 120 };
    const settings = { ...DEFAULT_SETTINGS, exactLimit: 64 };
    const engine = await createEngine({ prefer: 'js' });
    const nullCache = new NullCache();
    const a = await analyzeLayer({ ...header, data: await m.read() }, settings, engine, { nullCache });
    const b = await analyzeLayer({ ...header, blocks: await m.readRows() }, settings, engine, { nullCache });
    assert.ok(a.report.approximate && b.report.approximate);
    a.report.seconds = b.report.seconds = 0;
    assert.deepEqual(b.report, a.report);
    assert.deepEqual(b.singularValues, a.singularValues);
    assert.match(a.report.verdict.reasons[0], /approximated: min\(N, M\) = 120 > exact limit 64/);
    assert.equal(a.report.approximate.reason, 'min(N, M) = 120 > exact limit 64');
  });
});

describe('size policy', () => {
  test('an embedding or LM head of 32000×4096 is approximated, LLM blocks stay exact', () => {
    const limit = DEFAULT_SETTINGS.exactLimit;
    assert.match(
      approximationReason(32000, 4096, limit) ?? '',
      /32000×4096 is 1000 MiB in float64, above .* 512 MiB/,
    );
    assert.ok(approximationReason(4096, 32000, limit));
    assert.equal(approximationReason(4096, 4096, limit), undefined);
    assert.equal(approximationReason(4096, 11008, limit), undefined);
    assert.equal(approximationReason(11008, 4096, limit), undefined);
    assert.match(approximationReason(5000, 6000, limit) ?? '', /min\(N, M\) = 5000 > exact limit 4096/);
  });

  test('the float64 size bound is inclusive', () => {
    const side = Math.sqrt(EXACT_MAX_BYTES / 8);
    assert.equal(approximationReason(side, side, Infinity), undefined);
    assert.ok(approximationReason(side, side + 1, Infinity));
  });

  test('memory estimates: exact layers keep their engine memory, approximated ones hold float16', () => {
    const MiB = 2 ** 20;
    const mlp = layerMemory(4096, 11008, 'F16', 4096, true);
    assert.ok(mlp.retained > 8 * 4096 * 11008 + 8 * 4096 * 4096 && mlp.retained < 600 * MiB);
    const embedding = layerMemory(32000, 4096, 'F16', 4096, true);
    assert.equal(embedding.retained, 0);
    assert.ok(embedding.transient > 2 * 32000 * 4096 && embedding.transient < 350 * MiB);
    // Without raw rows the reader decodes (float32) and widens (float64).
    assert.ok(layerMemory(32000, 4096, 'F16', 4096, false).transient > 12 * 32000 * 4096);
  });
});
