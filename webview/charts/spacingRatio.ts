// Spacing ratio r̃ (no unfolding needed) against the GOE surmise and Poisson (RMT.md §3).
import type { LayerReport } from '../../src/engine/report';
import { columnsAt, numberAt, numbersAt } from '../reportAccess';
import { binRows, EXACT, seriesColor, zipRows, type ChartDefinition } from './types';

interface RatioData {
  bins: { x0: number; x1: number; density: number }[];
  curves: { r: number; goe: number; poisson: number }[];
  mean?: number;
}

export const spacingRatioChart: ChartDefinition<LayerReport, RatioData> = {
  id: 'ratio',
  title: 'Spacing ratio r̃',
  statistic: 'spacingRatio',
  caption: '⟨r̃⟩ ≈ 0.531 for the GOE, 0.386 for Poisson; the line marks this layer’s mean.',
  data(layer) {
    const edges = numbersAt(layer, 'spacingRatio.histogram.edges');
    const density = numbersAt(layer, 'spacingRatio.histogram.density');
    const curves = columnsAt(layer, {
      r: 'spacingRatio.curves.x',
      goe: 'spacingRatio.curves.goe',
      poisson: 'spacingRatio.curves.poisson',
    });
    if (!edges || !density || !curves) return undefined;
    return {
      bins: binRows(edges, density),
      curves: zipRows(curves),
      mean: numberAt(layer, 'spacingRatio.mean'),
    };
  },
  spec(data, { width, palette, strokeWidth }) {
    const color = seriesColor(
      ['r̃', 'GOE', 'Poisson'],
      [palette.data, palette.reference, palette.alternative],
    );
    const x = {
      type: 'quantitative' as const,
      title: 'r̃ = min(sₙ, sₙ₋₁) / max(sₙ, sₙ₋₁)',
      scale: { domain: [0, 1] },
    };
    const curve = (field: 'goe' | 'poisson', name: string) => ({
      data: { values: data.curves },
      mark: { type: 'line' as const, strokeWidth },
      encoding: {
        x: { ...x, field: 'r' },
        y: { field, type: 'quantitative' as const },
        color: { datum: name, ...color },
      },
    });
    return {
      width,
      height: 220,
      layer: [
        {
          data: { values: data.bins },
          mark: { type: 'rect', opacity: 0.7, stroke: palette.data, strokeWidth: 0.5 },
          encoding: {
            x: { ...x, field: 'x0' },
            x2: { field: 'x1' },
            y: { field: 'density', type: 'quantitative', title: 'density' },
            y2: { datum: 0 },
            color: { datum: 'r̃', ...color },
            tooltip: [
              { field: 'x0', title: 'from r̃', format: EXACT },
              { field: 'x1', title: 'to r̃', format: EXACT },
              { field: 'density', title: 'density', format: EXACT },
            ],
          },
        },
        curve('goe', 'GOE'),
        curve('poisson', 'Poisson'),
        ...(data.mean !== undefined && Number.isFinite(data.mean)
          ? [
              {
                data: { values: [{ r: data.mean }] },
                mark: { type: 'rule' as const, color: palette.foreground, strokeDash: [5, 3], strokeWidth },
                encoding: { x: { ...x, field: 'r' }, tooltip: [{ field: 'r', title: '⟨r̃⟩', format: EXACT }] },
              },
            ]
          : []),
      ],
    };
  },
};
