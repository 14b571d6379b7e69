// The selected layer: verdict with its reasons, the key numbers, and every chart the report has data for.
import { verdictBadge } from '../components/verdictBadge';
import { element } from '../components/toolkit';
import { LAYER_CHARTS, LAYER_COMPARISON_CHARTS } from '../charts';
import { readyCharts } from '../charts/types';
import {
  formatExact,
  formatInteger,
  formatNumber,
  formatPValue,
  formatSeconds,
  formatShape,
} from '../format';
import { firstNumberAt, numberAt, numbersAt } from '../reportAccess';
import type { LayerReport } from '../../src/engine/report';
import type { LayerComparisonReport } from '../../src/engine/comparisonTypes';
import type { LayerRow } from '../state';
import type { Theme } from '../theme';
import { ChartGrid, type ChartCardHandlers } from './chartCard';

interface Fact {
  label: string;
  description: string;
  value(report: LayerReport): number | undefined;
  format?(value: number): string;
}

const at =
  (...paths: string[]) =>
  (report: LayerReport) =>
    firstNumberAt(report, paths);
const integer = (value: number) => formatInteger(value);

/** The key numbers beside the charts; a fact shows only when the report has it. */
const FACTS: readonly Fact[] = [
  { label: 'q = N/M', description: 'Aspect ratio of the matrix (N ≤ M)', value: at('mp.q') },
  { label: 'σ (MP fit)', description: 'Fitted Marchenko–Pastur σ', value: at('mp.sigma') },
  { label: 'σ (median)', description: 'σ from median matching alone', value: at('mp.sigmaMedian') },
  { label: 'MP edge ν₋', description: 'Lower bulk edge of the singular values', value: at('mp.nuMinus') },
  { label: 'MP edge ν₊', description: 'Upper bulk edge of the singular values', value: at('mp.nuPlus') },
  { label: 'TW threshold', description: 'Outlier threshold on ν (Tracy–Widom)', value: at('mp.twThreshold') },
  {
    label: 'Outliers',
    description: 'Singular values beyond the TW threshold',
    value: at('mp.outliers'),
    format: integer,
  },
  {
    label: 'BBP threshold',
    description: 'Smallest detectable spike strength q^¼',
    value: at('mp.bbpThreshold'),
  },
  { label: 'MP soft rank', description: 'λ₊ / λ_max', value: at('mp.mpSoftRank') },
  {
    label: 'KS bulk vs MP',
    description: 'KS distance of the bulk against the fitted MP law',
    value: at('mp.bulkKs'),
  },
  {
    label: 'p bulk vs MP',
    description: 'p-value of the bulk against the fitted MP law',
    value: at('mp.bulkP'),
    format: formatPValue,
  },
  {
    label: '⟨r̃⟩',
    description: 'Mean spacing ratio: GOE 0.531, Poisson 0.386',
    value: at('spacingRatio.mean'),
  },
  {
    label: 's.e. ⟨r̃⟩',
    description: 'Standard error of the mean spacing ratio',
    value: at('spacingRatio.standardError'),
    format: (v) => formatNumber(v, 2),
  },
  {
    label: 'KS vs GOE',
    description: 'KS distance of the unfolded spacings against the GOE surmise',
    value: at('spacing.ksGoe'),
  },
  {
    label: 'KS vs Poisson',
    description: 'KS distance of the unfolded spacings against Poisson',
    value: at('spacing.ksPoisson'),
  },
  {
    label: 'p GOE',
    description: 'Calibrated p-value of the spacings against the GOE',
    value: at('spacing.pGoe'),
    format: formatPValue,
  },
  {
    label: 'PT tested',
    description: 'Singular vectors tested against Porter–Thomas (left + right)',
    value: at('porterThomas.tested'),
    format: integer,
  },
  {
    label: 'PT failing',
    description: 'Vectors failing Porter–Thomas after Benjamini–Hochberg',
    value: at('porterThomas.rejected'),
    format: integer,
  },
  {
    label: 'PT failing (top)',
    description: 'Top indices whose left or right vector fails',
    value: at('porterThomas.rejectedTop'),
    format: integer,
  },
  {
    label: 'PT failing (bulk)',
    description: 'Failing vectors below the top indices',
    value: at('porterThomas.rejectedBulk'),
    format: integer,
  },
  {
    label: 'PT boundary',
    description: 'Information/noise boundary (index from the top)',
    value: at('porterThomas.boundary'),
    format: integer,
  },
  {
    label: 'α Hill',
    description: 'Hill tail index at the plateau (none: no plateau, no tail index)',
    value: at('hill.alpha'),
    format: (v) => (Number.isNaN(v) ? 'none' : formatNumber(v)),
  },
  { label: 'α WW', description: 'WeightWatcher power-law α on λ = ν²', value: at('powerLaw.alpha') },
  {
    label: 'σ(α WW)',
    description: 'Standard error of α WW',
    value: at('powerLaw.alphaSigma'),
    format: (v) => formatNumber(v, 2),
  },
  {
    label: 'α weighted',
    description: 'α · log₁₀ λ_max (WeightWatcher alpha_weighted)',
    value: at('powerLaw.alphaWeighted'),
  },
  { label: 'λ_min (WW)', description: 'Start of the fitted power-law tail', value: at('powerLaw.xmin') },
  {
    label: 'rand distance',
    description: 'Jensen–Shannon distance to the shuffled matrix',
    value: at('baseline.distance'),
  },
  { label: '‖W‖₂', description: 'Spectral norm', value: at('norms.spectralNorm', 'spectralNorm') },
  { label: '‖W‖F', description: 'Frobenius norm', value: at('norms.frobeniusNorm', 'frobeniusNorm') },
  { label: 'Stable rank', description: '‖W‖²F / ‖W‖²₂', value: at('norms.stableRank') },
  { label: 'Rank', description: 'Numerical rank', value: at('norms.matrixRank'), format: integer },
  {
    label: 'Spectral entropy',
    description: 'Entropy of ν²/Σν² over ln(rank), 0 … 1',
    value: at('norms.spectralEntropy'),
  },
  {
    label: 'log₁₀ ‖W‖²₂',
    description: 'WeightWatcher log_spectral_norm',
    value: at('norms.logSpectralNorm'),
  },
  { label: 'log₁₀ ‖W‖²F', description: 'WeightWatcher log_norm', value: at('norms.logFrobeniusNorm') },
  {
    label: '‖W−W₀‖/‖W₀‖',
    description: 'Relative change from the initial checkpoint',
    value: at('checkpoint.relativeChange'),
  },
  {
    label: 'Overlap (left)',
    description: 'Top-k left subspace overlap with the initial checkpoint',
    value: at('checkpoint.leftOverlap'),
  },
  {
    label: 'Overlap (right)',
    description: 'Top-k right subspace overlap with the initial checkpoint',
    value: at('checkpoint.rightOverlap'),
  },
  { label: 'Time', description: 'Seconds spent on this layer', value: at('seconds'), format: formatSeconds },
];

/** Numbers of the layer against the initial checkpoint (Compare checkpoints). */
const COMPARISON_FACTS: readonly { label: string; description: string; path: string }[] = [
  {
    label: '‖W−W₀‖/‖W₀‖',
    description: 'Relative change from the initial checkpoint',
    path: 'relativeChange',
  },
  {
    label: 'Overlap (left)',
    description: 'Top-k left singular subspace overlap, 1 = unchanged',
    path: 'leftOverlap',
  },
  {
    label: 'Overlap (right)',
    description: 'Top-k right singular subspace overlap, 1 = unchanged',
    path: 'rightOverlap',
  },
  { label: 'k', description: 'Dimension of the compared subspaces', path: 'k' },
];

export class LayerView {
  readonly element = element('div', { class: 'layer-view', 'aria-live': 'polite' });
  private readonly summary = element('div', { class: 'layer-summary' });
  private readonly charts: ChartGrid;

  constructor(handlers: ChartCardHandlers) {
    this.charts = new ChartGrid(handlers);
    this.element.append(this.summary, this.charts.element);
  }

  /** Shows a layer (and its comparison with the initial checkpoint); resolves when its charts are drawn. */
  async show(
    row: LayerRow | undefined,
    comparison: LayerComparisonReport | undefined,
    theme: Theme,
    modes: Record<string, string>,
  ): Promise<void> {
    this.summary.replaceChildren(
      ...(row ? describe(row) : [element('p', { class: 'muted' }, ['No layer yet.'])]),
      ...(comparison ? [comparisonFacts(comparison)] : []),
    );
    const charts = [
      ...readyCharts(LAYER_CHARTS, row?.report),
      ...readyCharts(LAYER_COMPARISON_CHARTS, comparison),
    ];
    if (charts.length) await this.charts.draw(charts, theme, modes);
    else this.charts.clear();
  }
}

function describe(row: LayerRow): HTMLElement[] {
  const title = element('h2', { class: 'layer-name' }, [row.name]);
  const subtitle = element('p', { class: 'muted' }, [`${formatShape(row.shape)} · ${row.dtype}`]);
  if (row.status === 'pending')
    return [
      title,
      subtitle,
      element('p', {}, [verdictBadge('pending', row.planned ? 'not analysed yet' : 'analysing…')]),
    ];
  if (row.status === 'failed' || !row.report) {
    return [
      title,
      subtitle,
      element('p', { class: 'error' }, [verdictBadge('failed', 'failed'), ' ', row.error ?? '']),
    ];
  }
  const report = row.report;
  const verdict = report.verdict;
  const reasons = element(
    'ul',
    { class: 'reasons' },
    (verdict?.reasons ?? []).map((r) => element('li', {}, [r])),
  );
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
    if (value !== undefined) list.append(factItem(fact.label, fact.description, value, fact.format));
  }
  return list;
}

function comparisonFacts(comparison: LayerComparisonReport): HTMLElement {
  const list = element('dl', { class: 'facts' });
  for (const fact of COMPARISON_FACTS) {
    const value = numberAt(comparison, fact.path);
    if (value !== undefined)
      list.append(factItem(fact.label, fact.description, value, fact.path === 'k' ? integer : undefined));
  }
  return element('div', { class: 'comparison-facts' }, [
    element('h3', {}, ['Against the initial checkpoint']),
    list,
  ]);
}

function factItem(
  label: string,
  description: string,
  value: number,
  format?: (v: number) => string,
): HTMLElement {
  return element('div', { class: 'fact', title: `${description}: ${formatExact(value)}` }, [
    element('dt', {}, [label]),
    element('dd', {}, [format ? format(value) : formatNumber(value)]),
  ]);
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
