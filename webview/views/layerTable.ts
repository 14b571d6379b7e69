// The layer table: filter box, count, and the grid. Rows are kept per layer and updated in place,
// so focus and scroll survive while reports stream in; selection follows focus (arrow keys).
import {
  dataGrid,
  dataRow,
  headerRow,
  rowCells,
  setCell,
  setGridColumns,
  setHeaderSort,
  setRowSelected,
} from '../components/dataGrid';
import { approximationOf } from '../approximation';
import { searchField } from '../components/textField';
import { element } from '../components/toolkit';
import {
  cellContent,
  COLUMNS,
  commonDtype,
  filterRows,
  sortRows,
  visibleColumns,
  type LayerColumn,
} from '../columns';
import type { LayerRow, UiState } from '../state';

export interface LayerTableHandlers {
  onSelect(name: string): void;
  onSort(columnId: string): void;
  onFilter(text: string): void;
}

export class LayerTable {
  readonly element: HTMLElement;
  private readonly grid = dataGrid('Layers');
  private readonly count = element('span', { class: 'row-count', 'aria-live': 'polite' });
  private readonly rowsByName = new Map<string, HTMLElement>();
  private header: HTMLElement | undefined;
  private columns: LayerColumn[] = [];
  private pendingReveal: string | undefined;

  constructor(
    private readonly handlers: LayerTableHandlers,
    filter: string,
  ) {
    const field = searchField('Filter layers (name, dtype, verdict)', filter, (text) =>
      handlers.onFilter(text),
    );
    field.classList.add('filter');
    this.element = element('div', { class: 'layer-table' }, [
      element('div', { class: 'table-toolbar' }, [field, this.count]),
      this.grid,
    ]);
  }

  update(rows: readonly LayerRow[], ui: UiState, selected: string | undefined): void {
    this.updateColumns(visibleColumns(rows), ui);
    const sortColumn = COLUMNS.find((c) => c.id === ui.sortColumn) ?? COLUMNS[0];
    const shown = sortRows(filterRows(rows, ui.filter), sortColumn, ui.sortDescending);
    const approximated = rows.filter((row) => approximationOf(row.report)).length;
    const dtype = commonDtype(rows);
    this.count.textContent = [
      shown.length === rows.length ? `${rows.length} layers` : `${shown.length} of ${rows.length} layers`,
      ...(dtype ? [`all ${dtype}`] : []),
      ...(approximated ? [`${approximated} approximated (≈)`] : []),
    ].join(' · ');
    this.count.title = approximated
      ? 'Layers above the exact limit: Lanczos top singular values and an SLQ density estimate, not the full spectrum'
      : '';

    const keep = new Set<string>();
    shown.forEach((row, position) => {
      keep.add(row.name);
      const element = this.rowElement(row.name);
      rowCells(element).forEach((cell, i) => {
        const { content, title } = cellContent(this.columns[i], row);
        setCell(cell, content, title);
      });
      element.dataset.status = row.status;
      element.toggleAttribute('data-approximate', approximationOf(row.report) !== undefined);
      setRowSelected(element, row.name === selected);
      const expected = this.grid.children[position + 1];
      if (expected !== element) this.grid.insertBefore(element, expected ?? null);
    });
    for (const [name, element] of this.rowsByName) {
      if (!keep.has(name)) {
        element.remove();
        this.rowsByName.delete(name);
      }
    }
    if (this.pendingReveal !== undefined) {
      const row = this.rowsByName.get(this.pendingReveal);
      if (row) this.scrollWithinGrid(row);
      this.pendingReveal = undefined;
    }
  }

  /**
   * Scrolls the grid (not the page) so the row shows below the sticky header. scrollIntoView would
   * also scroll the page, and the report would open with its header above the visible area.
   */
  private scrollWithinGrid(row: HTMLElement): void {
    const grid = this.grid;
    const header = this.header?.offsetHeight ?? 0;
    const top = row.offsetTop - header;
    const bottom = row.offsetTop + row.offsetHeight - grid.clientHeight;
    if (grid.scrollTop > top) grid.scrollTop = top;
    else if (grid.scrollTop < bottom) grid.scrollTop = bottom;
  }

  /** Scrolls a layer's row into view at the next update. */
  reveal(name: string): void {
    this.pendingReveal = name;
  }

  private updateColumns(columns: LayerColumn[], ui: UiState): void {
    const changed = columns.map((c) => c.id).join() !== this.columns.map((c) => c.id).join();
    if (changed) {
      this.columns = columns;
      this.rowsByName.clear();
      this.grid.replaceChildren();
      setGridColumns(this.grid, columns);
      this.header = headerRow(columns, (column) => this.handlers.onSort(column.id));
      this.grid.append(this.header);
    }
    if (this.header)
      setHeaderSort(this.header, ui.sortColumn, ui.sortDescending ? 'descending' : 'ascending');
  }

  private rowElement(name: string): HTMLElement {
    let row = this.rowsByName.get(name);
    if (!row) {
      row = dataRow(name, this.columns);
      row.addEventListener('focusin', () => this.handlers.onSelect(name));
      row.addEventListener('click', () => this.handlers.onSelect(name));
      this.rowsByName.set(name, row);
    }
    return row;
  }
}
