// This layer's singular values against the same layer in the initial checkpoint (RMT.md §8).
import type { LayerComparisonReport } from '../../src/engine/comparisonTypes';
import { numbersAt } from '../reportAccess';
import { EXACT, logTicks, seriesColor, type ChartDefinition } from './types';

interface SpectraData {
  rows: { rank: number; nu: number; checkpoint: string }[];
}

export const checkpointSpectraChart: ChartDefinition<LayerComparisonReport, SpectraData> = {
  id: 'checkpoint-spectra',
  title: 'Trained against initial spectrum',
  caption:
    'Singular values by rank. Training that stays near initialisation (lazy) leaves the curves on top of each other.',
  data(layer) {
    const trained = numbersAt(layer, 'trained');
    const initial = numbersAt(layer, 'initial');
    if (!trained || !initial) return undefined;
    const rows = (values: number[], checkpoint: string) =>
      values
        .map((nu, i) => ({ rank: values.length > 1 ? i / (values.length - 1) : 0, nu, checkpoint }))
        .filter((r) => r.nu > 0);
    return { rows: [...rows(trained, 'trained W'), ...rows(initial, 'initial W₀')] };
  },
  spec(data, { width, palette, strokeWidth }) {
    return {
      width,
      height: 220,
      data: { values: data.rows },
      mark: { type: 'line', strokeWidth },
      encoding: {
        x: {
          field: 'rank',
          type: 'quantitative',
          title: 'rank (0 = largest, 1 = smallest)',
          scale: { domain: [0, 1] },
        },
        y: {
          field: 'nu',
          type: 'quantitative',
          title: 'singular value ν',
          scale: { type: 'log' },
          axis: { values: logTicks(data.rows.map((r) => r.nu)) },
        },
        color: {
          field: 'checkpoint',
          type: 'nominal',
          ...seriesColor(['trained W', 'initial W₀'], [palette.data, palette.baseline]),
        },
        tooltip: [
          { field: 'checkpoint', title: 'checkpoint' },
          { field: 'rank', title: 'relative rank', format: '.4f' },
          { field: 'nu', title: 'ν', format: EXACT },
        ],
      },
    };
  },
};
