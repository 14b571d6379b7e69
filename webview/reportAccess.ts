// Defensive reads from reports. Reports grow over time (new statistics appear, old pages restore old
// state), and JSON has no NaN or ±∞ (JSON.stringify writes null; src/engine/json.ts writes "NaN",
// "Infinity", "-Infinity"), so the page reads every field through these.

const NON_FINITE: Record<string, number> = { NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/** A number, or NaN/±∞ as JSON carries them; undefined for anything else. */
export function asNumber(value: unknown): number | undefined {
  if (typeof value === 'number') return value;
  if (value === null) return NaN;
  if (typeof value === 'string' && value in NON_FINITE) return NON_FINITE[value];
  return undefined;
}

/** The value at a dotted path (`spacing.ks.p`), or undefined when any step is missing. */
export function valueAt(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

/** A number at the path; null (NaN or ±∞ after JSON.stringify) reads as NaN so it shows honestly. */
export function numberAt(source: unknown, path: string): number | undefined {
  return asNumber(valueAt(source, path));
}

/** The first path that holds a number, for fields whose name may still change. */
export function firstNumberAt(source: unknown, paths: readonly string[]): number | undefined {
  for (const path of paths) {
    const value = numberAt(source, path);
    if (value !== undefined) return value;
  }
  return undefined;
}

export function stringAt(source: unknown, path: string): string | undefined {
  const value = valueAt(source, path);
  return typeof value === 'string' ? value : undefined;
}

/** An array of numbers at the path (nulls read as NaN), or undefined when absent or empty. */
export function numbersAt(source: unknown, path: string): number[] | undefined {
  const value = valueAt(source, path);
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const numbers = value.map(asNumber);
  return numbers.every((v) => v !== undefined) ? (numbers as number[]) : undefined;
}

/** Arrays of equal length at each path, or undefined when one is missing. */
export function columnsAt<K extends string>(
  source: unknown,
  paths: Record<K, string>,
): Record<K, number[]> | undefined {
  const result = {} as Record<K, number[]>;
  let length: number | undefined;
  for (const key of Object.keys(paths) as K[]) {
    const values = numbersAt(source, paths[key]);
    if (!values || (length !== undefined && values.length !== length)) return undefined;
    length = values.length;
    result[key] = values;
  }
  return result;
}
