// "Compare checkpoints": a trained file W against an initial (or earlier) checkpoint W₀ of the same
// architecture, layer by layer (RMT.md §8): ‖W−W₀‖_F/‖W₀‖_F, top-k subspace overlap, both spectra.
import type { WorkerPool } from './pool';
import type { AnalysisSettings } from './report';
import type { LayerComparison } from '../rmt/checkpoint';
import type { CheckpointComparison, LayerComparisonReport } from './comparisonTypes';
import { CancelledError } from './errors';

/** Top singular directions compared per layer. */
export const OVERLAP_K = 10;

export async function runComparison(
  pool: WorkerPool,
  file: string,
  reference: string,
  settings: AnalysisSettings,
  onLayer?: (done: number, total: number) => void,
  signal?: AbortSignal,
): Promise<CheckpointComparison> {
  const [trainedPlan, initialPlan] = await Promise.all(
    [file, reference].map(async (f) => {
      const answer = await pool.run({ type: 'plan', file: f, settings }, signal);
      if (answer.type !== 'plan')
        throw new Error(answer.type === 'error' ? answer.message : 'unexpected answer');
      return answer.plan;
    }),
  );
  const initialShapes = new Map(initialPlan.layers.map((l) => [l.name, l.shape.join('×')]));
  const matched = trainedPlan.layers.filter((l) => initialShapes.get(l.name) === l.shape.join('×'));
  const matchedNames = new Set(matched.map((l) => l.name));
  const unmatched = [
    ...trainedPlan.layers.filter((l) => !matchedNames.has(l.name)).map((l) => l.name),
    ...initialPlan.layers.filter((l) => !matchedNames.has(l.name)).map((l) => `${l.name} (initial only)`),
  ];

  let done = 0;
  const failed: { name: string; error: string }[] = [];
  const results = await Promise.all(
    matched.map(async (layer) => {
      const answer = await pool
        .run({ type: 'compareLayer', file, reference, settings, name: layer.name, k: OVERLAP_K }, signal)
        .catch((error: Error) => {
          if (error instanceof CancelledError) throw error;
          return { type: 'error' as const, message: error.message };
        });
      onLayer?.(++done, matched.length);
      if (answer.type === 'comparison') return answer.comparison;
      failed.push({
        name: layer.name,
        error: answer.type === 'error' ? answer.message : 'unexpected answer',
      });
      return undefined;
    }),
  );
  const layers = results.filter((r): r is LayerComparisonReport => r !== undefined);
  return { file, reference, layers, unmatched, failed, summary: summarise(layers) };
}

/**
 * [ours] rich-like when the top directions of most layers are new (median top-k overlap < 0.5);
 * lazy-like when the weights moved little (median relative change < 0.1) and kept their top directions.
 */
export function summarise(layers: LayerComparison[]): CheckpointComparison['summary'] {
  const medianRelativeChange = median(layers.map((l) => l.relativeChange));
  const medianOverlap = median(layers.map((l) => (l.leftOverlap + l.rightOverlap) / 2));
  let regime: CheckpointComparison['summary']['regime'] = 'mixed';
  if (medianOverlap < 0.5) regime = 'rich-like';
  else if (medianRelativeChange < 0.1) regime = 'lazy-like';
  const text =
    `${layers.length} layers compared: median ‖W−W₀‖/‖W₀‖ = ${medianRelativeChange.toPrecision(3)}, ` +
    `median top-${OVERLAP_K} subspace overlap = ${medianOverlap.toPrecision(3)} → ${regime}` +
    (regime === 'rich-like'
      ? ' (training created new dominant directions)'
      : regime === 'lazy-like'
        ? ' (the weights stayed close to their initialisation)'
        : ' (the weights moved, but kept most of their top directions)');
  return { regime, medianRelativeChange, medianOverlap, text };
}

function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const SPECTRUM_POINTS = 512;

/** At most SPECTRUM_POINTS evenly spaced order statistics of a descending spectrum. */
export function spectrumSample(values: Float64Array): number[] {
  if (values.length <= SPECTRUM_POINTS) return Array.from(values);
  const step = (values.length - 1) / (SPECTRUM_POINTS - 1);
  return Array.from({ length: SPECTRUM_POINTS }, (_, i) => values[Math.round(i * step)]);
}
