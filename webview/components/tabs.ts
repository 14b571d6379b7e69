import { element } from './toolkit';

export interface Tab {
  id: string;
  label: string;
  content: HTMLElement;
}

/** Tabs over views; `onChange` gets the id of the newly shown tab. */
export function tabs(items: Tab[], active: string, onChange: (id: string) => void): HTMLElement {
  const panels = element('vscode-panels', { activeid: `tab-${active}`, 'aria-label': 'Report views' }, [
    ...items.map((tab) => element('vscode-panel-tab', { id: `tab-${tab.id}` }, [tab.label])),
    ...items.map((tab) => element('vscode-panel-view', { id: `view-${tab.id}` }, [tab.content])),
  ]);
  panels.addEventListener('change', (event) => {
    if (event.target !== panels) return;
    const id = (panels as HTMLElement & { activeid?: string }).activeid ?? '';
    if (id.startsWith('tab-')) onChange(id.slice(4));
  });
  return panels;
}

export function setActiveTab(panels: HTMLElement, id: string): void {
  panels.setAttribute('activeid', `tab-${id}`);
}
