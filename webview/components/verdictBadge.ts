import { element } from './toolkit';

/** The verdict as a coloured badge; `kind` picks the colour (a VerdictLabel, 'pending' or 'failed'). */
export function verdictBadge(kind: string, text: string, title?: string): HTMLElement {
  const slug = kind.replace(/[^a-z]+/gi, '-').toLowerCase();
  return element('span', { class: `badge badge-${slug}`, title: title ?? text }, [text]);
}
