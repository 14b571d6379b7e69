// The model view: a plain-language summary, the model charts, and where the numbers come from.
import { element } from '../components/toolkit';
import { MODEL_CHARTS } from '../charts';
import { formatInteger, formatNumber, formatSeconds } from '../format';
import { numberAt, numbersAt, stringAt } from '../reportAccess';
import type { ModelReport } from '../../src/engine/report';
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
    const model = state.model;
    if (!model) {
      this.summary.replaceChildren(element('p', { class: 'muted' }, ['The model summary appears when the analysis is done.']));
      this.details.replaceChildren();
      this.charts.clear();
      return;
    }
    this.summary.replaceChildren(
      element('h2', {}, ['Summary']),
      ...summarize(model).map((text) => element('p', {}, [text])),
    );
    this.details.replaceChildren(...details(model));
    await this.charts.draw(model, MODEL_CHARTS, theme, modes);
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
  const extras = [skipped ? `${plural(skipped, 'tensor')} skipped` : '', failed ? `${failed} failed` : ''].filter(Boolean);
  lines.push(
    `${plural(layers.length, 'matrix', 'matrices')} analysed${seconds !== undefined ? ` in ${formatSeconds(seconds)}` : ''}` +
      `${extras.length ? ` (${extras.join(', ')})` : ''}.`,
  );
  const parts = [
    random ? `${random} ${random === 1 ? 'looks' : 'look'} random, like ${random === 1 ? 'its' : 'their'} initialisation` : '',
    spiked ? `${spiked} ${spiked === 1 ? 'has' : 'have'} a random bulk with spikes: the learned information sits in a few top singular directions` : '',
    deviating ? `${deviating} ${deviating === 1 ? 'deviates' : 'deviate'} from random-matrix behaviour in the bulk or the spacings` : '',
    tooSmall ? `${tooSmall} ${tooSmall === 1 ? 'is' : 'are'} too small to judge` : '',
  ].filter(Boolean);
  if (parts.length) lines.push(`${capitalize(parts.join('; '))}.`);

  const judged = random + spiked + deviating;
  if (judged >= 3) {
    lines.push(
      spiked + deviating > judged / 2
        ? 'Many layers carry spikes or deviate: the model looks rich-like (it learned features away from its initialisation).'
        : 'Most layers are consistent with random matrices: the model looks lazy-like (close to its initialisation).',
    );
  }
  const cpse = cpseSentence(model);
  if (cpse) lines.push(cpse);
  const own = stringAt(model, 'model.summary');
  if (own) lines.push(own);
  return lines;
}

function cpseSentence(model: ModelReport): string | undefined {
  const dLayers = numbersAt(model, 'model.dLayers');
  const cpse = numberAt(model, 'model.cpse');
  if (cpse === undefined && !dLayers) return undefined;
  if (!dLayers || dLayers.length === 0) return 'cPSE is undefined: it needs at least three layers.';
  const zeros = dLayers.flatMap((d, i) => (d === 0 ? [i + 1] : []));
  if (zeros.length) {
    return `cPSE = −∞: consecutive layer ensembles are spectrally identical at depth ${zeros.join(', ')} (D = 0).`;
  }
  const saturation = numberAt(model, 'model.saturationDepth');
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
    const settings = provenance.settings ? Object.entries(provenance.settings).map(([k, v]) => `${k} ${v}`).join(', ') : '';
    out.push(
      element('h3', {}, ['Provenance']),
      element('p', { class: 'muted' }, [
        `${model.format ?? ''} · ${provenance.engine ?? ''} ${provenance.version ?? ''} · ${settings}`,
      ]),
    );
  }
  if (model.failed?.length) {
    out.push(
      element('h3', {}, ['Failed']),
      element('ul', {}, model.failed.map((f) => element('li', {}, [`${f.name}: ${f.error}`]))),
    );
  }
  if (model.skipped?.length) {
    out.push(
      element('details', {}, [
        element('summary', {}, [`Skipped tensors (${model.skipped.length})`]),
        element('ul', {}, model.skipped.map((s) => element('li', {}, [`${s.name} [${s.shape.join(', ')}]: ${s.reason}`]))),
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
