// Real reports for the page tests: small synthetic layers through the real per-layer analysis.
import type { LayerHeader, HostToWebview } from '../../../src/protocol';
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

/** The page gets messages as JSON (NaN/±∞ as strings), as the panel sends them. */
export function asJson<T>(message: T): T {
  return JSON.parse(toJson(message, 0)) as T;
}
