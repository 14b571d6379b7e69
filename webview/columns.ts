// The layer table's columns: the key numbers of RMT.md §2–§8. A column whose statistic no row has
// yet (`optional`) stays hidden, so the table grows with the report.
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
  /** Hidden while no row has a value. */
  optional?: boolean;
  /** Digits shown (numeric columns). */
  digits?: number;
}

const stat = (paths: readonly string[]) => (row: LayerRow) => firstNumberAt(row.report, paths);

export const COLUMNS: readonly LayerColumn[] = [
  {
    id: 'index',
    title: '#',
    description: 'Position in the file',
    width: '3em',
    numeric: true,
    value: (row) => row.index + 1,
  },
  {
    id: 'name',
    title: 'Layer',
    description: 'Tensor name ([k] for one matrix of a stacked tensor)',
    width: 'minmax(14em, 4fr)',
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
  },
  {
    id: 'dtype',
    title: 'dtype',
    description: 'Data type in the file',
    width: '5em',
    numeric: false,
    value: (row) => row.dtype,
  },
  {
    id: 'verdict',
    title: 'Verdict',
    description: 'Random-matrix verdict (RMT.md §8)',
    width: 'minmax(11em, 2fr)',
    numeric: false,
    value: (row) => (row.report ? row.report.verdict?.summary : row.status),
    render: (row) => {
      if (row.status === 'pending') return verdictBadge('pending', row.planned ? 'not analysed' : 'pending');
      if (row.status === 'failed') return verdictBadge('failed', 'failed', row.error);
      const verdict = row.report?.verdict;
      return verdictBadge(verdict?.label ?? 'pending', verdict?.summary ?? '—', verdict?.reasons?.join('\n'));
    },
  },
  {
    id: 'outliers',
    title: 'Outliers',
    description: 'Singular values beyond the Tracy–Widom threshold (RMT.md §2)',
    width: '5.75em',
    numeric: true,
    value: stat(['mp.outliers']),
    render: (row) => formatInteger(numberAt(row.report, 'mp.outliers')),
  },
  {
    id: 'sigma',
    title: 'σ',
    description: 'Fitted Marchenko–Pastur σ (entry standard deviation of the bulk)',
    width: '5em',
    numeric: true,
    digits: 3,
    value: stat(['mp.sigma']),
  },
  {
    id: 'ratio',
    title: '⟨r̃⟩',
    description: 'Mean spacing ratio (RMT.md §3): GOE 0.531, Poisson 0.386',
    width: '4.5em',
    numeric: true,
    optional: true,
    digits: 3,
    value: stat(['spacingRatio.mean']),
  },
  {
    id: 'pGoe',
    title: 'p GOE',
    description: 'Calibrated KS p-value of the unfolded spacings against the GOE (RMT.md §3)',
    width: '4.5em',
    numeric: true,
    optional: true,
    value: stat(['spacing.pGoe']),
    render: (row) => formatPValue(numberAt(row.report, 'spacing.pGoe')),
  },
  {
    id: 'ptFailures',
    title: 'PT fail',
    description: 'Singular vectors failing Porter–Thomas after Benjamini–Hochberg (RMT.md §5)',
    width: '5em',
    numeric: true,
    optional: true,
    value: stat(['porterThomas.rejected']),
    render: (row) => formatInteger(numberAt(row.report, 'porterThomas.rejected')),
  },
  {
    id: 'hillAlpha',
    title: 'α Hill',
    description: 'Hill tail index of the singular values at the plateau; "none" when α̂_k drifts (RMT.md §6)',
    width: '4.5em',
    numeric: true,
    optional: true,
    digits: 3,
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
    width: '4.5em',
    numeric: true,
    optional: true,
    digits: 3,
    value: stat(['powerLaw.alpha']),
  },
  {
    id: 'randDistance',
    title: 'JS rand',
    description: 'Jensen–Shannon distance of the spectrum to the shuffled matrix’s (RMT.md §7)',
    width: '5.5em',
    numeric: true,
    optional: true,
    digits: 2,
    value: stat(['baseline.distance']),
  },
  {
    id: 'spectralNorm',
    title: '‖W‖₂',
    description: 'Spectral norm (largest singular value); the layer view lists the other norms',
    width: '5em',
    numeric: true,
    digits: 4,
    value: stat(['norms.spectralNorm', 'spectralNorm']),
  },
];

/** The columns to show: every fixed column, and each optional one some row has a value for. */
export function visibleColumns(rows: readonly LayerRow[]): LayerColumn[] {
  return COLUMNS.filter((column) => !column.optional || rows.some((row) => column.value(row) !== undefined));
}

/** What a cell shows, and its tooltip (the exact value). */
export function cellContent(
  column: LayerColumn,
  row: LayerRow,
): { content: string | HTMLElement; title: string } {
  const value = column.value(row);
  const content = column.render
    ? column.render(row)
    : typeof value === 'number'
      ? formatNumber(value, column.digits ?? 4)
      : (value ?? '—');
  const title =
    typeof value === 'number'
      ? `${column.title}: ${formatExact(value)}`
      : typeof content === 'string'
        ? content
        : '';
  return { content, title };
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
