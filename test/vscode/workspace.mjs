// A throwaway workspace of tiny weight files for the extension-host and UI tests, written at test
// time so the suites do not depend on anyone else's fixtures. Deterministic (seeded).
//
//   model.safetensors   fc1.weight 128×96 pure Gaussian noise, fc2.weight 96×128 noise + 3 strong
//                       rank-1 spikes (clear Tracy–Widom outliers), fc2.bias (1-D, skipped)
//   spiked.npy          one 96×64 float64 matrix: noise + 2 spikes
//   cancel.safetensors  8 noise layers of 256×256 (takes long enough to cancel)
//   broken.safetensors  a header length that points past the end of the file
//   slow.safetensors    (UI tests only) 12 noise layers of 512×512, to cancel from the notification
//   ckpt-w0.safetensors 4 noise layers of 80×120 (W₀), stored as F64
//   ckpt-w.safetensors  the same layers W = W₀ + ΔW, ΔW of rank 2 with ‖ΔW‖_F/‖W₀‖_F = CHECKPOINT_CHANGES
//   conv.safetensors    conv.weight [16, 8, 3, 3] (a conv2d kernel) and fc.weight 64×72 noise
//   model.py            (UI tests only) nn.Linear definitions of fc1 and fc2 of model.safetensors
//   deep.safetensors    (UI tests only) DEEP_LAYERS layers of 64×96, noise + (k mod 3) spikes: a cPSE curve
//   twin.safetensors    (UI tests only) TWIN_LAYERS layers of 640×960, noise + a spike in every third:
//                       ~7 s of work on a quiet machine, so that two windows analyse it at once (29 MB)
//   reload.safetensors  (UI tests only) RELOAD_LAYERS layers of 640×960, noise + a spike in every other:
//                       ~30 s of work: the page takes up to ~10 s to reload on a busy 2-core machine (49 MB)
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const FILES = {
  model: 'model.safetensors',
  npy: 'spiked.npy',
  cancel: 'cancel.safetensors',
  broken: 'broken.safetensors',
  slow: 'slow.safetensors',
  w0: 'ckpt-w0.safetensors',
  w: 'ckpt-w.safetensors',
  conv: 'conv.safetensors',
  python: 'model.py',
  deep: 'deep.safetensors',
  twin: 'twin.safetensors',
  reload: 'reload.safetensors',
};
/** Layer names in model.safetensors and which of them carry spikes. */
export const MODEL_LAYERS = { noise: 'fc1.weight', spiked: 'fc2.weight' };

/** Checkpoint layers (in file order) and the relative change ‖W−W₀‖_F/‖W₀‖_F planted in each. */
export const CHECKPOINT_CHANGES = [
  ['layers.0.weight', 0.02],
  ['layers.1.weight', 0.1],
  ['layers.2.weight', 0.5],
  ['layers.3.weight', 1.5],
];
export const CHECKPOINT_SHAPE = [80, 120];
/** Layers of deep.safetensors (`blocks.k.weight`, 64×96): enough depth for a cPSE curve of DEEP_LAYERS − 2 points. */
export const DEEP_LAYERS = 8;
/** Layers of twin.safetensors (`twin.k.weight`, 640×960; k ≡ 0 mod 3 carries a spike). */
export const TWIN_LAYERS = 12;
/** Layers of reload.safetensors (`reload.k.weight`, 640×960; odd k carry a spike). */
export const RELOAD_LAYERS = 20;
/** The conv kernel of conv.safetensors, [out, in, kh, kw]. */
export const CONV_SHAPE = [16, 8, 3, 3];
/** model.py: fc1 = nn.Linear(96, 128) ↔ fc1.weight [128, 96]; fc2 = nn.Linear(128, 96) ↔ fc2.weight [96, 128]. */
export const MODEL_PY = [
  'import torch.nn as nn',
  '',
  '',
  'class Net(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.fc1 = nn.Linear(96, 128)',
  '        self.fc2 = nn.Linear(128, 96)',
  '',
  '    def forward(self, x):',
  '        return self.fc2(self.fc1(x).relu())',
  '',
].join('\n');

function rng(seed) {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => {
    const u = Math.max(uniform(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * uniform());
  };
}

function unit(n, gauss) {
  const v = Array.from({ length: n }, gauss);
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

/** rows×cols Gaussian N(0,1) plus `spikes` rank-1 terms of strength 3·(√rows+√cols)·(k+1)… well above the MP edge. */
export function matrix(rows, cols, seed, spikes = 0) {
  const gauss = rng(seed);
  const m = new Float64Array(rows * cols);
  for (let i = 0; i < m.length; i++) m[i] = gauss();
  const edge = Math.sqrt(rows) + Math.sqrt(cols);
  for (let k = 0; k < spikes; k++) {
    const u = unit(rows, gauss);
    const v = unit(cols, gauss);
    const theta = edge * (3 + k);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] += theta * u[i] * v[j];
  }
  return m;
}

export function npyBytes(data, shape) {
  const dict = `{'descr': '<f8', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  // Preamble (10 bytes) + header padded with spaces and ending in '\n' to a multiple of 64.
  const total = Math.ceil((10 + dict.length + 1) / 64) * 64;
  const header = dict.padEnd(total - 10 - 1, ' ') + '\n';
  const pre = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(pre);
  pre.writeUInt16LE(header.length, 8);
  const body = Buffer.alloc(data.length * 8);
  data.forEach((x, i) => body.writeDoubleLE(x, i * 8));
  return Buffer.concat([pre, Buffer.from(header, 'latin1'), body]);
}

/** tensors: [{ name, shape, data (Float64Array or number[]) }] stored as F32 (or F64 with `dtype`). */
export function safetensorsBytes(tensors, metadata = { format: 'pt' }, dtype = 'F32') {
  const header = { __metadata__: metadata };
  const chunks = [];
  let offset = 0;
  const size = dtype === 'F64' ? 8 : 4;
  for (const t of tensors) {
    const buf = Buffer.alloc(t.data.length * size);
    if (dtype === 'F64') t.data.forEach((x, i) => buf.writeDoubleLE(x, i * 8));
    else t.data.forEach((x, i) => buf.writeFloatLE(x, i * 4));
    header[t.name] = { dtype, shape: t.shape, data_offsets: [offset, offset + buf.length] };
    chunks.push(buf);
    offset += buf.length;
  }
  let json = JSON.stringify(header);
  json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([len, Buffer.from(json, 'utf8'), ...chunks]);
}

/** W₀ and W = W₀ + ΔW per layer: ΔW = a·u₁v₁ᵀ + b·u₂v₂ᵀ scaled to ‖ΔW‖_F = change·‖W₀‖_F. */
export function checkpointPair() {
  const [rows, cols] = CHECKPOINT_SHAPE;
  const w0 = [];
  const w = [];
  CHECKPOINT_CHANGES.forEach(([name, change], k) => {
    const base = matrix(rows, cols, 100 + k);
    const gauss = rng(200 + k);
    const delta = new Float64Array(rows * cols);
    for (const weight of [1, 0.6]) {
      const u = unit(rows, gauss);
      const v = unit(cols, gauss);
      for (let i = 0; i < rows; i++)
        for (let j = 0; j < cols; j++) delta[i * cols + j] += weight * u[i] * v[j];
    }
    const norm = (a) => Math.sqrt(a.reduce((s, x) => s + x * x, 0));
    const scale = (change * norm(base)) / norm(delta);
    w0.push({ name, shape: [rows, cols], data: base });
    w.push({ name, shape: [rows, cols], data: base.map((x, i) => x + scale * delta[i]) });
  });
  return { w0, w };
}

/**
 * Writes the test workspace into `dir` and returns the absolute paths by key of FILES. With `slow`,
 * also slow.safetensors (12 noise layers of 512×512, 12 MB): seconds of work, for cancelling from the UI;
 * with `python`, also model.py (whose fc1/fc2 lines define the layers of model.safetensors);
 * with `deep`, also deep.safetensors (DEEP_LAYERS small layers, for the cPSE curve and its baseline);
 * with `faults`, also twin.safetensors (29 MB) and reload.safetensors (49 MB), for two windows
 * analysing one file and a webview reloaded mid-analysis.
 */
export function writeWorkspace(dir, { slow = false, python = false, deep = false, faults = false } = {}) {
  mkdirSync(dir, { recursive: true });
  const put = (name, bytes) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const paths = {};
  paths.model = put(
    FILES.model,
    safetensorsBytes([
      { name: MODEL_LAYERS.noise, shape: [128, 96], data: matrix(128, 96, 1) },
      { name: MODEL_LAYERS.spiked, shape: [96, 128], data: matrix(96, 128, 2, 3) },
      { name: 'fc2.bias', shape: [48], data: new Float64Array(48).fill(0.01) },
    ]),
  );
  paths.npy = put(FILES.npy, npyBytes(matrix(96, 64, 3, 2), [96, 64]));
  paths.cancel = put(
    FILES.cancel,
    safetensorsBytes(
      Array.from({ length: 8 }, (_, k) => ({
        name: `block${k}.weight`,
        shape: [256, 256],
        data: matrix(256, 256, 10 + k),
      })),
    ),
  );
  if (slow) {
    paths.slow = put(
      FILES.slow,
      safetensorsBytes(
        Array.from({ length: 12 }, (_, k) => ({
          name: `block${k}.weight`,
          shape: [512, 512],
          data: matrix(512, 512, 40 + k),
        })),
      ),
    );
  }
  const { w0, w } = checkpointPair();
  paths.w0 = put(FILES.w0, safetensorsBytes(w0, { format: 'pt' }, 'F64'));
  paths.w = put(FILES.w, safetensorsBytes(w, { format: 'pt' }, 'F64'));
  const convSize = CONV_SHAPE.reduce((a, b) => a * b, 1);
  paths.conv = put(
    FILES.conv,
    safetensorsBytes([
      { name: 'conv.weight', shape: CONV_SHAPE, data: matrix(1, convSize, 300) },
      { name: 'fc.weight', shape: [64, 72], data: matrix(64, 72, 301) },
    ]),
  );
  if (python) paths.python = put(FILES.python, MODEL_PY);
  if (deep) {
    paths.deep = put(
      FILES.deep,
      safetensorsBytes(
        Array.from({ length: DEEP_LAYERS }, (_, k) => ({
          name: `blocks.${k}.weight`,
          shape: [64, 96],
          data: matrix(64, 96, 500 + k, k % 3),
        })),
      ),
    );
  }
  if (faults) {
    const layers = (prefix, count, [rows, cols], seed, spiked) =>
      Array.from({ length: count }, (_, k) => ({
        name: `${prefix}.${k}.weight`,
        shape: [rows, cols],
        data: matrix(rows, cols, seed + k, spiked(k) ? 1 : 0),
      }));
    paths.twin = put(
      FILES.twin,
      safetensorsBytes(layers('twin', TWIN_LAYERS, [640, 960], 700, (k) => k % 3 === 0)),
    );
    paths.reload = put(
      FILES.reload,
      safetensorsBytes(layers('reload', RELOAD_LAYERS, [640, 960], 800, (k) => k % 2 === 1)),
    );
  }
  const broken = safetensorsBytes([{ name: 'w', shape: [4, 4], data: matrix(4, 4, 4) }]);
  broken.writeBigUInt64LE(BigInt(broken.length * 10), 0);
  paths.broken = put(FILES.broken, broken);
  writeFileSync(
    join(dir, 'README.md'),
    '# RMT Lens test workspace\n\nGenerated by test/vscode/workspace.mjs.\n',
  );
  return paths;
}
