// The layer table's grid: vscode-data-grid with hand-made rows (the grid gives keyboard navigation:
// arrows, Home/End, Page Up/Down). Header cells sort on click, Enter or Space.
import { element } from './toolkit';

export interface GridColumn {
  id: string;
  title: string;
  /** Tooltip of the header: what the number is. */
  description: string;
  /** A grid-template-columns track, e.g. `minmax(12em, 3fr)` or `6em`. */
  width: string;
  numeric: boolean;
}

export type SortDirection = 'ascending' | 'descending' | 'none';

export function dataGrid(label: string): HTMLElement {
  return element('vscode-data-grid', { 'generate-header': 'none', 'aria-label': label, class: 'layer-grid' });
}

export function setGridColumns(grid: HTMLElement, columns: readonly GridColumn[]): void {
  grid.setAttribute('grid-template-columns', columns.map((c) => c.width).join(' '));
}

export function headerRow(columns: readonly GridColumn[], onSort: (column: GridColumn) => void): HTMLElement {
  const row = element('vscode-data-grid-row', { 'row-type': 'sticky-header', class: 'header-row' });
  columns.forEach((column, index) => {
    const cell = element(
      'vscode-data-grid-cell',
      {
        'cell-type': 'columnheader',
        'grid-column': String(index + 1),
        'aria-sort': 'none',
        title: `${column.description} (click to sort)`,
        class: column.numeric ? 'numeric sortable' : 'sortable',
        'data-column': column.id,
      },
      [column.title, element('span', { class: 'sort-arrow', 'aria-hidden': 'true' })],
    );
    cell.addEventListener('click', () => onSort(column));
    cell.addEventListener('keydown', (event) => {
      if (event.key === 'Enter' || event.key === ' ') {
        event.preventDefault();
        onSort(column);
      }
    });
    row.append(cell);
  });
  return row;
}

/** Shows which column sorts the table, and which way. */
export function setHeaderSort(header: HTMLElement, columnId: string, direction: SortDirection): void {
  for (const cell of rowCells(header)) {
    const cellDirection = cell.dataset.column === columnId ? direction : 'none';
    cell.setAttribute('aria-sort', cellDirection);
    const arrow = cell.querySelector('.sort-arrow');
    if (arrow)
      arrow.textContent = cellDirection === 'ascending' ? ' ▲' : cellDirection === 'descending' ? ' ▼' : '';
  }
}

/** A body row with one empty cell per column; fill the cells with `setCell`. */
export function dataRow(key: string, columns: readonly GridColumn[]): HTMLElement {
  const row = element('vscode-data-grid-row', { 'data-key': key, 'aria-selected': 'false' });
  columns.forEach((column, index) =>
    row.append(
      element('vscode-data-grid-cell', {
        'grid-column': String(index + 1),
        class: column.numeric ? 'numeric' : undefined,
        'data-column': column.id,
      }),
    ),
  );
  return row;
}

export function rowCells(row: HTMLElement): HTMLElement[] {
  return [...row.children] as HTMLElement[];
}

/** Replaces a cell's content when it changed (keeps focus and avoids flicker while rows stream in). */
export function setCell(cell: HTMLElement, content: string | HTMLElement, title: string): void {
  const key = typeof content === 'string' ? content : content.outerHTML;
  if (cell.dataset.content === key && cell.title === title) return;
  cell.dataset.content = key;
  cell.title = title;
  cell.replaceChildren(content);
}

export function setRowSelected(row: HTMLElement, selected: boolean): void {
  row.setAttribute('aria-selected', String(selected));
  row.classList.toggle('selected', selected);
}
