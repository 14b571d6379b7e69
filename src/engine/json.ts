/**
 * JSON for reports: typed arrays become arrays, and non-finite numbers become the strings
 * "NaN", "Infinity" and "-Infinity" (JSON has no way to write them).
 */
export function toJson(value: unknown, indent = 2): string {
  return JSON.stringify(value, replacer, indent);
}

function replacer(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) {
    return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
  }
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    return Array.from(value as unknown as ArrayLike<number>);
  }
  return value;
}
