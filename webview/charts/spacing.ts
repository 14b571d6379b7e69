// Level spacings of the unfolded bulk against the GOE surmise and Poisson, as density or CDF (RMT.md §3).
import type { LayerReport } from '../../src/engine/report';
import { columnsAt, numbersAt } from '../reportAccess';
import { binRows, EXACT, seriesColor, zipRows, type ChartDefinition } from './types';

interface SpacingData {
  bins: { x0: number; x1: number; density: number }[];
  curves: { s: number; goe: number; poisson: number }[];
  cdf: { s: number; empirical: number; goe: number; poisson: number }[];
}

const SERIES = ['spacings', 'GOE', 'Poisson'];

export const spacingChart: ChartDefinition<LayerReport, SpacingData> = {
  id: 'spacing',
  title: 'Level spacings',
  statistic: 'spacing',
  caption: 'Random layers follow the GOE (level repulsion near 0); Poisson means uncorrelated levels.',
  modes: [
    { id: 'density', label: 'Density' },
    { id: 'cdf', label: 'CDF' },
  ],
  data(layer) {
    const edges = numbersAt(layer, 'spacing.histogram.edges');
    const density = numbersAt(layer, 'spacing.histogram.density');
    const curves = columnsAt(layer, {
      s: 'spacing.curves.x',
      goe: 'spacing.curves.goe',
      poisson: 'spacing.curves.poisson',
    });
    if (!edges || !density || !curves) return undefined;
    const cdf = columnsAt(layer, {
      s: 'spacing.cdf.x',
      empirical: 'spacing.cdf.empirical',
      goe: 'spacing.cdf.goe',
      poisson: 'spacing.cdf.poisson',
    });
    return { bins: binRows(edges, density), curves: zipRows(curves), cdf: cdf ? zipRows(cdf) : [] };
  },
  spec(data, { width, mode, palette, strokeWidth }) {
    const color = seriesColor(SERIES, [palette.data, palette.reference, palette.alternative]);
    const x = { type: 'quantitative' as const, title: 'spacing s', scale: { domain: [0, 4], nice: false } };
    const line = (field: 'empirical' | 'goe' | 'poisson', name: string, values: object[]) => ({
      data: { values },
      mark: { type: 'line' as const, strokeWidth, clip: true },
      encoding: {
        x: { ...x, field: 's' },
        y: { field, type: 'quantitative' as const },
        color: { datum: name, ...color },
        tooltip: [
          { field: 's', title: 's', format: EXACT },
          { field, title: name, format: EXACT },
        ],
      },
    });
    if (mode === 'cdf' && data.cdf.length > 0) {
      return {
        width,
        height: 220,
        encoding: { y: { type: 'quantitative', title: 'cumulative probability', scale: { domain: [0, 1] } } },
        layer: [
          line('empirical', 'spacings', data.cdf),
          line('goe', 'GOE', data.cdf),
          line('poisson', 'Poisson', data.cdf),
        ],
      };
    }
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
            color: { datum: 'spacings', ...color },
            tooltip: [
              { field: 'x0', title: 'from s', format: EXACT },
              { field: 'x1', title: 'to s', format: EXACT },
              { field: 'density', title: 'density', format: EXACT },
            ],
          },
        },
        line('goe', 'GOE', data.curves),
        line('poisson', 'Poisson', data.curves),
      ],
    };
  },
};
