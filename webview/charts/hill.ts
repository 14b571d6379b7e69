// Hill plot: the tail index α̂_k of the singular values against k, with its plateau and the
// WeightWatcher α converted to the same scale, 2(α_WW − 1) (RMT.md §6).
import type { LayerReport } from '../../src/engine/report';
import { columnsAt, numberAt, valueAt } from '../reportAccess';
import { EXACT, logTicks, seriesColor, zipRows, type ChartDefinition } from './types';

interface HillData {
  points: { k: number; alpha: number; lo: number; hi: number }[];
  plateau?: { k0: number; k1: number; alpha: number };
  ww?: number;
}

export const hillChart: ChartDefinition<LayerReport, HillData> = {
  id: 'hill',
  title: 'Hill plot',
  statistic: 'hill',
  caption:
    'A power-law tail shows a plateau in α̂_k; drift means no tail index. Dashed: WeightWatcher α as 2(α − 1).',
  modes: [
    { id: 'log', label: 'Log' },
    { id: 'linear', label: 'Linear' },
  ],
  data(layer) {
    const plot = columnsAt(layer, {
      k: 'hill.plot.k',
      alpha: 'hill.plot.alpha',
      se: 'hill.plot.standardError',
    });
    if (!plot) return undefined;
    const points = zipRows(plot).map(({ k, alpha, se }) => ({
      k,
      alpha,
      lo: Math.max(alpha - se, alpha / 3),
      hi: alpha + se,
    }));
    const alpha = numberAt(layer, 'hill.alpha');
    const k0 = numberAt(layer, 'hill.k0');
    const plateau =
      valueAt(layer, 'hill.plateau') === true &&
      alpha !== undefined &&
      Number.isFinite(alpha) &&
      k0 !== undefined
        ? { k0, k1: 2 * k0, alpha }
        : undefined;
    const ww = numberAt(layer, 'powerLaw.hillEquivalent');
    return { points, plateau, ww: ww !== undefined && Number.isFinite(ww) ? ww : undefined };
  },
  spec(data, { width, mode, palette, strokeWidth }) {
    const series: [string, string][] = [['α̂_k', palette.data]];
    if (data.plateau) series.push(['plateau', palette.reference]);
    if (data.ww !== undefined) series.push(['WW 2(α−1)', palette.alternative]);
    const color = seriesColor(
      series.map(([name]) => name),
      series.map(([, c]) => c),
    );
    const x = { field: 'k', type: 'quantitative' as const, title: 'k (largest singular values used)' };
    const yScale = mode === 'linear' ? { type: 'linear' as const, zero: false } : { type: 'log' as const };
    const extent = data.points.flatMap((p) => [p.lo, p.hi]);
    const axis = mode === 'linear' ? {} : { values: logTicks(extent) };
    const y = { type: 'quantitative' as const, title: 'tail index α̂', scale: yScale, axis };
    return {
      width,
      height: 220,
      layer: [
        {
          data: { values: data.points },
          mark: { type: 'area', opacity: 0.2, color: palette.data },
          encoding: { x, y: { ...y, field: 'lo' }, y2: { field: 'hi' } },
        },
        {
          data: { values: data.points },
          mark: { type: 'line', strokeWidth },
          encoding: {
            x,
            y: { ...y, field: 'alpha' },
            color: { datum: 'α̂_k', ...color },
            tooltip: [
              { field: 'k', title: 'k' },
              { field: 'alpha', title: 'α̂_k', format: EXACT },
              { field: 'lo', title: 'α̂ − s.e.', format: EXACT },
              { field: 'hi', title: 'α̂ + s.e.', format: EXACT },
            ],
          },
        },
        ...(data.plateau
          ? [
              {
                data: { values: [data.plateau] },
                mark: { type: 'rule' as const, strokeWidth: strokeWidth * 2 },
                encoding: {
                  x: { ...x, field: 'k0' },
                  x2: { field: 'k1' },
                  y: { ...y, field: 'alpha' },
                  color: { datum: 'plateau', ...color },
                  tooltip: [
                    { field: 'alpha', title: 'plateau α', format: EXACT },
                    { field: 'k0', title: 'from k' },
                    { field: 'k1', title: 'to k' },
                  ],
                },
              },
            ]
          : []),
        ...(data.ww !== undefined
          ? [
              {
                data: { values: [{ alpha: data.ww }] },
                mark: { type: 'rule' as const, strokeDash: [5, 3], strokeWidth },
                encoding: {
                  y: { ...y, field: 'alpha' },
                  color: { datum: 'WW 2(α−1)', ...color },
                  tooltip: [{ field: 'alpha', title: '2(α_WW − 1)', format: EXACT }],
                },
              },
            ]
          : []),
      ],
    };
  },
};
