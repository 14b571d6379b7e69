// One chart in a card: title, caption, mode switch, SVG/PNG export, and the vega view itself.
import { button } from '../components/button';
import { modeSwitch } from '../components/modeSwitch';
import { element } from '../components/toolkit';
import type { ChartContext, ReadyChart } from '../charts/types';
import type { Theme } from '../theme';
import { drawChart, exportChart, type ChartView } from '../vega';

export interface ChartCardHandlers {
  onMode(chartId: string, mode: string): void;
  onExport(chartId: string, format: 'svg' | 'png', data: string): void;
  onError(chartId: string, error: Error): void;
}

const FALLBACK_WIDTH = 480;

/** Charts that cannot be drawn for this subject, each with the reason. */
export interface MissingCharts {
  title: string;
  caption: string;
  charts: { title: string; reason: string }[];
}

/** One card in place of the charts that cannot be drawn: their titles grouped by reason. */
function missingCard(missing: MissingCharts): HTMLElement {
  const byReason = new Map<string, string[]>();
  for (const chart of missing.charts)
    byReason.set(chart.reason, [...(byReason.get(chart.reason) ?? []), chart.title]);
  return element(
    'section',
    { class: 'card card-missing', 'aria-label': missing.title, 'data-chart': 'missing' },
    [
      element('header', { class: 'card-header' }, [
        element('div', { class: 'card-titles' }, [
          element('h3', {}, [missing.title]),
          element('p', { class: 'caption' }, [missing.caption]),
        ]),
      ]),
      element(
        'ul',
        { class: 'missing-charts' },
        [...byReason].map(([reason, titles]) =>
          element('li', {}, [element('strong', {}, [titles.join(', ')]), `: ${reason}.`]),
        ),
      ),
    ],
  );
}

/** A set of chart cards drawn into one container; each redraw replaces the previous one. */
export class ChartGrid {
  readonly element = element('div', { class: 'chart-grid' });
  private readonly views = new Map<string, ChartView>();
  private generation = 0;

  constructor(private readonly handlers: ChartCardHandlers) {}

  /**
   * Draws the charts, then a card that says which charts are missing and why (`missing`, e.g. for an
   * approximated layer); resolves when all are drawn (or superseded by a newer draw).
   */
  async draw(
    charts: readonly ReadyChart[],
    theme: Theme,
    modes: Record<string, string>,
    missing?: MissingCharts,
  ): Promise<void> {
    this.clear();
    const generation = this.generation;
    const drawn: Promise<void>[] = [];
    for (const chart of charts) {
      const mode = modes[chart.id] ?? chart.modes?.[0]?.id ?? '';
      const container = element('div', { id: `${chart.id}-chart`, class: 'chart', 'data-mode': mode });
      const card = this.card(chart, mode, container);
      this.element.append(card);
      const context: ChartContext = {
        width: Math.max(200, (container.clientWidth || FALLBACK_WIDTH) - 8),
        mode,
        palette: theme.palette,
        strokeWidth: theme.strokeWidth,
      };
      drawn.push(
        drawChart(container, chart.spec(context), theme.config).then(
          (view) => {
            if (generation !== this.generation) {
              view.finalize();
              return;
            }
            this.views.set(chart.id, view);
            card.querySelectorAll('vscode-button').forEach((b) => b.removeAttribute('disabled'));
          },
          (error: Error) => {
            container.textContent = `Could not draw this chart: ${error.message}`;
            this.handlers.onError(chart.id, error);
          },
        ),
      );
    }
    if (missing && missing.charts.length > 0) this.element.append(missingCard(missing));
    await Promise.all(drawn);
  }

  /** Removes every chart; draws still in flight are dropped when they finish. */
  clear(): void {
    this.generation++;
    for (const view of this.views.values()) view.finalize();
    this.views.clear();
    this.element.replaceChildren();
  }

  private card(chart: ReadyChart, mode: string, container: HTMLElement): HTMLElement {
    const card = element('section', { class: 'card', 'aria-label': chart.title, 'data-chart': chart.id });
    const save = (format: 'svg' | 'png') => async () => {
      const view = this.views.get(chart.id);
      if (view) this.handlers.onExport(chart.id, format, await exportChart(view, format));
    };
    const tools = element('div', { class: 'card-tools' }, [
      ...(chart.modes
        ? [modeSwitch(`${chart.title}: view`, chart.modes, mode, (m) => this.handlers.onMode(chart.id, m))]
        : []),
      button('SVG', save('svg'), { title: `Save “${chart.title}” as SVG` }),
      button('PNG', save('png'), { title: `Save “${chart.title}” as PNG` }),
    ]);
    tools.querySelectorAll('vscode-button').forEach((b) => b.setAttribute('disabled', ''));
    card.append(
      element('header', { class: 'card-header' }, [
        element('div', { class: 'card-titles' }, [
          element('h3', {}, [chart.title]),
          element('p', { class: 'caption' }, [chart.caption]),
        ]),
        tools,
      ]),
      container,
    );
    return card;
  }
}
