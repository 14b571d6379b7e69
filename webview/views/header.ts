// The top bar: which file, how far the analysis is, and the export/cancel buttons.
import { button, setDisabled } from '../components/button';
import { progressRing } from '../components/progress';
import { element } from '../components/toolkit';
import type { PageState } from '../state';

export interface HeaderHandlers {
  onExport(format: 'json' | 'csv'): void;
  onCancel(): void;
  onAnalyze(): void;
}

export class Header {
  readonly element: HTMLElement;
  private readonly title = element('h1', { class: 'file-name' });
  private readonly status = element('span', { class: 'status', role: 'status' });
  private readonly ring = progressRing();
  private readonly exportJson: HTMLElement;
  private readonly exportCsv: HTMLElement;
  private readonly cancel: HTMLElement;
  private readonly analyze: HTMLElement;

  constructor(handlers: HeaderHandlers) {
    this.exportJson = button('Export JSON', () => handlers.onExport('json'), {
      id: 'export-json',
      title: 'Every number of the report as JSON',
    });
    this.exportCsv = button('Export CSV', () => handlers.onExport('csv'), {
      id: 'export-csv',
      title: 'The layer table as CSV',
    });
    this.cancel = button('Cancel', () => handlers.onCancel(), { id: 'cancel', title: 'Stop the analysis' });
    this.analyze = button('Analyze', () => handlers.onAnalyze(), {
      id: 'analyze',
      appearance: 'primary',
      title: 'Run the random-matrix analysis of every layer',
    });
    this.element = element('header', { class: 'report-header' }, [
      element('div', { class: 'titles' }, [
        this.title,
        element('div', { class: 'status-line' }, [this.ring, this.status]),
      ]),
      element('div', { class: 'actions' }, [this.analyze, this.cancel, this.exportJson, this.exportCsv]),
    ]);
  }

  update(state: PageState): void {
    const file = state.file ?? '';
    this.title.textContent = file ? (file.split(/[\\/]/).pop() ?? file) : 'RMT Lens';
    this.title.title = file;
    this.status.textContent = statusText(state);
    this.status.className = `status status-${state.status}`;
    this.ring.hidden = state.status !== 'running';
    this.cancel.hidden = state.status !== 'running';
    this.analyze.hidden = !['planned', 'error', 'cancelled'].includes(state.status);
    this.analyze.textContent = state.status === 'planned' ? 'Analyze' : 'Analyze again';
    setDisabled(this.exportJson, state.status !== 'done');
    setDisabled(this.exportCsv, state.status !== 'done');
  }
}

function statusText(state: PageState): string {
  const format = state.format ? `${state.format} · ` : '';
  switch (state.status) {
    case 'waiting':
      return 'Waiting for the analysis…';
    case 'planned':
      return `${format}${state.headers.length} matrices, not analysed yet`;
    case 'running': {
      const p = state.progress;
      return `${format}analysing ${p ? `${p.done} of ${p.total} layers` : '…'}`;
    }
    case 'done':
      return `${format}${Object.keys(state.reports).length} layers analysed`;
    case 'error':
      return `Analysis failed: ${state.error ?? 'unknown error'}`;
    case 'cancelled':
      return `${format}analysis cancelled`;
  }
}
