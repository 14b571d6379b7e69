// The page: state in, views out. Messages and user actions change the state; one render pass
// (coalesced, async because charts draw asynchronously) brings every view up to date.
import type { HostToWebview } from '../src/protocol';
import { setActiveTab, tabs } from './components/tabs';
import { element } from './components/toolkit';
import { COLUMNS } from './columns';
import { applyMessage, layerRows, restoreState, selectedRow, type PageState } from './state';
import { onThemeChange, readTheme, type Theme } from './theme';
import type { VsCodeApi } from './vscodeApi';
import { Header } from './views/header';
import { LayerTable } from './views/layerTable';
import { LayerView } from './views/layerView';
import { ModelView } from './views/modelView';
import type { ChartCardHandlers } from './views/chartCard';

const HOST_MESSAGES = new Set([
  'begin',
  'plan',
  'layer',
  'layerFailed',
  'progress',
  'done',
  'error',
  'cancelled',
  'selectLayer',
  'baseline',
  'comparison',
]);

export class App {
  private state: PageState;
  private theme: Theme = readTheme();
  private themeGeneration = 0;
  /** Bumped when a comparison or baseline arrives, so the charts that show them redraw. */
  private comparisons = 0;
  private readonly header: Header;
  private readonly table: LayerTable;
  private readonly layerView: LayerView;
  private readonly modelView: ModelView;
  private readonly tabs: HTMLElement;
  private layerChartsKey = '';
  private modelChartsKey = '';
  private rendering = false;
  private renderAgain = false;
  /** Set by 'done': the next completed render tells the host ('rendered'). */
  private announce = false;

  constructor(
    private readonly api: VsCodeApi<PageState>,
    root: HTMLElement,
  ) {
    this.state = restoreState(api.getState());
    const charts: ChartCardHandlers = {
      onMode: (chartId, mode) =>
        this.updateUi({ chartModes: { ...this.state.ui.chartModes, [chartId]: mode } }),
      onExport: (chartId, format, data) => this.exportChart(chartId, format, data),
      onError: (chartId, error) => console.error(`chart ${chartId}:`, error),
    };
    this.header = new Header({
      onExport: (format) => api.postMessage({ type: 'export', format }),
      onCancel: () => api.postMessage({ type: 'cancel' }),
      onAnalyze: () => api.postMessage({ type: 'analyze' }),
    });
    this.table = new LayerTable(
      {
        onSelect: (name) => this.select(name),
        onSort: (columnId) => this.sort(columnId),
        onFilter: (filter) => this.updateUi({ filter }),
      },
      this.state.ui.filter,
    );
    this.layerView = new LayerView(charts);
    this.modelView = new ModelView(charts);
    const layersTab = element('div', { class: 'layers-tab' }, [this.table.element, this.layerView.element]);
    this.tabs = tabs(
      [
        { id: 'layers', label: 'Layers', content: layersTab },
        { id: 'model', label: 'Model', content: this.modelView.element },
      ],
      this.state.ui.tab,
      (tab) => this.updateUi({ tab: tab === 'model' ? 'model' : 'layers' }),
    );
    root.replaceChildren(this.header.element, this.tabs);

    onThemeChange(() => {
      this.theme = readTheme();
      this.themeGeneration++;
      this.schedule();
    });
    let resizeTimer: number | undefined;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = window.setTimeout(() => this.schedule(), 150);
    });
    this.schedule();
  }

  /** A message from the host; anything that is not a HostToWebview is ignored. */
  receive(data: unknown): void {
    if (!isHostMessage(data)) return;
    const previousTab = this.state.ui.tab;
    this.state = applyMessage(this.state, data);
    if (data.type === 'done') this.announce = true;
    if (data.type === 'baseline' || data.type === 'comparison') this.comparisons++;
    if (this.state.ui.tab !== previousTab) setActiveTab(this.tabs, this.state.ui.tab);
    if (data.type === 'selectLayer') this.table.reveal(data.name);
    this.schedule();
  }

  private select(name: string): void {
    if (this.state.ui.selected === name) return;
    this.updateUi({ selected: name });
    this.api.postMessage({ type: 'selectLayer', name });
  }

  private sort(columnId: string): void {
    const { sortColumn, sortDescending } = this.state.ui;
    const numeric = COLUMNS.find((c) => c.id === columnId)?.numeric ?? false;
    // A new column sorts numbers largest first and text A→Z; the same column flips.
    this.updateUi(
      sortColumn === columnId
        ? { sortDescending: !sortDescending }
        : { sortColumn: columnId, sortDescending: numeric && columnId !== 'index' },
    );
  }

  private updateUi(change: Partial<PageState['ui']>): void {
    this.state = { ...this.state, ui: { ...this.state.ui, ...change } };
    this.schedule();
  }

  private exportChart(chartId: string, format: 'svg' | 'png', data: string): void {
    const subject =
      this.state.ui.tab === 'model'
        ? 'model'
        : (selectedRow(this.state, layerRows(this.state))?.name ?? 'layer');
    this.api.postMessage({ type: 'exportChart', name: `${subject}-${chartId}`, format, data });
  }

  private schedule(): void {
    if (this.rendering) {
      this.renderAgain = true;
      return;
    }
    this.rendering = true;
    requestAnimationFrame(() => void this.renderLoop());
  }

  private async renderLoop(): Promise<void> {
    try {
      do {
        this.renderAgain = false;
        await this.render();
      } while (this.renderAgain);
    } finally {
      this.rendering = false;
    }
  }

  private async render(): Promise<void> {
    const state = this.state;
    this.api.setState(state);
    this.header.update(state);
    const rows = layerRows(state);
    const selected = selectedRow(state, rows);
    this.table.update(rows, state.ui, selected?.name);

    const width = Math.round(document.body.clientWidth / 20);
    const modes = JSON.stringify(state.ui.chartModes);
    const common = `${this.themeGeneration}|${this.comparisons}|${width}|${modes}`;
    const layerKey = `${selected?.name}|${selected?.status}|${selected?.report?.seconds}|${common}`;
    const comparison = state.comparison?.layers?.find((l) => l.name === selected?.name);
    const drawing: Promise<void>[] = [];
    if (layerKey !== this.layerChartsKey) {
      this.layerChartsKey = layerKey;
      drawing.push(this.layerView.show(selected, comparison, this.theme, state.ui.chartModes));
    }
    const modelKey = `${state.status}|${state.model?.provenance?.seconds}|${common}`;
    if (state.ui.tab === 'model' && modelKey !== this.modelChartsKey) {
      this.modelChartsKey = modelKey;
      drawing.push(this.modelView.show(state, this.theme, state.ui.chartModes));
    }
    await Promise.all(drawing);

    if (this.announce && state.status === 'done' && !this.renderAgain) {
      this.announce = false;
      this.api.postMessage({ type: 'rendered', layers: rows.length, selected: selected?.name });
    }
  }
}

function isHostMessage(data: unknown): data is HostToWebview {
  if (!data || typeof data !== 'object') return false;
  const message = data as { type?: unknown; report?: { name?: unknown; layers?: unknown } };
  if (typeof message.type !== 'string' || !HOST_MESSAGES.has(message.type)) return false;
  if (message.type === 'layer') return typeof message.report?.name === 'string';
  if (message.type === 'done') return Array.isArray(message.report?.layers);
  if (message.type === 'begin' || message.type === 'plan') {
    return Array.isArray((data as { layers?: unknown }).layers);
  }
  if (message.type === 'baseline') return typeof (data as { baseline?: unknown }).baseline === 'object';
  if (message.type === 'comparison') {
    return Array.isArray((data as { comparison?: { layers?: unknown } }).comparison?.layers);
  }
  return true;
}
