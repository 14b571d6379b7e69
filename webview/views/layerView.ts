// The selected layer: verdict with its reasons, the key numbers, and every chart the report has data for.
import { verdictBadge } from '../components/verdictBadge';
import { element } from '../components/toolkit';
import { LAYER_CHARTS } from '../charts';
import { formatExact, formatInteger, formatNumber, formatPValue, formatShape } from '../format';
import { firstNumberAt, numberAt, numbersAt } from '../reportAccess';
import type { LayerReport } from '../../src/engine/report';
import type { LayerRow } from '../state';
import type { Theme } from '../theme';
import { ChartGrid, type ChartCardHandlers } from './chartCard';

interface Fact {
  label: string;
  description: string;
  value(report: LayerReport): number | undefined;
  format?(value: number): string;
}

const at = (...paths: string[]) => (report: LayerReport) => firstNumberAt(report, paths);
const integer = (value: number) => formatInteger(value);

/** The key numbers beside the charts; a fact shows only when the report has it. */
const FACTS: readonly Fact[] = [
  { label: 'q = N/M', description: 'Aspect ratio of the matrix (N ≤ M)', value: at('mp.q') },
  { label: 'σ (MP fit)', description: 'Fitted Marchenko–Pastur σ', value: at('mp.sigma') },
  { label: 'σ (median)', description: 'σ from median matching alone', value: at('mp.sigmaMedian') },
  { label: 'MP edge ν₋', description: 'Lower bulk edge of the singular values', value: at('mp.nuMinus') },
  { label: 'MP edge ν₊', description: 'Upper bulk edge of the singular values', value: at('mp.nuPlus') },
  { label: 'TW threshold', description: 'Outlier threshold on ν (Tracy–Widom)', value: at('mp.twThreshold') },
  { label: 'Outliers', description: 'Singular values beyond the TW threshold', value: at('mp.outliers'), format: integer },
  { label: 'BBP threshold', description: 'Smallest detectable spike strength q^¼', value: at('mp.bbpThreshold') },
  { label: '⟨r̃⟩', description: 'Mean spacing ratio: GOE 0.531, Poisson 0.386', value: at('spacing.ratio.mean') },
  { label: 'KS p (GOE)', description: 'Calibrated p-value of the spacings against the GOE', value: at('spacing.ks.goe.p'), format: formatPValue },
  { label: 'PT boundary', description: 'Information/noise boundary of the singular vectors', value: at('porterThomas.boundary'), format: integer },
  { label: 'α Hill', description: 'Hill tail index at the plateau', value: at('tail.hill.alpha', 'hill.alpha') },
  { label: 'α WW', description: 'WeightWatcher power-law α on λ', value: at('tail.ww.alpha', 'ww.alpha') },
  { label: 'rand distance', description: 'Jensen–Shannon distance to the shuffled matrix', value: at('baseline.distance') },
  { label: '‖W‖₂', description: 'Spectral norm', value: at('norms.spectralNorm', 'spectralNorm') },
  { label: '‖W‖F', description: 'Frobenius norm', value: at('norms.frobeniusNorm', 'frobeniusNorm') },
  { label: 'Stable rank', description: '‖W‖²F / ‖W‖²₂', value: at('norms.stableRank') },
  { label: 'Rank', description: 'Numerical rank', value: at('norms.matrixRank'), format: integer },
  { label: 'Spectral entropy', description: 'Entropy of ν²/Σν² over ln(rank), 0 … 1', value: at('norms.spectralEntropy') },
  { label: 'log₁₀ ‖W‖²₂', description: 'WeightWatcher log_spectral_norm', value: at('norms.logSpectralNorm') },
  { label: 'log₁₀ ‖W‖²F', description: 'WeightWatcher log_norm', value: at('norms.logFrobeniusNorm') },
];

export class LayerView {
  readonly element = element('div', { class: 'layer-view', 'aria-live': 'polite' });
  private readonly summary = element('div', { class: 'layer-summary' });
  private readonly charts: ChartGrid;

  constructor(handlers: ChartCardHandlers) {
    this.charts = new ChartGrid(handlers);
    this.element.append(this.summary, this.charts.element);
  }

  /** Shows a layer; resolves when its charts are drawn. */
  async show(row: LayerRow | undefined, theme: Theme, modes: Record<string, string>): Promise<void> {
    this.summary.replaceChildren(...(row ? describe(row) : [element('p', { class: 'muted' }, ['No layer yet.'])]));
    if (row?.report) await this.charts.draw(row.report, LAYER_CHARTS, theme, modes);
    else this.charts.clear();
  }
}

function describe(row: LayerRow): HTMLElement[] {
  const title = element('h2', { class: 'layer-name' }, [row.name]);
  const subtitle = element('p', { class: 'muted' }, [`${formatShape(row.shape)} · ${row.dtype}`]);
  if (row.status === 'pending') return [title, subtitle, element('p', {}, [verdictBadge('pending', 'analysing…')])];
  if (row.status === 'failed' || !row.report) {
    return [title, subtitle, element('p', { class: 'error' }, [verdictBadge('failed', 'failed'), ' ', row.error ?? ''])];
  }
  const report = row.report;
  const verdict = report.verdict;
  const reasons = element('ul', { class: 'reasons' }, (verdict?.reasons ?? []).map((r) => element('li', {}, [r])));
  return [
    title,
    subtitle,
    element('p', {}, [verdictBadge(verdict?.label ?? 'pending', verdict?.summary ?? '—')]),
    reasons,
    facts(report),
    ...outliers(report),
  ];
}

function facts(report: LayerReport): HTMLElement {
  const list = element('dl', { class: 'facts' });
  for (const fact of FACTS) {
    const value = fact.value(report);
    if (value === undefined) continue;
    const text = fact.format ? fact.format(value) : formatNumber(value);
    list.append(
      element('div', { class: 'fact', title: `${fact.description}: ${formatExact(value)}` }, [
        element('dt', {}, [fact.label]),
        element('dd', {}, [text]),
      ]),
    );
  }
  const level = numberAt(report, 'mp.twLevel');
  if (level !== undefined) list.dataset.twLevel = String(level);
  return list;
}

/** The outlier singular values and their BBP spike strengths θ, largest first (at most 10). */
function outliers(report: LayerReport): HTMLElement[] {
  const values = numbersAt(report, 'mp.outlierValues');
  if (!values) return [];
  const strengths = numbersAt(report, 'mp.spikeStrengths') ?? [];
  const shown = values.slice(0, 10).map((nu, i) => {
    const theta = strengths[i];
    return theta === undefined ? formatNumber(nu) : `${formatNumber(nu)} (θ ${formatNumber(theta, 3)})`;
  });
  const more = values.length > 10 ? ` … and ${values.length - 10} more` : '';
  return [element('p', { class: 'outlier-values' }, [`Outliers ν: ${shown.join(', ')}${more}`])];
}
