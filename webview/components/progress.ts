import { element } from './toolkit';

export function progressRing(): HTMLElement {
  return element('vscode-progress-ring', { 'aria-label': 'Analysing' });
}
