// Writes the example model that `npm start` opens: examples/tiny-mlp.safetensors (float32), with layers
// that get different verdicts: pure random initialisation, random plus planted low-rank spikes, a
// heavy-tailed layer, a layer too small for statistics, and biases (skipped). Also examples/random-512x1024.npy.
// Needs the build (it uses the project's seeded generator from out/).
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { Rng } = createRequire(import.meta.url)(join(root, 'out/src/rmt/prng.js'));
const rng = new Rng(2024);

const gaussian = (rows, cols, sigma) =>
  Float32Array.from({ length: rows * cols }, () => sigma * rng.normal());

/** W + Σ s·u·vᵀ with random unit u, v: `count` spikes of size `strength` × the bulk edge σ√M. */
function plantSpikes(w, rows, cols, sigma, count, strength) {
  for (let k = 0; k < count; k++) {
    const u = unit(rows);
    const v = unit(cols);
    const s = strength * (k + 1) * sigma * Math.sqrt(Math.max(rows, cols));
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * cols + j] += s * u[i] * v[j];
  }
  return w;
}

function unit(n) {
  const x = Float64Array.from({ length: n }, () => rng.normal());
  const norm = Math.hypot(...x);
  return x.map((value) => value / norm);
}

/** Student-t entries with ν degrees of freedom (a heavy tail), scaled by σ. */
const studentT = (rows, cols, nu, sigma) =>
  Float32Array.from({ length: rows * cols }, () => sigma * rng.studentT(nu));

const tensors = {
  'encoder.fc1.weight': { shape: [256, 512], data: gaussian(256, 512, 0.04) },
  'encoder.fc1.bias': { shape: [256], data: gaussian(1, 256, 0.01) },
  'encoder.fc2.weight': {
    shape: [256, 256],
    data: plantSpikes(gaussian(256, 256, 0.05), 256, 256, 0.05, 3, 2),
  },
  'encoder.fc2.bias': { shape: [256], data: gaussian(1, 256, 0.01) },
  'decoder.fc.weight': { shape: [128, 256], data: studentT(128, 256, 1.5, 0.02) },
  'head.weight': { shape: [10, 128], data: gaussian(10, 128, 0.1) },
};

function safetensors(entries) {
  const header = { __metadata__: { format: 'pt', source: 'scripts/make-example.mjs' } };
  let offset = 0;
  for (const [name, t] of Object.entries(entries)) {
    header[name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (json.length % 8)) % 8);
  const size = Buffer.alloc(8);
  size.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([
    size,
    Buffer.from(json),
    ...Object.values(entries).map((t) => Buffer.from(t.data.buffer)),
  ]);
}

function npy(shape, data) {
  let header = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}), }`;
  header += ' '.repeat(63 - ((10 + header.length) % 64)) + '\n';
  const preamble = Buffer.from([
    0x93,
    ...Buffer.from('NUMPY'),
    1,
    0,
    header.length & 0xff,
    header.length >> 8,
  ]);
  return Buffer.concat([preamble, Buffer.from(header), Buffer.from(data.buffer)]);
}

mkdirSync(join(root, 'examples'), { recursive: true });
writeFileSync(join(root, 'examples/tiny-mlp.safetensors'), safetensors(tensors));
writeFileSync(
  join(root, 'examples/random-512x1024.npy'),
  npy(
    [512, 1024],
    Float64Array.from({ length: 512 * 1024 }, () => rng.normal()),
  ),
);
console.log('wrote examples/tiny-mlp.safetensors and examples/random-512x1024.npy');
