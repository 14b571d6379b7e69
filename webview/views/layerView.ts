// The selected layer: verdict with its reasons, the key numbers, and every chart the report has data for.
import {
  approximationOf,
  ESTIMATE_MARK,
  fieldStatus,
  isApproximationReason,
  methodSentence,
  outliersLowerBoundNote,
  outliersText,
  plainSummary,
  type Approximation,
} from '../approximation';
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
import { ChartGrid, type ChartCardHandlers, type MissingCharts } from './chartCard';

interface Fact {
  label: string;
  description: string;
  /** Where the number is (the first path that has one); also how an approximated layer lists it. */
  paths: string[];
  format?(value: number): string;
}

const integer = (value: number) => formatInteger(value);

/** The key numbers beside the charts; a fact shows only when the report has it. */
const FACTS: readonly Fact[] = [
  { label: 'q = N/M', description: 'Aspect ratio of the matrix (N ≤ M)', paths: ['mp.q'] },
  { label: 'σ (MP fit)', description: 'Fitted Marchenko–Pastur σ', paths: ['mp.sigma'] },
  { label: 'σ (median)', description: 'σ from median matching alone', paths: ['mp.sigmaMedian'] },
  { label: 'MP edge ν₋', description: 'Lower bulk edge of the singular values', paths: ['mp.nuMinus'] },
  { label: 'MP edge ν₊', description: 'Upper bulk edge of the singular values', paths: ['mp.nuPlus'] },
  { label: 'TW threshold', description: 'Outlier threshold on ν (Tracy–Widom)', paths: ['mp.twThreshold'] },
  {
    label: 'Outliers',
    description: 'Singular values beyond the TW threshold',
    paths: ['mp.outliers'],
    format: integer,
  },
  {
    label: 'BBP threshold',
    description: 'Smallest detectable spike strength q^¼',
    paths: ['mp.bbpThreshold'],
  },
  { label: 'MP soft rank', description: 'λ₊ / λ_max', paths: ['mp.mpSoftRank'] },
  {
    label: 'KS bulk vs MP',
    description: 'KS distance of the bulk against the fitted MP law',
    paths: ['mp.bulkKs'],
  },
  {
    label: 'p bulk vs MP',
    description: 'p-value of the bulk against the fitted MP law',
    paths: ['mp.bulkP'],
    format: formatPValue,
  },
  {
    label: '⟨r̃⟩',
    description: 'Mean spacing ratio: GOE 0.531, Poisson 0.386',
    paths: ['spacingRatio.mean'],
  },
  {
    label: 's.e. ⟨r̃⟩',
    description: 'Standard error of the mean spacing ratio',
    paths: ['spacingRatio.standardError'],
    format: (v) => formatNumber(v, 2),
  },
  {
    label: 'KS vs GOE',
    description: 'KS distance of the unfolded spacings against the GOE surmise',
    paths: ['spacing.ksGoe'],
  },
  {
    label: 'KS vs Poisson',
    description: 'KS distance of the unfolded spacings against Poisson',
    paths: ['spacing.ksPoisson'],
  },
  {
    label: 'p GOE',
    description: 'Calibrated p-value of the spacings against the GOE',
    paths: ['spacing.pGoe'],
    format: formatPValue,
  },
  {
    label: 'PT tested',
    description: 'Singular vectors tested against Porter–Thomas (left + right)',
    paths: ['porterThomas.tested'],
    format: integer,
  },
  {
    label: 'PT failing',
    description: 'Vectors failing Porter–Thomas after Benjamini–Hochberg',
    paths: ['porterThomas.rejected'],
    format: integer,
  },
  {
    label: 'PT failing (top)',
    description: 'Top indices whose left or right vector fails',
    paths: ['porterThomas.rejectedTop'],
    format: integer,
  },
  {
    label: 'PT failing (bulk)',
    description: 'Failing vectors below the top indices',
    paths: ['porterThomas.rejectedBulk'],
    format: integer,
  },
  {
    label: 'PT boundary',
    description: 'Information/noise boundary (index from the top)',
    paths: ['porterThomas.boundary'],
    format: integer,
  },
  {
    label: 'α Hill',
    description: 'Hill tail index at the plateau (none: no plateau, no tail index)',
    paths: ['hill.alpha'],
    format: (v) => (Number.isNaN(v) ? 'none' : formatNumber(v)),
  },
  { label: 'α WW', description: 'WeightWatcher power-law α on λ = ν²', paths: ['powerLaw.alpha'] },
  {
    label: 'σ(α WW)',
    description: 'Standard error of α WW',
    paths: ['powerLaw.alphaSigma'],
    format: (v) => formatNumber(v, 2),
  },
  {
    label: 'α weighted',
    description: 'α · log₁₀ λ_max (WeightWatcher alpha_weighted)',
    paths: ['powerLaw.alphaWeighted'],
  },
  { label: 'λ_min (WW)', description: 'Start of the fitted power-law tail', paths: ['powerLaw.xmin'] },
  {
    label: 'rand distance',
    description: 'Jensen–Shannon distance to the shuffled matrix',
    paths: ['baseline.distance'],
  },
  { label: '‖W‖₂', description: 'Spectral norm', paths: ['norms.spectralNorm', 'spectralNorm'] },
  { label: '‖W‖F', description: 'Frobenius norm', paths: ['norms.frobeniusNorm', 'frobeniusNorm'] },
  { label: 'Stable rank', description: '‖W‖²F / ‖W‖²₂', paths: ['norms.stableRank'] },
  { label: 'Rank', description: 'Numerical rank', paths: ['norms.matrixRank'], format: integer },
  {
    label: 'Spectral entropy',
    description: 'Entropy of ν²/Σν² over ln(rank), 0 … 1',
    paths: ['norms.spectralEntropy'],
  },
  {
    label: 'log₁₀ ‖W‖²₂',
    description: 'WeightWatcher log_spectral_norm',
    paths: ['norms.logSpectralNorm'],
  },
  { label: 'log₁₀ ‖W‖²F', description: 'WeightWatcher log_norm', paths: ['norms.logFrobeniusNorm'] },
  {
    label: '‖W−W₀‖/‖W₀‖',
    description: 'Relative change from the initial checkpoint',
    paths: ['checkpoint.relativeChange'],
  },
  {
    label: 'Overlap (left)',
    description: 'Top-k left subspace overlap with the initial checkpoint',
    paths: ['checkpoint.leftOverlap'],
  },
  {
    label: 'Overlap (right)',
    description: 'Top-k right subspace overlap with the initial checkpoint',
    paths: ['checkpoint.rightOverlap'],
  },
  { label: 'Time', description: 'Seconds spent on this layer', paths: ['seconds'], format: formatSeconds },
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
    await this.charts.draw(charts, theme, modes, missingCharts(row?.report));
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
  const approximation = approximationOf(report);
  // The banner says how an approximated layer was computed; the engine's sentences about it would repeat it.
  const reasons = (verdict?.reasons ?? []).filter((r) => !approximation || !isApproximationReason(r));
  const badge = approximation
    ? verdictBadge(verdict?.label ?? 'pending', `${ESTIMATE_MARK} ${plainSummary(verdict?.summary ?? '—')}`)
    : verdictBadge(verdict?.label ?? 'pending', verdict?.summary ?? '—');
  if (approximation) badge.classList.add('badge-approximate');
  return [
    title,
    subtitle,
    ...(approximation ? [approximationBanner(approximation, report)] : []),
    element('p', {}, [badge]),
    element(
      'ul',
      { class: 'reasons' },
      reasons.map((r) => element('li', {}, [r])),
    ),
    facts(report, approximation),
    ...outliers(report),
  ];
}

/** Names of the statistics an approximated layer lacks, for the banner (the report's key otherwise). */
const STATISTIC_NAMES: Record<string, string> = {
  spacing: 'level spacings',
  spacingRatio: 'spacing ratio',
  rigidity: 'Σ²(L) and Δ₃(L)',
  'mp.bulkP': 'calibrated bulk p-value',
  porterThomas: 'Porter–Thomas (singular vectors)',
  hill: 'Hill tail index',
  powerLaw: 'power-law α (WeightWatcher)',
  baseline: 'randomised baseline',
  cpse: 'the model’s cPSE (this layer is left out)',
};

/** How an approximated layer was computed, which numbers are estimates, and what it lacks. */
function approximationBanner(approximation: Approximation, report: LayerReport): HTMLElement {
  const ks = approximation.densityKs;
  const level = approximation.densityKsLevel;
  const outliers = numberAt(report, 'mp.outliers');
  const missing = approximation.unavailable.map((u, i) => [
    i === 0 ? '' : ', ',
    element('span', { class: 'missing-statistic', title: u.reason }, [
      STATISTIC_NAMES[u.statistic] ?? u.statistic,
    ]),
  ]);
  return element('div', { class: 'approx-banner', role: 'note', 'aria-label': 'Approximated spectrum' }, [
    element('p', {}, [
      element('strong', {}, [`${ESTIMATE_MARK} Approximated spectrum. `]),
      methodSentence(approximation),
      ' Numbers marked ≈ are estimates; the others are exact.',
    ]),
    ...(approximation.outliersLowerBound && outliers !== undefined
      ? [
          element('p', {}, [
            `Outliers ≥ ${formatInteger(outliers)}: every resolved top value is above the TW threshold, so the count is a lower bound.`,
          ]),
        ]
      : []),
    ...(ks !== undefined && Number.isFinite(ks)
      ? [
          element('p', {}, [
            `Bulk against Marchenko–Pastur: KS distance of the estimated density ${formatNumber(ks, 3)}` +
              (level !== undefined ? `, a misfit above ${formatNumber(level, 2)}` : '') +
              ' (uncalibrated: no p-value).',
          ]),
        ]
      : []),
    ...(missing.length
      ? [
          element('p', { class: 'muted' }, [
            'Not computed, they need the full spectrum: ',
            ...missing.flat(),
            '.',
          ]),
        ]
      : []),
  ]);
}

/** For an approximated layer, the charts it lacks and why, shown in their place. */
function missingCharts(report: LayerReport | undefined): MissingCharts | undefined {
  const approximation = approximationOf(report);
  if (!approximation || !report) return undefined;
  const charts = LAYER_CHARTS.flatMap((chart) => {
    if (!chart.statistic || chart.data(report) !== undefined) return [];
    const status = fieldStatus(approximation, [chart.statistic]);
    return status.kind === 'unavailable' ? [{ title: chart.title, reason: status.reason }] : [];
  });
  return {
    title: 'Charts not drawn for this approximated layer',
    caption:
      'They need every singular value (or the singular vectors); only the top values and a density estimate were computed.',
    charts,
  };
}

function facts(report: LayerReport, approximation: Approximation | undefined): HTMLElement {
  const list = element('dl', { class: 'facts' });
  for (const fact of FACTS) {
    const value = firstNumberAt(report, fact.paths);
    if (value === undefined) continue;
    const status = fieldStatus(approximation, fact.paths);
    const text = fact.format ? fact.format(value) : formatNumber(value);
    if (status.kind === 'estimated') {
      const note = status.note ? ` (${status.note})` : '';
      list.append(
        factElement(
          fact.label,
          `${fact.description} ≈ ${formatExact(value)}: an estimate${note}`,
          `${ESTIMATE_MARK}${text}`,
          'estimate',
        ),
      );
    } else if (fact.paths[0] === 'mp.outliers' && approximation?.outliersLowerBound) {
      list.append(
        factElement(
          fact.label,
          `${fact.description}: ${outliersLowerBoundNote(approximation)}`,
          outliersText(report),
        ),
      );
    } else {
      list.append(factElement(fact.label, `${fact.description}: ${formatExact(value)}`, text));
    }
  }
  if (approximation) {
    const { k, count, maxTopError, densityKs } = approximation;
    if (k !== undefined)
      list.append(
        factElement(
          'Lanczos top-k',
          `Singular values resolved exactly by Lanczos, of min(N, M) = ${formatInteger(count)}`,
          formatInteger(k),
        ),
      );
    if (maxTopError !== undefined)
      list.append(
        factElement(
          'Residual ≤',
          `Largest residual bound of the top values: ${formatExact(maxTopError)}`,
          formatNumber(maxTopError, 2),
        ),
      );
    if (densityKs !== undefined)
      list.append(
        factElement(
          'KS SLQ vs MP',
          `KS distance of the SLQ density estimate against the fitted MP law (uncalibrated): ${formatExact(densityKs)}`,
          `${ESTIMATE_MARK}${formatNumber(densityKs, 3)}`,
          'estimate',
        ),
      );
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
  return factElement(
    label,
    `${description}: ${formatExact(value)}`,
    format ? format(value) : formatNumber(value),
  );
}

function factElement(label: string, title: string, text: string, className?: string): HTMLElement {
  return element('div', { class: 'fact', title }, [
    element('dt', {}, [label]),
    element('dd', { class: className }, [text]),
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
