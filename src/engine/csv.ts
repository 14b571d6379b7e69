import type { LayerReport, ModelReport } from './report';

/** The per-layer numbers of a report as CSV: one row per matrix, nested fields flattened with dots. */
export function reportToCsv(report: ModelReport): string {
  const rows = report.layers.map(flattenLayer);
  const columns: string[] = [];
  for (const row of rows) for (const key of Object.keys(row)) if (!columns.includes(key)) columns.push(key);
  const lines = [columns.map(quote).join(',')];
  for (const row of rows) lines.push(columns.map((c) => quote(row[c] ?? '')).join(','));
  return lines.join('\n') + '\n';
}

/** Scalars only: arrays (histograms, curves, spectra) belong in the JSON export. */
function flattenLayer(layer: LayerReport): Record<string, string> {
  const out: Record<string, string> = {};
  const visit = (value: unknown, prefix: string) => {
    if (value === null || value === undefined) return;
    if (typeof value === 'number') out[prefix] = formatNumber(value);
    else if (typeof value === 'string' || typeof value === 'boolean') out[prefix] = String(value);
    else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
      if (prefix === 'shape' || prefix === 'verdict.reasons')
        out[prefix] = Array.from(value as ArrayLike<unknown>).join(prefix === 'shape' ? 'x' : '; ');
    } else if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value)) visit(v, prefix ? `${prefix}.${k}` : k);
    }
  };
  visit(layer, '');
  return out;
}

function formatNumber(x: number): string {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  return String(x);
}

function quote(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
