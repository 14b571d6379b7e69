// Colour helpers (pure, no DOM).

/** The colour without its alpha channel (#rgba, #rrggbbaa, rgba()); other forms unchanged. */
export function opaque(color: string): string {
  const hex = /^#([0-9a-f]{3}|[0-9a-f]{6})([0-9a-f]{1,2})$/i.exec(color);
  if (hex && (color.length === 5 || color.length === 9)) return `#${hex[1]}`;
  const rgba = /^rgba\(\s*([^,]+),\s*([^,]+),\s*([^,]+),[^)]*\)$/i.exec(color);
  if (rgba) return `rgb(${rgba[1]}, ${rgba[2]}, ${rgba[3]})`;
  return color;
}
