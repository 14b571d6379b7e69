import { element } from './toolkit';

/** A filter box: calls `onInput` with the text as the user types. */
export function searchField(
  placeholder: string,
  value: string,
  onInput: (text: string) => void,
): HTMLElement {
  const node = element('vscode-text-field', { placeholder, value, 'aria-label': placeholder });
  node.addEventListener('input', () => onInput(fieldValue(node)));
  return node;
}

export function fieldValue(node: HTMLElement): string {
  return (node as HTMLElement & { value?: string }).value ?? '';
}
