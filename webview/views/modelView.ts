// The model view: a plain-language summary, the model charts, and where the numbers come from.
import { element } from '../components/toolkit';
import { MODEL_CHARTS } from '../charts';
import { readyCharts } from '../charts/types';
import { formatInteger, formatNumber, formatSeconds } from '../format';
import { numberAt, numbersAt, stringAt, valueAt } from '../reportAccess';
import { approximationOf } from '../approximation';
import type { ModelReport } from '../../src/engine/report';
import type { BaselineResult, CheckpointComparison } from '../../src/engine/comparisonTypes';
import type { PageState } from '../state';
import type { Theme } from '../theme';
import { ChartGrid, type ChartCardHandlers } from './chartCard';

export class ModelView {
  readonly element = element('div', { class: 'model-view' });
  private readonly summary = element('div', { class: 'model-summary' });
  private readonly charts: ChartGrid;
  private readonly details = element('div', { class: 'model-details' });

  constructor(handlers: ChartCardHandlers) {
    this.charts = new ChartGrid(handlers);
    this.element.append(this.summary, this.charts.element, this.details);
  }

  async show(state: PageState, theme: Theme, modes: Record<string, string>): Promise<void> {
    const { model, baseline, comparison } = state;
    const lines = [
      ...(model ? summarize(model) : []),
      ...(baseline ? [baselineSentence(baseline)] : []),
      ...(comparison ? [comparisonSentence(comparison)] : []),
    ];
    if (lines.length === 0) {
      this.summary.replaceChildren(
        element('p', { class: 'muted' }, ['The model summary appears when the analysis is done.']),
      );
    } else {
      this.summary.replaceChildren(
        element('h2', {}, ['Summary']),
        ...lines.map((text) => element('p', {}, [text])),
      );
    }
    this.details.replaceChildren(...(model ? details(model) : []));
    const charts = readyCharts(MODEL_CHARTS, { report: model, baseline, comparison });
    if (charts.length) await this.charts.draw(charts, theme, modes);
    else this.charts.clear();
  }
}

/** The model in a few sentences, from the verdict counts and the cPSE curve. */
export function summarize(model: ModelReport): string[] {
  const layers = model.layers ?? [];
  const count = (label: string) => layers.filter((l) => l.verdict?.label === label).length;
  const random = count('random');
  const spiked = count('bulk random, spikes');
  const deviating = count('deviating');
  const tooSmall = count('too small');
  const failed = (model.failed ?? []).length;
  const skipped = (model.skipped ?? []).length;
  const lines: string[] = [];

  const seconds = numberAt(model, 'provenance.seconds');
  const extras = [
    skipped ? `${plural(skipped, 'tensor')} skipped` : '',
    failed ? `${failed} failed` : '',
  ].filter(Boolean);
  lines.push(
    `${plural(layers.length, 'matrix', 'matrices')} analysed${seconds !== undefined ? ` in ${formatSeconds(seconds)}` : ''}` +
      `${extras.length ? ` (${extras.join(', ')})` : ''}.`,
  );
  const parts = [
    random ? `${random} ${random === 1 ? 'looks' : 'look'} random, as at initialisation` : '',
    spiked
      ? `${spiked} ${spiked === 1 ? 'has' : 'have'} a random bulk with spikes: the learned information sits in a few top singular directions`
      : '',
    deviating
      ? `${deviating} ${deviating === 1 ? 'deviates' : 'deviate'} from random-matrix behaviour in the bulk or the spacings`
      : '',
    tooSmall ? `${tooSmall} ${tooSmall === 1 ? 'is' : 'are'} too small to judge` : '',
  ].filter(Boolean);
  if (parts.length) lines.push(`${capitalize(parts.join('; '))}.`);

  // The engine's model-level reading (RMT.md §8) when it has one; the same rule otherwise.
  const own = stringAt(model, 'model.summary');
  const judged = random + spiked + deviating;
  if (own) lines.push(`From the spectra alone: ${own}.`);
  else if (judged >= 3) {
    lines.push(
      spiked + deviating > judged / 2
        ? 'From the spectra alone: many layers carry spikes or deviate (rich-like: the model learned features away from its initialisation).'
        : 'From the spectra alone: mostly consistent with random matrices (lazy-like; Compare checkpoints measures the distance from the initialisation).',
    );
  }
  const approximated = layers.filter((l) => approximationOf(l)).length;
  if (approximated) {
    lines.push(
      `${plural(approximated, 'layer')} above the exact size limit ${approximated === 1 ? 'was' : 'were'} approximated: ` +
        `${approximated === 1 ? 'its verdict rests' : 'their verdicts rest'} on the top singular values (Lanczos) and an estimate of the density (SLQ).`,
    );
  }
  const cpse = cpseSentence(model);
  if (cpse) lines.push(cpse);
  const excluded = excludedFromCpse(model);
  if (excluded.length) {
    lines.push(
      `${plural(excluded.length, 'approximated layer')} ${excluded.length === 1 ? 'is' : 'are'} left out of cPSE, ` +
        'which needs every eigenvalue; the cascade runs over the other layers in model order (listed below).',
    );
  }
  return lines;
}

/** Layers the cPSE cascade left out (approximated spectra), with the reason. */
export function excludedFromCpse(model: ModelReport): { name: string; reason: string }[] {
  const excluded = valueAt(model, 'model.excludedFromCpse');
  return Array.isArray(excluded)
    ? excluded.filter(
        (e): e is { name: string; reason: string } =>
          typeof e?.name === 'string' && typeof e?.reason === 'string',
      )
    : [];
}

function baselineSentence(baseline: BaselineResult): string {
  const text = cpseSentence(baseline);
  return `Gaussian baseline of the same shapes (seed ${baseline.seed}): ${text ? text.charAt(0).toLowerCase() + text.slice(1) : 'no cPSE.'}`;
}

function comparisonSentence(comparison: CheckpointComparison): string {
  const reference = comparison.reference.split(/[\\/]/).pop() ?? comparison.reference;
  const unmatched = comparison.unmatched?.length
    ? ` ${plural(comparison.unmatched.length, 'matrix', 'matrices')} could not be matched.`
    : '';
  return `Against ${reference}: ${comparison.summary?.text ?? ''}${unmatched}`;
}

/** cPSE in words; `stats` is a ModelReport (fields under `model`) or a BaselineResult (at the top). */
function cpseSentence(stats: ModelReport | BaselineResult): string | undefined {
  const prefix = 'layers' in stats ? 'model.' : '';
  const dLayers = numbersAt(stats, `${prefix}dLayers`);
  const cpse = numberAt(stats, `${prefix}cpse`);
  if (cpse === undefined && !dLayers) return undefined;
  if (!dLayers || dLayers.length === 0) return 'cPSE is undefined: it needs at least three layers.';
  const zeros = dLayers.flatMap((d, i) => (d === 0 ? [i + 1] : []));
  if (zeros.length) {
    return `cPSE = −∞: consecutive layer ensembles are spectrally identical at depth ${zeros.join(', ')} (D = 0).`;
  }
  const saturation = numberAt(stats, `${prefix}saturationDepth`);
  const saturates =
    saturation !== undefined && Number.isFinite(saturation)
      ? ` D saturates from depth ${formatInteger(saturation)} of ${dLayers.length}.`
      : ' D does not settle.';
  return `cPSE = ${formatNumber(cpse)} (mean log₁₀ D over ${plural(dLayers.length, 'step')}).${saturates}`;
}

function details(model: ModelReport): HTMLElement[] {
  const out: HTMLElement[] = [];
  const provenance = model.provenance;
  if (provenance) {
    const settings = provenance.settings
      ? Object.entries(provenance.settings)
          .map(([k, v]) => `${k} ${v !== null && typeof v === 'object' ? JSON.stringify(v) : v}`)
          .join(', ')
      : '';
    out.push(
      element('h3', {}, ['Provenance']),
      element('p', { class: 'muted' }, [
        `${model.format ?? ''} · ${provenance.engine ?? ''} ${provenance.version ?? ''} · ${settings}`,
      ]),
    );
  }
  const excluded = excludedFromCpse(model);
  if (excluded.length) {
    out.push(
      element('h3', {}, ['Left out of cPSE']),
      element(
        'ul',
        { class: 'cpse-excluded' },
        excluded.map((e) => element('li', {}, [element('code', {}, [e.name]), `: ${e.reason}`])),
      ),
    );
  }
  if (model.failed?.length) {
    out.push(
      element('h3', {}, ['Failed']),
      element(
        'ul',
        {},
        model.failed.map((f) => element('li', {}, [`${f.name}: ${f.error}`])),
      ),
    );
  }
  if (model.skipped?.length) {
    out.push(
      element('details', {}, [
        element('summary', {}, [`Skipped tensors (${model.skipped.length})`]),
        element(
          'ul',
          {},
          model.skipped.map((s) => element('li', {}, [`${s.name} [${s.shape.join(', ')}]: ${s.reason}`])),
        ),
      ]),
    );
  }
  return out;
}

function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatInteger(n)} ${n === 1 ? one : many}`;
}

function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
