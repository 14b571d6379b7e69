// Number variance Σ²(L) of the unfolded levels against the GOE and Poisson (RMT.md §4).
import type { LayerReport } from '../../src/engine/report';
import { columnsAt } from '../reportAccess';
import { EXACT, seriesColor, zipRows, type ChartContext, type ChartDefinition } from './types';

/** Measured points and the two theory curves of a statistic of the window length L. */
export interface LengthStatistic {
  measured: { L: number; value: number }[];
  theory: { L: number; goe: number; poisson: number }[];
}

export function lengthStatisticData(layer: LayerReport, measured: string, goe: string, poisson: string) {
  const points = columnsAt(layer, { L: 'rigidity.lengths', value: `rigidity.${measured}` });
  const theory = columnsAt(layer, {
    L: 'rigidity.theory.x',
    goe: `rigidity.theory.${goe}`,
    poisson: `rigidity.theory.${poisson}`,
  });
  if (!points || !theory) return undefined;
  return { measured: zipRows(points), theory: zipRows(theory) };
}

export function lengthStatisticSpec(
  data: LengthStatistic,
  name: string,
  { width, palette, strokeWidth }: ChartContext,
) {
  const color = seriesColor(
    ['this layer', 'GOE', 'Poisson'],
    [palette.data, palette.reference, palette.alternative],
  );
  const maxL = Math.max(...data.measured.map((p) => p.L));
  const theory = data.theory.filter((t) => t.L <= maxL * 1.05);
  // Poisson grows like L and would flatten everything else: cap the axis, let its line leave the plot.
  const top = 1.4 * Math.max(...data.measured.map((p) => p.value), ...theory.map((t) => t.goe));
  const y = { type: 'quantitative' as const, title: name, scale: { domain: [0, top], nice: false } };
  const x = { field: 'L', type: 'quantitative' as const, title: 'window length L' };
  const curve = (field: 'goe' | 'poisson', label: string) => ({
    data: { values: theory },
    mark: {
      type: 'line' as const,
      strokeWidth,
      clip: true,
      strokeDash: field === 'poisson' ? [6, 3] : undefined,
    },
    encoding: {
      x,
      y: { ...y, field },
      color: { datum: label, ...color },
    },
  });
  return {
    width,
    height: 200,
    layer: [
      curve('goe', 'GOE'),
      curve('poisson', 'Poisson'),
      {
        data: { values: data.measured },
        mark: { type: 'line' as const, point: { filled: true, size: 45 }, strokeWidth },
        encoding: {
          x,
          y: { ...y, field: 'value' },
          color: { datum: 'this layer', ...color },
          tooltip: [
            { field: 'L', title: 'L', format: EXACT },
            { field: 'value', title: name, format: EXACT },
          ],
        },
      },
    ],
  };
}

export const numberVarianceChart: ChartDefinition<LayerReport, LengthStatistic> = {
  id: 'sigma2',
  title: 'Number variance Σ²(L)',
  statistic: 'rigidity',
  caption: 'Variance of the level count in windows of length L: GOE grows like ln L, Poisson like L.',
  data: (layer) => lengthStatisticData(layer, 'sigma2', 'goeSigma2', 'poissonSigma2'),
  spec: (data, context) => lengthStatisticSpec(data, 'Σ²(L)', context),
};
