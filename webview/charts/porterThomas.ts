// Porter–Thomas p-values of the singular vectors along the spectrum, the smoothed p̄ and the
// information/noise boundary (RMT.md §5).
import type { LayerReport } from '../../src/engine/report';
import { numberAt, numbersAt, valueAt } from '../reportAccess';
import { EXACT, logTicks, seriesColor, type ChartDefinition } from './types';

interface PtPoint {
  index: number;
  nu: number;
  side: string;
  p: number;
  /** p clamped to the plot's floor (p = 0 cannot sit on a log axis). */
  shown: number;
  smoothed: number;
  fails: boolean;
}

interface PtData {
  points: PtPoint[];
  boundary?: number;
  floor: number;
  /** Significance level α of the test (0.05 in reports made before it was a setting). */
  level: number;
}

export const porterThomasChart: ChartDefinition<LayerReport, PtData> = {
  id: 'porter-thomas',
  title: 'Singular vectors: Porter–Thomas',
  statistic: 'porterThomas',
  caption:
    'p-value of each vector against random (p̄: mean of 30 neighbours). Circled: fails after BH. Left of the boundary: information.',
  data(layer) {
    const indices = numbersAt(layer, 'porterThomas.indices');
    if (!indices) return undefined;
    const nu = numbersAt(layer, 'porterThomas.singularValues') ?? [];
    const replicas = numberAt(layer, 'porterThomas.nullReplicas');
    const floor = replicas && replicas > 0 ? 1 / (replicas + 1) : 1e-4;
    const points: PtPoint[] = [];
    for (const side of ['left', 'right'] as const) {
      const p = numbersAt(layer, `porterThomas.${side}.pValues`);
      const smoothed = numbersAt(layer, `porterThomas.${side}.smoothed`) ?? [];
      const rejected = valueAt(layer, `porterThomas.${side}.rejected`);
      if (!p) continue;
      indices.forEach((index, i) => {
        if (!Number.isFinite(p[i])) return;
        points.push({
          index,
          nu: nu[i],
          side: `${side} vectors`,
          p: p[i],
          shown: Math.max(p[i], floor),
          smoothed: Math.max(smoothed[i] ?? NaN, floor),
          fails: Array.isArray(rejected) && rejected[i] === true,
        });
      });
    }
    if (points.length === 0) return undefined;
    const boundary = numberAt(layer, 'porterThomas.boundary');
    return {
      points,
      floor,
      level: numberAt(layer, 'porterThomas.level') ?? 0.05,
      boundary: boundary !== undefined && Number.isFinite(boundary) ? boundary : undefined,
    };
  },
  spec(data, { width, palette, strokeWidth }) {
    const color = seriesColor(['left vectors', 'right vectors'], [palette.data, palette.alternative]);
    const x = {
      field: 'index',
      type: 'quantitative' as const,
      title: 'singular vector index (0 = largest ν)',
    };
    const y = {
      type: 'quantitative' as const,
      title: 'PT p-value',
      scale: { type: 'log' as const, domain: [data.floor, 1] },
      axis: { values: logTicks([data.floor, 1]) },
    };
    const tooltip = [
      { field: 'index', title: 'index' },
      { field: 'nu', title: 'ν', format: EXACT },
      { field: 'side', title: 'side' },
      { field: 'p', title: 'p', format: EXACT },
      { field: 'smoothed', title: 'p̄', format: EXACT },
      { field: 'fails', title: 'fails PT (BH)' },
    ];
    return {
      width,
      height: 220,
      layer: [
        {
          data: { values: data.points },
          mark: { type: 'point', filled: true, size: 14, opacity: 0.6 },
          encoding: {
            x,
            y: { ...y, field: 'shown' },
            color: { field: 'side', type: 'nominal', ...color },
            tooltip,
          },
        },
        {
          data: { values: data.points.filter((p) => p.fails) },
          mark: { type: 'point', filled: false, size: 70, color: palette.threshold, strokeWidth: 1.5 },
          encoding: { x, y: { ...y, field: 'shown' }, tooltip },
        },
        {
          data: { values: data.points.filter((p) => Number.isFinite(p.smoothed)) },
          mark: { type: 'line', strokeWidth },
          encoding: {
            x,
            y: { ...y, field: 'smoothed' },
            color: { field: 'side', type: 'nominal', ...color },
            detail: { field: 'side' },
          },
        },
        {
          data: { values: [{ p: data.level }] },
          mark: { type: 'rule', color: palette.muted, strokeDash: [2, 3], strokeWidth: 1 },
          encoding: { y: { ...y, field: 'p' }, tooltip: [{ field: 'p', title: 'level' }] },
        },
        ...(data.boundary !== undefined
          ? [
              {
                data: { values: [{ index: data.boundary, label: 'boundary' }] },
                mark: { type: 'rule' as const, color: palette.threshold, strokeDash: [5, 3], strokeWidth },
                encoding: { x, tooltip: [{ field: 'index', title: 'information/noise boundary' }] },
              },
            ]
          : []),
      ],
    };
  },
};
