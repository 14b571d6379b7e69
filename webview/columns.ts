// The layer table's columns: the key numbers of RMT.md §2–§8. A column whose statistic no row has
// yet (`optional`) stays hidden, so the table grows with the report.
import {
  approximationOf,
  ESTIMATE_MARK,
  fieldStatus,
  isApproximationReason,
  methodSentence,
  outliersLowerBoundNote,
  outliersText,
  plainSummary,
} from './approximation';
import type { GridColumn } from './components/dataGrid';
import { element } from './components/toolkit';
import { verdictBadge } from './components/verdictBadge';
import { formatExact, formatInteger, formatNumber, formatPValue, formatShape } from './format';
import { firstNumberAt, numberAt } from './reportAccess';
import type { LayerRow } from './state';

export interface LayerColumn extends GridColumn {
  /** The sort key; also what the cell shows unless `render` says otherwise. */
  value(row: LayerRow): number | string | undefined;
  render?(row: LayerRow): string | HTMLElement;
  /** The cell's tooltip when it is not the exact value. */
  tooltip?(row: LayerRow): string | undefined;
  /** The report fields the number comes from: how an approximated layer lists them (exact, estimated, not computed). */
  fields?: readonly string[];
  /** Hidden while no row has a value. */
  optional?: boolean;
  /** Hidden while every row has the same value (the table's caption says it once). */
  hiddenWhenUniform?: boolean;
  /** Digits shown (numeric columns). */
  digits?: number;
}

const stat = (paths: readonly string[]) => (row: LayerRow) => firstNumberAt(row.report, paths);

export const COLUMNS: readonly LayerColumn[] = [
  {
    id: 'index',
    title: '#',
    description: 'Position in the file',
    width: '2.75em',
    numeric: true,
    value: (row) => row.index + 1,
  },
  {
    id: 'name',
    title: 'Layer',
    description: 'Tensor name ([k] for one matrix of a stacked tensor)',
    width: 'minmax(8.5em, 3fr)',
    numeric: false,
    value: (row) => row.name,
    // Long names lose their start, not their end (the end tells q from k, weight from bias).
    render: (row) => element('span', { class: 'name-text' }, [row.name]),
  },
  {
    id: 'shape',
    title: 'Shape',
    description: 'Matrix shape, rows × columns, in [out, in] orientation',
    width: 'minmax(6.5em, 1fr)',
    numeric: false,
    value: (row) => row.shape[0] * row.shape[1],
    render: (row) => formatShape(row.shape),
    tooltip: (row) => `${formatShape(row.shape)}${row.dtype ? ` · ${row.dtype}` : ''}`,
  },
  {
    id: 'dtype',
    title: 'dtype',
    description: 'Data type in the file',
    width: '4.25em',
    hiddenWhenUniform: true,
    numeric: false,
    value: (row) => row.dtype,
  },
  {
    id: 'verdict',
    title: 'Verdict',
    description: 'Random-matrix verdict (RMT.md §8)',
    width: 'minmax(14em, 2fr)',
    numeric: false,
    value: (row) => (row.report ? row.report.verdict?.summary : row.status),
    render: (row) => {
      if (row.status === 'pending') return verdictBadge('pending', row.planned ? 'not analysed' : 'pending');
      if (row.status === 'failed') return verdictBadge('failed', 'failed', row.error);
      const verdict = row.report?.verdict;
      const approximation = approximationOf(row.report);
      if (!approximation)
        return verdictBadge(
          verdict?.label ?? 'pending',
          verdict?.summary ?? '—',
          verdict?.reasons?.join('\n'),
        );
      const text = `${ESTIMATE_MARK} ${plainSummary(verdict?.summary ?? '—')}`;
      const badge = verdictBadge(verdict?.label ?? 'pending', text, approximateTooltip(row));
      badge.classList.add('badge-approximate');
      return badge;
    },
  },
  {
    id: 'outliers',
    title: 'Outliers',
    description: 'Singular values beyond the Tracy–Widom threshold (RMT.md §2)',
    width: '5.5em',
    numeric: true,
    fields: ['mp.outliers'],
    value: stat(['mp.outliers']),
    render: (row) => outliersText(row.report),
    tooltip: (row) => {
      const approximation = approximationOf(row.report);
      return approximation?.outliersLowerBound
        ? `Outliers: ${outliersLowerBoundNote(approximation)}`
        : undefined;
    },
  },
  {
    id: 'sigma',
    title: 'σ',
    description: 'Fitted Marchenko–Pastur σ (entry standard deviation of the bulk)',
    width: '4.5em',
    numeric: true,
    digits: 3,
    fields: ['mp.sigma'],
    value: stat(['mp.sigma']),
  },
  {
    id: 'ratio',
    title: '⟨r̃⟩',
    description: 'Mean spacing ratio (RMT.md §3): GOE 0.531, Poisson 0.386',
    width: '4em',
    numeric: true,
    optional: true,
    digits: 3,
    fields: ['spacingRatio.mean'],
    value: stat(['spacingRatio.mean']),
  },
  {
    id: 'pGoe',
    title: 'p GOE',
    description: 'Calibrated KS p-value of the unfolded spacings against the GOE (RMT.md §3)',
    width: '4.5em',
    numeric: true,
    optional: true,
    fields: ['spacing.pGoe'],
    value: stat(['spacing.pGoe']),
    render: (row) => formatPValue(numberAt(row.report, 'spacing.pGoe')),
  },
  {
    id: 'ptFailures',
    title: 'PT fail',
    description: 'Singular vectors failing Porter–Thomas after Benjamini–Hochberg (RMT.md §5)',
    width: '4.5em',
    numeric: true,
    optional: true,
    fields: ['porterThomas.rejected'],
    value: stat(['porterThomas.rejected']),
    render: (row) => formatInteger(numberAt(row.report, 'porterThomas.rejected')),
  },
  {
    id: 'hillAlpha',
    title: 'α Hill',
    description: 'Hill tail index of the singular values at the plateau; "none" when α̂_k drifts (RMT.md §6)',
    width: '4.25em',
    numeric: true,
    optional: true,
    digits: 3,
    fields: ['hill.alpha'],
    value: stat(['hill.alpha']),
    render: (row) => {
      const alpha = numberAt(row.report, 'hill.alpha');
      return alpha !== undefined && Number.isNaN(alpha) ? 'none' : formatNumber(alpha, 3);
    },
  },
  {
    id: 'wwAlpha',
    title: 'α WW',
    description: 'WeightWatcher power-law α on the eigenvalues λ = ν² (RMT.md §6)',
    width: '4.25em',
    numeric: true,
    optional: true,
    digits: 3,
    fields: ['powerLaw.alpha'],
    value: stat(['powerLaw.alpha']),
  },
  {
    id: 'randDistance',
    title: 'JS rand',
    description: 'Jensen–Shannon distance of the spectrum to the shuffled matrix’s (RMT.md §7)',
    width: '5em',
    numeric: true,
    optional: true,
    digits: 2,
    fields: ['baseline.distance'],
    value: stat(['baseline.distance']),
  },
  {
    id: 'spectralNorm',
    title: '‖W‖₂',
    description: 'Spectral norm (largest singular value); the layer view lists the other norms',
    width: '4.75em',
    numeric: true,
    digits: 4,
    fields: ['norms.spectralNorm', 'spectralNorm'],
    value: stat(['norms.spectralNorm', 'spectralNorm']),
  },
];

/** The columns to show: every fixed column, each optional one some row has a value for, each uniform-hidden one whose rows differ. */
export function visibleColumns(rows: readonly LayerRow[]): LayerColumn[] {
  return COLUMNS.filter((column) => {
    if (column.optional && !rows.some((row) => column.value(row) !== undefined)) return false;
    return !column.hiddenWhenUniform || new Set(rows.map((row) => column.value(row))).size > 1;
  });
}

/** The dtype of every row when they share one (the dtype column is then hidden). */
export function commonDtype(rows: readonly LayerRow[]): string | undefined {
  const dtypes = new Set(rows.map((row) => row.dtype));
  return dtypes.size === 1 ? [...dtypes][0] || undefined : undefined;
}

/**
 * What a cell shows, and its tooltip: the exact value, or for an approximated layer, `≈` on an
 * estimate and `n/a` (with the reason) where the statistic needs the full spectrum.
 */
export function cellContent(
  column: LayerColumn,
  row: LayerRow,
): { content: string | HTMLElement; title: string } {
  const approximation = approximationOf(row.report);
  const status = column.fields ? fieldStatus(approximation, column.fields) : { kind: 'exact' as const };
  if (status.kind === 'unavailable') {
    return {
      content: element('span', { class: 'not-available' }, ['n/a']),
      title: `${column.title}: not computed for this approximated layer; ${status.reason}`,
    };
  }
  const value = column.value(row);
  const text = column.render
    ? column.render(row)
    : typeof value === 'number'
      ? formatNumber(value, column.digits ?? 4)
      : (value ?? '—');
  if (status.kind === 'estimated' && typeof text === 'string' && typeof value === 'number') {
    const note = status.note ? ` (${status.note})` : '';
    return {
      content: element('span', { class: 'estimate' }, [`${ESTIMATE_MARK}${text}`]),
      title: `${column.title} ≈ ${formatExact(value)}: an estimate from the approximated spectrum${note}`,
    };
  }
  const title =
    column.tooltip?.(row) ??
    (typeof value === 'number'
      ? `${column.title}: ${formatExact(value)}`
      : typeof text === 'string'
        ? text
        : (value ?? ''));
  return { content: text, title };
}

/** The tooltip of an approximated layer's verdict: how it was computed, then the reasons. */
function approximateTooltip(row: LayerRow): string {
  const approximation = approximationOf(row.report);
  const reasons = (row.report?.verdict?.reasons ?? []).filter((r) => !isApproximationReason(r));
  return [
    `Approximated: ${approximation ? methodSentence(approximation) : ''}`,
    ...reasons,
    'Numbers marked ≈ are estimates; n/a needs the full spectrum.',
  ].join('\n');
}

/** Sorts rows by a column; missing values last whatever the direction. */
export function sortRows(rows: readonly LayerRow[], column: LayerColumn, descending: boolean): LayerRow[] {
  const sign = descending ? -1 : 1;
  return [...rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    const missingX = x === undefined || (typeof x === 'number' && Number.isNaN(x));
    const missingY = y === undefined || (typeof y === 'number' && Number.isNaN(y));
    if (missingX || missingY) return missingX === missingY ? a.index - b.index : missingX ? 1 : -1;
    const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y));
    return order === 0 ? a.index - b.index : sign * order;
  });
}

/** Keeps rows whose name, dtype or verdict contains every word of the filter. */
export function filterRows(rows: readonly LayerRow[], filter: string): LayerRow[] {
  const words = filter.toLowerCase().split(/\s+/).filter(Boolean);
  if (words.length === 0) return [...rows];
  return rows.filter((row) => {
    const text = `${row.name} ${row.dtype} ${row.report?.verdict?.summary ?? row.status}`.toLowerCase();
    return words.every((word) => text.includes(word));
  });
}
