// What every chart provides. A chart is one file exporting one ChartDefinition; the registry in
// index.ts lists them. A chart appears only when `data` finds what it needs in the report.
import type { TopLevelSpec } from 'vega-lite';
import type { Palette } from '../theme';
import type { ModelReport } from '../../src/engine/report';
import type { BaselineResult, CheckpointComparison } from '../../src/engine/comparisonTypes';

export interface ChartContext {
  /** Plot width in pixels (the view adds axes and legend around it). */
  width: number;
  /** The chart's mode, one of `modes` (the first when the user has not chosen). */
  mode: string;
  palette: Palette;
  strokeWidth: number;
}

export interface ChartDefinition<Source, Data> {
  /** Stable id: the DOM id is `${id}-chart`; the state keeps the mode under it. */
  id: string;
  title: string;
  /** One line under the title: what to look for. */
  caption: string;
  /** Alternative views (e.g. linear/log); the first is the default. */
  modes?: readonly { id: string; label: string }[];
  /** The chart's data from the report, or undefined when the report does not have it. */
  data(source: Source): Data | undefined;
  spec(data: Data, context: ChartContext): TopLevelSpec;
  /** A title and caption that depend on the data (e.g. an estimated density), instead of the fixed ones. */
  describe?(data: Data): { title?: string; caption?: string };
  /**
   * The report statistic the chart draws (e.g. `spacing`): when an approximated layer lists it as
   * unavailable, the page shows why in the chart's place.
   */
  statistic?: string;
}

/** A chart definition with its data type hidden, for registries. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AnyChart<Source> = ChartDefinition<Source, any>;

/** A chart with its data found, ready to draw. */
export interface ReadyChart {
  id: string;
  title: string;
  caption: string;
  modes?: readonly { id: string; label: string }[];
  spec(context: ChartContext): TopLevelSpec;
}

/** The charts of the registry whose data the source has, in registry order. */
export function readyCharts<Source>(
  charts: readonly AnyChart<Source>[],
  source: Source | undefined,
): ReadyChart[] {
  if (source === undefined) return [];
  return charts.flatMap((chart) => {
    const data: unknown = chart.data(source);
    if (data === undefined) return [];
    const { id, modes } = chart;
    const { title = chart.title, caption = chart.caption } = chart.describe?.(data) ?? {};
    return [{ id, title, caption, modes, spec: (context: ChartContext) => chart.spec(data, context) }];
  });
}

/** Tooltip format of numbers: enough digits to be exact for the report's values. */
export const EXACT = '.10~g';

/** Histogram bins as rows for vega: [x0, x1) with density. */
export function binRows(
  edges: readonly number[],
  density: readonly number[],
): { x0: number; x1: number; density: number }[] {
  const rows = [];
  for (let i = 0; i < density.length && i + 1 < edges.length; i++) {
    rows.push({ x0: edges[i], x1: edges[i + 1], density: density[i] });
  }
  return rows;
}

/** A legend that names each layer by its `color: { datum }` and gives it its colour. */
export function seriesColor(names: string[], colors: string[]) {
  return {
    scale: { domain: names, range: colors },
    legend: { orient: 'top' as const, title: null, direction: 'horizontal' as const },
  };
}

/** Verdict labels in the order legends list them. */
export const VERDICT_ORDER = ['random', 'bulk random, spikes', 'deviating', 'too small', 'failed'] as const;

/** What the model charts draw from: the report, and the comparisons when they were run. */
export interface ModelSource {
  report?: ModelReport;
  baseline?: BaselineResult;
  comparison?: CheckpointComparison;
}

/** Rows of equal-length columns, skipping rows where a value is missing or not finite. */
export function zipRows<K extends string>(columns: Record<K, readonly number[]>): Record<K, number>[] {
  const keys = Object.keys(columns) as K[];
  const length = Math.min(...keys.map((k) => columns[k].length));
  const rows: Record<K, number>[] = [];
  for (let i = 0; i < length; i++) {
    const row = {} as Record<K, number>;
    let ok = true;
    for (const k of keys) {
      const v = columns[k][i];
      if (typeof v !== 'number' || !Number.isFinite(v)) ok = false;
      row[k] = v;
    }
    if (ok) rows.push(row);
  }
  return rows;
}

/**
 * Tick values for a log axis over [min, max]: the powers of ten, with 2 and 5 between them when the
 * range spans fewer than three decades (vega's own log ticks draw a grid line at every 1–9 multiple).
 */
export function logTicks(values: readonly number[]): number[] {
  const positive = values.filter((v) => v > 0 && Number.isFinite(v));
  if (positive.length === 0) return [];
  const lo = Math.floor(Math.log10(Math.min(...positive)));
  const hi = Math.ceil(Math.log10(Math.max(...positive)));
  const steps = hi - lo < 3 ? [1, 2, 5] : [1];
  const ticks: number[] = [];
  for (let e = lo; e <= hi; e++) for (const m of steps) ticks.push(Number((m * 10 ** e).toPrecision(1)));
  return ticks;
}
