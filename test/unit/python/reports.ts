// Real layer reports for the source-line tests: small synthetic GPT layers through the real analysis.
import { analyzeLayer } from '../../../src/engine/analyzeLayer';
import { DEFAULT_SETTINGS, type LayerReport } from '../../../src/engine/report';
import { createJsEngine } from '../../../src/linalg/jsEngine';
import { Rng } from '../../../src/rmt/prng';

type Kind = 'noise' | 'spikes' | 'heavy';

const E = 64;
/** GPT-fixture names (test/unit/python/fixtures/gpt.py), shapes and what the matrix holds. */
export const GPT_LAYERS: [string, number, number, Kind][] = [
  ['transformer.wte.weight', 100, E, 'noise'],
  ['transformer.h.0.attn.c_attn.weight', 3 * E, E, 'spikes'],
  ['transformer.h.0.attn.c_proj.weight', E, E, 'heavy'],
  ['transformer.h.0.mlp.c_fc.weight', 4 * E, E, 'spikes'],
  ['transformer.h.1.mlp.c_fc.weight', 4 * E, E, 'heavy'],
];

function matrix(rng: Rng, rows: number, cols: number, kind: Kind): Float64Array {
  if (kind === 'heavy') return Float64Array.from({ length: rows * cols }, () => rng.studentT(1.5));
  const w = rng.normals(rows * cols, 1);
  if (kind === 'spikes') {
    // Two rank-one terms of strength 5 and 4 (units of σ√max(rows, cols)): far above the BBP threshold.
    for (const theta of [5, 4]) {
      const u = unit(rng.normals(rows));
      const v = unit(rng.normals(cols));
      const s = theta * Math.sqrt(Math.max(rows, cols));
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) w[i * cols + j] += s * u[i] * v[j];
    }
  }
  return w;
}

function unit(v: Float64Array): Float64Array {
  const norm = Math.hypot(...v);
  return v.map((x) => x / norm);
}

let cached: Promise<LayerReport[]> | undefined;

/** The GPT layers analysed once per test process. */
export function gptReports(): Promise<LayerReport[]> {
  cached ??= (async () => {
    const engine = createJsEngine();
    const rng = new Rng(11);
    const reports: LayerReport[] = [];
    for (const [name, rows, cols, kind] of GPT_LAYERS) {
      const input = {
        name,
        tensor: name,
        dtype: 'F32',
        layout: '2d',
        rows,
        cols,
        data: matrix(rng, rows, cols, kind),
      };
      reports.push((await analyzeLayer(input, DEFAULT_SETTINGS, engine)).report);
    }
    return reports;
  })();
  return cached;
}
