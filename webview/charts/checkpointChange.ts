// How far each layer moved from the initial checkpoint: ‖W − W₀‖_F / ‖W₀‖_F and the top-k subspace
// overlap, along depth (RMT.md §8).
import { EXACT, seriesColor, type ChartDefinition, type ModelSource } from './types';

interface ChangeRow {
  position: number;
  layer: string;
  change: number;
  left: number;
  right: number;
  k: number;
}

export const checkpointChangeChart: ChartDefinition<ModelSource, ChangeRow[]> = {
  id: 'checkpoint-change',
  title: 'Change from the initial checkpoint',
  caption:
    'Bars: relative change ‖W − W₀‖F / ‖W₀‖F (left axis). Points: overlap of the top-k singular subspaces (right axis; 1 = unchanged).',
  data({ comparison }) {
    const layers = comparison?.layers ?? [];
    if (layers.length === 0) return undefined;
    return layers.map((l, i) => ({
      position: i + 1,
      layer: l.name,
      change: l.relativeChange,
      left: l.leftOverlap,
      right: l.rightOverlap,
      k: l.k,
    }));
  },
  spec(rows, { width, palette }) {
    const x = {
      field: 'position',
      type: 'ordinal' as const,
      title: 'layer (file order)',
      axis: { labelAngle: 0, labelOverlap: 'greedy' as const },
    };
    const tooltip = [
      { field: 'position', title: '#' },
      { field: 'layer', title: 'layer' },
      { field: 'change', title: '‖W − W₀‖/‖W₀‖', format: EXACT },
      { field: 'left', title: 'left overlap', format: EXACT },
      { field: 'right', title: 'right overlap', format: EXACT },
      { field: 'k', title: 'k' },
    ];
    const color = seriesColor(
      ['relative change', 'left overlap', 'right overlap'],
      [palette.data, palette.reference, palette.alternative],
    );
    return {
      width,
      height: 220,
      data: { values: rows },
      resolve: { scale: { y: 'independent' } },
      layer: [
        {
          mark: { type: 'bar', opacity: 0.75 },
          encoding: {
            x,
            y: { field: 'change', type: 'quantitative', title: 'relative change', axis: { orient: 'left' } },
            color: { datum: 'relative change', ...color },
            tooltip,
          },
        },
        {
          data: {
            values: rows.flatMap((r) => [
              { ...r, side: 'left overlap', overlap: r.left },
              { ...r, side: 'right overlap', overlap: r.right },
            ]),
          },
          mark: { type: 'point', filled: true, size: 50 },
          encoding: {
            x,
            y: {
              field: 'overlap',
              type: 'quantitative',
              title: 'top-k overlap',
              scale: { domain: [0, 1] },
              axis: { orient: 'right' },
            },
            color: { field: 'side', type: 'nominal', ...color },
            tooltip,
          },
        },
      ],
    };
  },
};
