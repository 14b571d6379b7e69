import { element } from './toolkit';

/** A row of radio buttons that switches a chart between its modes (e.g. linear/log). */
export function modeSwitch(
  label: string,
  modes: readonly { id: string; label: string }[],
  selected: string,
  onChange: (mode: string) => void,
): HTMLElement {
  const group = element(
    'vscode-radio-group',
    { orientation: 'horizontal', 'aria-label': label, class: 'mode-switch' },
    modes.map((mode) =>
      element('vscode-radio', { value: mode.id, checked: mode.id === selected ? '' : undefined }, [
        mode.label,
      ]),
    ),
  );
  group.addEventListener('change', () => {
    const value = (group as HTMLElement & { value?: string }).value;
    if (value && value !== selected) onChange(value);
  });
  return group;
}
