// Number formatting for the table, the summaries and the chart tooltips.
// Missing values show as an em dash; NaN and infinities show as themselves, never as 0.

const MINUS = '\u2212';

/** Compact form with `digits` significant digits, e.g. 0.04987, 2.699, 1.235e6. */
export function formatNumber(value: number | null | undefined, digits = 4): string {
  if (value === undefined || value === null) return '—';
  if (Number.isNaN(value)) return 'NaN';
  if (!Number.isFinite(value)) return value > 0 ? '∞' : `${MINUS}∞`;
  if (value === 0) return '0';
  const magnitude = Math.abs(value);
  const text =
    magnitude >= 1e-3 && magnitude < 1e6
      ? trimZeros(value.toPrecision(digits))
      : value
          .toExponential(digits - 1)
          .replace(/\.?0+e/, 'e')
          .replace('e+', 'e');
  return text.replace(/-/g, MINUS);
}

/** Integers with thin grouping, e.g. 4 096. */
export function formatInteger(value: number | null | undefined): string {
  if (value === undefined || value === null) return '—';
  if (!Number.isFinite(value)) return formatNumber(value);
  return Math.round(value)
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, '\u2009')
    .replace(/-/g, MINUS);
}

/** p-values: two significant digits, scientific below 0.001. */
export function formatPValue(value: number | null | undefined): string {
  return formatNumber(value, 2);
}

/** Every digit the number has, for tooltips. */
export function formatExact(value: number | null | undefined): string {
  if (value === undefined || value === null) return '—';
  return Number.isFinite(value) ? String(value) : formatNumber(value);
}

export function formatShape(shape: readonly number[] | undefined): string {
  return shape ? shape.map((n) => formatInteger(n)).join(' × ') : '—';
}

export function formatSeconds(seconds: number | undefined): string {
  if (seconds === undefined || !Number.isFinite(seconds)) return '—';
  return seconds < 1 ? `${Math.round(seconds * 1000)} ms` : `${formatNumber(seconds, 3)} s`;
}

function trimZeros(text: string): string {
  return text.includes('.') && !text.includes('e') ? text.replace(/\.?0+$/, '') : text;
}
