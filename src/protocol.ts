// Every message between the extension host, the analysis workers and the webview, as typed unions.
import type { LayerReport, ModelReport, AnalysisSettings } from './engine/report';
import type { SkippedTensor } from './layers/types';
import type { BaselineResult, CheckpointComparison, LayerComparisonReport } from './engine/comparisonTypes';

/** A matrix as announced before its analysis (from the file header alone). */
export interface LayerHeader {
  name: string;
  tensor: string;
  shape: [number, number];
  dtype: string;
  layout: string;
}

// ---- host → webview ----
export type HostToWebview =
  | { type: 'begin'; file: string; format: string; layers: LayerHeader[]; skipped: number }
  /** The layers from the file header, no analysis running (the custom editor); the page offers 'analyze'. */
  | { type: 'plan'; file: string; format: string; layers: LayerHeader[]; skipped: number }
  | { type: 'layer'; report: LayerReport }
  | { type: 'layerFailed'; name: string; error: string }
  | { type: 'progress'; done: number; total: number }
  | { type: 'done'; report: ModelReport }
  | { type: 'error'; message: string }
  | { type: 'cancelled' }
  | { type: 'selectLayer'; name: string }
  | { type: 'baseline'; baseline: BaselineResult }
  | { type: 'comparison'; comparison: CheckpointComparison };

// ---- webview → host ----
export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'rendered'; layers: number; selected: string | undefined }
  | { type: 'selectLayer'; name: string }
  | { type: 'export'; format: 'json' | 'csv' }
  /** A chart to save: SVG text, or a PNG as a `data:image/png;base64,…` URL. */
  | { type: 'exportChart'; name: string; format: 'svg' | 'png'; data: string }
  | { type: 'cancel' }
  /** The user asked for the analysis (the page shows the button after 'plan', 'error' or 'cancelled'). */
  | { type: 'analyze' };

/** The largest chart export the host accepts from the page (characters of `data`). */
export const MAX_CHART_EXPORT = 32 * 1024 * 1024;

/** Checks a message from the webview (untrusted) against WebviewToHost; undefined when it does not fit. */
export function parseWebviewMessage(message: unknown): WebviewToHost | undefined {
  if (!message || typeof message !== 'object') return undefined;
  const m = message as Record<string, unknown>;
  const isName = (v: unknown): v is string => typeof v === 'string' && v.length > 0 && v.length <= 4096;
  switch (m.type) {
    case 'ready':
    case 'cancel':
    case 'analyze':
      return { type: m.type };
    case 'rendered':
      return Number.isInteger(m.layers) && (m.selected === undefined || isName(m.selected))
        ? { type: 'rendered', layers: m.layers as number, selected: m.selected as string | undefined }
        : undefined;
    case 'selectLayer':
      return isName(m.name) ? { type: 'selectLayer', name: m.name } : undefined;
    case 'export':
      return m.format === 'json' || m.format === 'csv' ? { type: 'export', format: m.format } : undefined;
    case 'exportChart': {
      if (!isName(m.name) || typeof m.data !== 'string' || m.data.length > MAX_CHART_EXPORT) return undefined;
      if (m.format === 'svg' && m.data.trimStart().startsWith('<svg')) {
        return { type: 'exportChart', name: m.name, format: 'svg', data: m.data };
      }
      if (m.format === 'png' && /^data:image\/png;base64,[A-Za-z0-9+/]+=*$/.test(m.data)) {
        return { type: 'exportChart', name: m.name, format: 'png', data: m.data };
      }
      return undefined;
    }
    default:
      return undefined;
  }
}

// ---- host → worker: each request gets exactly one answer ----
export type WorkerRequest = (
  | { type: 'plan'; file: string; settings: AnalysisSettings }
  | { type: 'analyzeLayer'; file: string; settings: AnalysisSettings; index: number }
  | {
      type: 'compareLayer';
      file: string;
      reference: string;
      settings: AnalysisSettings;
      name: string;
      k: number;
    }
) & {
  /** Threads the worker's engine may use for this request (set by the pool; default 1). */
  threads?: number;
};

export interface LayerPlanSummary {
  format: string;
  layers: LayerHeader[];
  skipped: SkippedTensor[];
}

export type WorkerAnswer =
  | { type: 'plan'; plan: LayerPlanSummary }
  | { type: 'layer'; report: LayerReport; singularValues: Float64Array }
  | { type: 'comparison'; comparison: LayerComparisonReport }
  | { type: 'error'; message: string };
