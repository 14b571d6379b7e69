import { element } from './toolkit';

export interface ButtonOptions {
  appearance?: 'primary' | 'secondary';
  title?: string;
  id?: string;
}

export function button(label: string, onClick: () => void, options: ButtonOptions = {}): HTMLElement {
  const node = element(
    'vscode-button',
    {
      appearance: options.appearance ?? 'secondary',
      title: options.title,
      id: options.id,
    },
    [label],
  );
  node.addEventListener('click', onClick);
  return node;
}

export function setDisabled(node: HTMLElement, disabled: boolean): void {
  node.toggleAttribute('disabled', disabled);
}
