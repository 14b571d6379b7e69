// The cPSE saturation curve: D_l against depth on a log scale, the saturation depth marked (RMT.md §9).
import type { ModelReport } from '../../src/engine/report';
import { numberAt, numbersAt } from '../reportAccess';
import { EXACT, seriesColor, type ChartDefinition } from './types';

interface CpseData {
  points: { depth: number; d: number; layer: string }[];
  saturationDepth?: number;
  zeros: number[];
}

export const cpseChart: ChartDefinition<ModelReport, CpseData> = {
  id: 'cpse',
  title: 'Cascading spectral ergodicity (cPSE)',
  caption: 'D between the ensembles of the first l and l+1 layers; the curve flattens where depth stops adding spectral diversity.',
  data(model) {
    const dLayers = numbersAt(model, 'model.dLayers');
    if (!dLayers) return undefined;
    const names = (model.layers ?? []).map((layer) => layer.name);
    const points = dLayers
      .map((d, i) => ({ depth: i + 1, d, layer: names[i + 1] ?? '' }))
      .filter((p) => p.d > 0 && Number.isFinite(p.d));
    const saturation = numberAt(model, 'model.saturationDepth');
    return {
      points,
      saturationDepth: saturation !== undefined && Number.isFinite(saturation) ? saturation : undefined,
      zeros: dLayers.flatMap((d, i) => (d === 0 ? [i + 1] : [])),
    };
  },
  spec(data, { width, palette, strokeWidth }) {
    const color = seriesColor(['D_l', 'saturation depth'], [palette.data, palette.threshold]);
    const x = { field: 'depth', type: 'quantitative' as const, title: 'depth l', axis: { tickMinStep: 1 } };
    return {
      width,
      height: 240,
      layer: [
        {
          data: { values: data.points },
          mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth },
          encoding: {
            x,
            y: { field: 'd', type: 'quantitative', title: 'D_l (symmetric KL)', scale: { type: 'log' } },
            color: { datum: 'D_l', ...color },
            tooltip: [
              { field: 'depth', title: 'l' },
              { field: 'layer', title: 'layer l+1' },
              { field: 'd', title: 'D_l', format: EXACT },
            ],
          },
        },
        ...(data.saturationDepth !== undefined
          ? [
              {
                data: { values: [{ depth: data.saturationDepth }] },
                mark: { type: 'rule' as const, strokeDash: [5, 3], strokeWidth },
                encoding: {
                  x,
                  color: { datum: 'saturation depth', ...color },
                  tooltip: [{ field: 'depth', title: 'saturation depth' }],
                },
              },
            ]
          : []),
      ],
    };
  },
};
