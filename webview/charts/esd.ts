// ESD: histogram of the singular values, the fitted Marchenko–Pastur density and the TW outlier
// threshold (RMT.md §2), with the randomised baseline over it when the report has one (§7). For an
// approximated layer (§10) the bars are an SLQ density estimate, drawn as an outline rather than as
// a histogram of exact values, with the exact Lanczos top values as ticks along the axis.
import type { LayerReport } from '../../src/engine/report';
import { columnsAt, numberAt, numbersAt, valueAt } from '../reportAccess';
import { binRows, EXACT, logTicks, seriesColor, type ChartDefinition } from './types';

interface EsdData {
  bins: { x0: number; x1: number; density: number }[];
  curve: { x: number; y: number }[];
  twThreshold?: number;
  twLevel?: number;
  baseline?: { x0: number; x1: number; density: number }[];
  /** Set for an approximated layer: the bins are an SLQ estimate; these top values are exact. */
  estimate?: { topValues: number[] };
}

const SERIES = {
  esd: 'singular values',
  estimate: 'density estimate (SLQ)',
  top: 'top values (Lanczos)',
  mp: 'MP fit',
  baseline: 'shuffled W',
};

export const esdChart: ChartDefinition<LayerReport, EsdData> = {
  id: 'esd',
  title: 'Singular values against Marchenko–Pastur',
  caption: 'Bars outside the MP density and beyond the TW threshold are learned spikes.',
  modes: [
    { id: 'linear', label: 'Linear' },
    { id: 'log', label: 'Log' },
  ],
  data(layer) {
    const histogram = columnsAt(layer, { density: 'esd.histogram.density' });
    const edges = numbersAt(layer, 'esd.histogram.edges');
    if (!histogram || !edges) return undefined;
    const curve = columnsAt(layer, { x: 'esd.mpCurve.x', y: 'esd.mpCurve.y' });
    const baselineEdges = numbersAt(layer, 'baseline.histogram.edges');
    const baselineDensity = numbersAt(layer, 'baseline.histogram.density');
    const approximate = valueAt(layer, 'approximate') !== undefined;
    return {
      estimate: approximate ? { topValues: numbersAt(layer, 'approximate.topValues') ?? [] } : undefined,
      bins: binRows(edges, histogram.density),
      curve: curve ? curve.x.map((x, i) => ({ x, y: curve.y[i] })) : [],
      twThreshold: numberAt(layer, 'mp.twThreshold'),
      twLevel: numberAt(layer, 'mp.twLevel'),
      baseline: baselineEdges && baselineDensity ? binRows(baselineEdges, baselineDensity) : undefined,
    };
  },
  describe(data) {
    if (!data.estimate) return {};
    return {
      title: 'Density estimate (SLQ) against Marchenko–Pastur',
      caption: `Approximated layer: the outline is a stochastic Lanczos quadrature estimate of the density, not a histogram of exact values. Ticks: the top ${data.estimate.topValues.length} singular values, exact (Lanczos).`,
    };
  },
  spec(data, { width, mode, palette, strokeWidth }) {
    const log = mode === 'log';
    const positive = <T>(rows: T[], key: keyof T): T[] =>
      log ? rows.filter((r) => (r[key] as number) > 0) : rows;
    const yScale = log ? { type: 'log' as const } : { type: 'linear' as const, zero: true };
    // Bars start at 0, or on a log scale half a decade below the smallest positive density.
    const smallest = Math.min(...positive(data.bins, 'density').map((b) => b.density));
    const floor = log ? (Number.isFinite(smallest) ? smallest / 3 : 1e-3) : 0;
    const ticks = logTicks([floor, ...data.bins.map((b) => b.density), ...data.curve.map((c) => c.y)]);
    const estimate = data.estimate;
    const names = [estimate ? SERIES.estimate : SERIES.esd, SERIES.mp];
    const colors = [palette.data, palette.reference];
    if (estimate) {
      names.push(SERIES.top);
      colors.push(palette.foreground);
    }
    if (data.baseline) {
      names.push(SERIES.baseline);
      colors.push(palette.baseline);
    }
    const series = seriesColor(names, colors);
    // Legend symbols take the bars' opacity, which is faint for the estimate's outline.
    const color = { ...series, legend: { ...series.legend, symbolOpacity: 0.85 } };
    const twTitle =
      data.twLevel !== undefined ? `TW threshold (${Math.round(data.twLevel * 100)} %)` : 'TW threshold';
    const x = {
      type: 'quantitative' as const,
      title: 'singular value ν',
      scale: { zero: false, nice: false },
    };
    const height = 220;
    return {
      width,
      height,
      layer: [
        {
          data: { values: positive(data.bins, 'density') },
          mark: estimate
            ? { type: 'rect', opacity: 0.18, stroke: palette.data, strokeWidth, strokeDash: [4, 2] }
            : { type: 'rect', opacity: 0.75, stroke: palette.data, strokeWidth: 0.5 },
          encoding: {
            x: { ...x, field: 'x0' },
            x2: { field: 'x1' },
            y: {
              field: 'density',
              type: 'quantitative',
              title: 'density',
              scale: yScale,
              axis: log ? { values: ticks } : {},
            },
            y2: { datum: floor },
            color: { datum: estimate ? SERIES.estimate : SERIES.esd, ...color },
            tooltip: [
              { field: 'x0', title: 'from ν', format: EXACT },
              { field: 'x1', title: 'to ν', format: EXACT },
              { field: 'density', title: estimate ? 'estimated density' : 'density', format: EXACT },
            ],
          },
        },
        ...(estimate && estimate.topValues.length > 0
          ? [
              {
                name: 'top_values',
                data: { values: estimate.topValues.map((nu, i) => ({ nu, rank: i + 1 })) },
                mark: { type: 'tick' as const, orient: 'vertical' as const, size: 10, thickness: 1 },
                encoding: {
                  x: { ...x, field: 'nu' },
                  y: { value: height - 5 },
                  color: { datum: SERIES.top, ...color },
                  tooltip: [
                    { field: 'rank', title: 'rank' },
                    { field: 'nu', title: 'ν (Lanczos)', format: EXACT },
                  ],
                },
              },
            ]
          : []),
        ...(data.baseline
          ? [
              {
                data: { values: positive(data.baseline, 'density') },
                mark: { type: 'line' as const, interpolate: 'step-after' as const, strokeWidth },
                encoding: {
                  x: { ...x, field: 'x0' },
                  y: { field: 'density', type: 'quantitative' as const, scale: yScale },
                  color: { datum: SERIES.baseline, ...color },
                  tooltip: [
                    { field: 'x0', title: 'from ν', format: EXACT },
                    { field: 'density', title: 'shuffled density', format: EXACT },
                  ],
                },
              },
            ]
          : []),
        {
          data: { values: positive(data.curve, 'y') },
          mark: { type: 'line', strokeWidth, clip: true },
          encoding: {
            x: { ...x, field: 'x' },
            y: { field: 'y', type: 'quantitative', scale: yScale },
            color: { datum: SERIES.mp, ...color },
          },
        },
        ...(data.twThreshold !== undefined && Number.isFinite(data.twThreshold)
          ? [
              {
                data: { values: [{ x: data.twThreshold, label: twTitle }] },
                mark: { type: 'rule' as const, color: palette.threshold, strokeDash: [5, 3], strokeWidth },
                encoding: {
                  x: { ...x, field: 'x' },
                  tooltip: [
                    { field: 'label', title: 'line' },
                    { field: 'x', title: 'ν', format: EXACT },
                  ],
                },
              },
              {
                data: { values: [{ x: data.twThreshold, label: 'TW' }] },
                mark: {
                  type: 'text' as const,
                  color: palette.threshold,
                  align: 'left' as const,
                  dx: 4,
                  y: 8,
                },
                encoding: { x: { ...x, field: 'x' }, text: { field: 'label' } },
              },
            ]
          : []),
      ],
    };
  },
};
