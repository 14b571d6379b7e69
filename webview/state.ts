// The page's state: what the host has sent so far plus the user's choices. Persisted with
// vscode.setState, so hiding and showing the panel restores it. `applyMessage` is pure.
import type { HostToWebview, LayerHeader } from '../src/protocol';
import type { LayerReport, ModelReport } from '../src/engine/report';
import type { BaselineResult, CheckpointComparison } from '../src/engine/comparisonTypes';

/** `planned`: the table from the file header, no analysis yet (the custom editor). */
export type RunStatus = 'waiting' | 'planned' | 'running' | 'done' | 'error' | 'cancelled';

export interface UiState {
  selected?: string;
  sortColumn: string;
  sortDescending: boolean;
  filter: string;
  tab: 'layers' | 'model';
  /** Per chart id, the chosen mode (e.g. `esd` → `log`). */
  chartModes: Record<string, string>;
}

export interface PageState {
  version: 1;
  file?: string;
  format?: string;
  headers: LayerHeader[];
  skipped: number;
  reports: Record<string, LayerReport>;
  failures: Record<string, string>;
  model?: ModelReport;
  /** cPSE of a Gaussian model of the same shapes (Compare with random baseline). */
  baseline?: BaselineResult;
  /** This file against an earlier checkpoint (Compare checkpoints). */
  comparison?: CheckpointComparison;
  status: RunStatus;
  progress?: { done: number; total: number };
  error?: string;
  ui: UiState;
}

export type RowStatus = 'pending' | 'done' | 'failed';

/** One row of the layer table: the header, and the report once the layer is done. */
export interface LayerRow {
  /** Position in the model (file order), 0-based. */
  index: number;
  name: string;
  shape: [number, number];
  dtype: string;
  status: RowStatus;
  report?: LayerReport;
  error?: string;
  /** No analysis is running for it: the table from the file header (custom editor), or after a cancel or error. */
  planned: boolean;
}

export function initialState(): PageState {
  return {
    version: 1,
    headers: [],
    skipped: 0,
    reports: {},
    failures: {},
    status: 'waiting',
    ui: { sortColumn: 'index', sortDescending: false, filter: '', tab: 'layers', chartModes: {} },
  };
}

/** A state restored from vscode.getState, or a fresh one when it is missing or from another version. */
export function restoreState(saved: unknown): PageState {
  const fresh = initialState();
  if (!saved || typeof saved !== 'object' || (saved as PageState).version !== 1) return fresh;
  const state = saved as PageState;
  return { ...fresh, ...state, ui: { ...fresh.ui, ...state.ui } };
}

export function applyMessage(state: PageState, message: HostToWebview): PageState {
  switch (message.type) {
    case 'begin':
    case 'plan':
      return {
        ...initialState(),
        ui: state.ui,
        comparison: state.comparison,
        file: message.file,
        format: message.format,
        headers: message.layers,
        skipped: message.skipped,
        status: message.type === 'begin' ? 'running' : 'planned',
        progress: message.type === 'begin' ? { done: 0, total: message.layers.length } : undefined,
      };
    case 'layer':
      return { ...state, reports: { ...state.reports, [message.report.name]: message.report } };
    case 'layerFailed':
      return { ...state, failures: { ...state.failures, [message.name]: message.error } };
    case 'progress':
      return { ...state, progress: { done: message.done, total: message.total } };
    case 'done': {
      const reports: Record<string, LayerReport> = {};
      for (const layer of message.report.layers ?? []) reports[layer.name] = layer;
      const failures: Record<string, string> = {};
      for (const failed of message.report.failed ?? []) failures[failed.name] = failed.error;
      // Every layer is known now; announced layers the report lacks belong to an older run.
      const headers = state.headers.filter((h) => h.name in reports || h.name in failures);
      return {
        ...state,
        file: message.report.file ?? state.file,
        format: message.report.format ?? state.format,
        headers,
        skipped: message.report.skipped?.length ?? state.skipped,
        reports,
        failures,
        model: message.report,
        status: 'done',
        progress: undefined,
      };
    }
    case 'error':
      return { ...state, status: 'error', error: message.message, progress: undefined };
    case 'cancelled':
      return { ...state, status: 'cancelled', progress: undefined };
    case 'selectLayer':
      return { ...state, ui: { ...state.ui, selected: message.name, tab: 'layers' } };
    case 'baseline':
      return { ...state, baseline: message.baseline, ui: { ...state.ui, tab: 'model' } };
    case 'comparison':
      return {
        ...state,
        comparison: message.comparison,
        file: state.file ?? message.comparison.file,
        ui: { ...state.ui, tab: 'model' },
      };
  }
}

/** The table rows in model order: every announced layer, plus any reported layer not announced. */
export function layerRows(state: PageState): LayerRow[] {
  const rows: LayerRow[] = state.headers.map((header, index) => row(state, index, header.name, header));
  const announced = new Set(state.headers.map((h) => h.name));
  const extra = [...Object.keys(state.reports), ...Object.keys(state.failures)].filter(
    (n) => !announced.has(n),
  );
  for (const name of new Set(extra)) rows.push(row(state, rows.length, name));
  return rows;
}

function row(state: PageState, index: number, name: string, header?: LayerHeader): LayerRow {
  const report = state.reports[name];
  const error = state.failures[name];
  return {
    index,
    name,
    shape: report?.shape ?? header?.shape ?? [0, 0],
    dtype: report?.dtype ?? header?.dtype ?? '',
    status: report ? 'done' : error !== undefined ? 'failed' : 'pending',
    report,
    error,
    planned: state.status === 'planned' || state.status === 'cancelled' || state.status === 'error',
  };
}

/** The selected layer: the user's choice, else the first analysed layer that has a spectrum. */
export function selectedRow(state: PageState, rows: readonly LayerRow[]): LayerRow | undefined {
  const chosen = rows.find((r) => r.name === state.ui.selected);
  if (chosen) return chosen;
  const analysed = rows.filter((r) => r.report);
  return (
    analysed.find((r) => r.report?.verdict?.label !== 'too small' && r.report?.verdict?.label !== 'failed') ??
    analysed[0] ??
    rows[0]
  );
}
