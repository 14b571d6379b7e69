// Real reports for the page tests: small synthetic layers through the real per-layer analysis, and
// a small file through the whole analysis (worker pool) with a low exact limit, so some layers are
// approximated (Lanczos + SLQ) as they would be above 4096.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { LayerHeader, HostToWebview } from '../../../src/protocol';
import { WorkerPool } from '../../../src/engine/pool';
import { runAnalysis } from '../../../src/engine/analysis';
import { repoRoot } from '../paths';
import { Rng } from '../../../src/rmt/prng';
import { createJsEngine } from '../../../src/linalg/jsEngine';
import { analyzeLayer } from '../../../src/engine/analyzeLayer';
import { modelStatistics } from '../../../src/engine/modelStatistics';
import { toJson } from '../../../src/engine/json';
import { gaussianBaseline } from '../../../src/engine/baseline';
import { spectrumSample, summarise } from '../../../src/engine/comparison';
import type {
  BaselineResult,
  CheckpointComparison,
  LayerComparisonReport,
} from '../../../src/engine/comparisonTypes';
import { compareLayers } from '../../../src/rmt/checkpoint';
import {
  DEFAULT_SETTINGS,
  SCHEMA_VERSION,
  type LayerReport,
  type ModelReport,
} from '../../../src/engine/report';

interface Spec {
  name: string;
  rows: number;
  cols: number;
  make(rng: Rng, rows: number, cols: number): Float64Array;
}

const gaussian = (sigma: number) => (rng: Rng, rows: number, cols: number) => rng.normals(rows * cols, sigma);

/** Gaussian noise plus `k` rank-one spikes of strength θ (in units of σ√cols). */
const spiked = (sigma: number, thetas: number[]) => (rng: Rng, rows: number, cols: number) => {
  const w = rng.normals(rows * cols, sigma);
  for (const theta of thetas) {
    const u = normalized(rng.normals(rows));
    const v = normalized(rng.normals(cols));
    const s = theta * sigma * Math.sqrt(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * cols + j] += s * u[i] * v[j];
  }
  return w;
};

const heavyTailed = (scale: number, nu: number) => (rng: Rng, rows: number, cols: number) =>
  Float64Array.from({ length: rows * cols }, () => scale * rng.studentT(nu));

function normalized(v: Float64Array): Float64Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

export const LAYERS: Spec[] = [
  { name: 'encoder.layers.0.attention.query.weight', rows: 128, cols: 256, make: gaussian(0.05) },
  { name: 'encoder.layers.0.attention.key.weight', rows: 128, cols: 256, make: spiked(0.05, [4, 3, 2.2]) },
  { name: 'encoder.layers.0.mlp.fc1.weight', rows: 256, cols: 128, make: heavyTailed(0.02, 1.5) },
  { name: 'encoder.layers.1.mlp.fc2.weight', rows: 160, cols: 160, make: spiked(0.03, [5]) },
  { name: 'classifier.weight', rows: 10, cols: 128, make: gaussian(0.1) },
  { name: 'decoder.weight', rows: 96, cols: 192, make: gaussian(0.02) },
];

export const FILE = '/workspace/models/tiny-encoder.safetensors';

export function headers(): LayerHeader[] {
  return LAYERS.map((l) => ({
    name: l.name,
    tensor: l.name,
    shape: [l.rows, l.cols],
    dtype: 'F32',
    layout: '2d',
  }));
}

export interface Analysis {
  layers: LayerReport[];
  model: ModelReport;
  /** The Gaussian baseline of the same shapes (Compare with random baseline). */
  baseline: BaselineResult;
  /** The layers against an "initial checkpoint": fresh Gaussian matrices of the same σ. */
  comparison: CheckpointComparison;
}

let cached: Promise<Analysis> | undefined;

/** Analyses the synthetic layers once per test process. */
export function analysis(): Promise<Analysis> {
  cached ??= (async () => {
    const engine = createJsEngine();
    const rng = new Rng(7);
    const results = [];
    const comparisons: LayerComparisonReport[] = [];
    for (const spec of LAYERS) {
      const input = {
        name: spec.name,
        tensor: spec.name,
        dtype: 'F32',
        layout: '2d',
        rows: spec.rows,
        cols: spec.cols,
        data: spec.make(rng, spec.rows, spec.cols),
      };
      results.push(await analyzeLayer(input, DEFAULT_SETTINGS, engine));
      const initial = gaussian(0.05)(rng, spec.rows, spec.cols);
      comparisons.push({
        ...compareLayers(input.data, initial, spec.rows, spec.cols, engine, 10),
        name: spec.name,
        shape: [spec.rows, spec.cols],
        trained: spectrumSample(engine.singularValues(input.data, spec.rows, spec.cols)),
        initial: spectrumSample(engine.singularValues(initial, spec.rows, spec.cols)),
      });
    }
    const layers = results.map((r) => r.report);
    const model: ModelReport = {
      schemaVersion: SCHEMA_VERSION,
      file: FILE,
      format: 'safetensors',
      layers,
      skipped: [
        {
          name: 'encoder.layers.0.attention.query.bias',
          shape: [128],
          dtype: 'F32',
          reason: '1-D tensor (bias)',
        },
        { name: 'encoder.norm.weight', shape: [128], dtype: 'F32', reason: '1-D tensor (norm)' },
      ],
      failed: [],
      model: modelStatistics(
        results.map((r) => ({
          rows: r.report.shape[0],
          cols: r.report.shape[1],
          singularValues: r.singularValues,
        })),
        DEFAULT_SETTINGS,
      ),
      provenance: {
        engine: 'rmt-lens',
        version: 'test',
        settings: DEFAULT_SETTINGS,
        seconds: 1.234,
        fileSize: 123456,
        fileModified: '2025-01-01T00:00:00.000Z',
      },
    };
    const comparison: CheckpointComparison = {
      file: FILE,
      reference: '/workspace/models/tiny-encoder-init.safetensors',
      layers: comparisons,
      unmatched: [],
      failed: [],
      summary: summarise(comparisons),
    };
    return { layers, model, baseline: gaussianBaseline(model, DEFAULT_SETTINGS, 11), comparison };
  })();
  return cached;
}

/** The messages of a whole run, as the host sends them. */
export async function runMessages(): Promise<HostToWebview[]> {
  const { layers, model } = await analysis();
  const messages: HostToWebview[] = [
    { type: 'begin', file: FILE, format: 'safetensors', layers: headers(), skipped: 2 },
  ];
  layers.forEach((report, i) => {
    messages.push({ type: 'layer', report }, { type: 'progress', done: i + 1, total: layers.length });
  });
  messages.push({ type: 'done', report: model });
  return messages;
}

/** Rank-`rank` signal plus weak noise: more TW outliers than Lanczos resolves, so the count is a lower bound. */
const lowRank = (sigma: number, rank: number) => (rng: Rng, rows: number, cols: number) => {
  const w = rng.normals(rows * cols, sigma);
  for (let r = 0; r < rank; r++) {
    const u = rng.normals(rows);
    const v = rng.normals(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * cols + j] += 5 * sigma * u[i] * v[j];
  }
  return w;
};

/** Layers with min(N, M) above this are approximated in `approximatedAnalysis`. */
export const APPROXIMATE_LIMIT = 128;

/** Two approximated layers (one in the middle, so cPSE runs over the others) among three exact ones. */
export const APPROXIMATE_LAYERS: Spec[] = [
  { name: 'blocks.0.attn.weight', rows: 96, cols: 128, make: gaussian(0.05) },
  { name: 'embed.weight', rows: 160, cols: 320, make: spiked(0.05, [4, 3]) },
  { name: 'blocks.0.mlp.weight', rows: 96, cols: 192, make: spiked(0.03, [5]) },
  { name: 'blocks.1.attn.weight', rows: 128, cols: 96, make: gaussian(0.05) },
  { name: 'lm_head.weight', rows: 320, cols: 160, make: lowRank(0.01, 120) },
];

export const APPROXIMATE_FILE = 'approximated.safetensors';

/** A safetensors file of F32 matrices. */
function safetensors(tensors: { name: string; rows: number; cols: number; data: Float64Array }[]): Buffer {
  const header: Record<string, unknown> = {};
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = {
      dtype: 'F32',
      shape: [t.rows, t.cols],
      data_offsets: [offset, offset + 4 * t.data.length],
    };
    offset += 4 * t.data.length;
  }
  const json = Buffer.from(JSON.stringify(header).padEnd(8 * Math.ceil(JSON.stringify(header).length / 8)));
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, json, ...tensors.map((t) => Buffer.from(Float32Array.from(t.data).buffer))]);
}

let approximated: Promise<ModelReport> | undefined;

/** The whole analysis of a file with approximated layers, once per test process. */
export function approximatedAnalysis(): Promise<ModelReport> {
  approximated ??= (async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'rmt-lens-webview-'));
    const file = path.join(dir, APPROXIMATE_FILE);
    const rng = new Rng(11);
    const tensors = APPROXIMATE_LAYERS.map((l) => ({ ...l, data: l.make(rng, l.rows, l.cols) }));
    writeFileSync(file, safetensors(tensors));
    const pool = new WorkerPool(path.join(repoRoot, 'out/src/engine/worker.js'), 2);
    try {
      return await runAnalysis(pool, file, { ...DEFAULT_SETTINGS, exactLimit: APPROXIMATE_LIMIT });
    } finally {
      await pool.dispose();
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return approximated;
}

/** The messages of that run, as the host sends them. */
export async function approximatedMessages(): Promise<HostToWebview[]> {
  const model = await approximatedAnalysis();
  const layers: LayerHeader[] = model.layers.map(({ name, tensor, shape, dtype, layout }) => ({
    name,
    tensor,
    shape,
    dtype,
    layout,
  }));
  return [
    { type: 'begin', file: model.file, format: model.format, layers, skipped: 0 },
    ...model.layers.map((report) => ({ type: 'layer' as const, report })),
    { type: 'done', report: model },
  ];
}

/** The page gets messages as JSON (NaN/±∞ as strings), as the panel sends them. */
export function asJson<T>(message: T): T {
  return JSON.parse(toJson(message, 0)) as T;
}
