import { readFileSync } from 'node:fs';
import { Rng } from '../../../src/rmt/prng';

/** Minimal reader for the reference files: little-endian float64, C order. */
export function readNpyFloat64(path: string): { shape: number[]; data: Float64Array } {
  const bytes = readFileSync(path);
  if (bytes.toString('latin1', 0, 6) !== '\x93NUMPY') throw new Error(`${path}: not a .npy file`);
  const major = bytes[6];
  const headerLength = major === 1 ? bytes.readUInt16LE(8) : bytes.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = bytes.toString('latin1', start, start + headerLength);
  if (!/'descr':\s*'<f8'/.test(header) || /'fortran_order':\s*True/.test(header))
    throw new Error(`${path}: expected C-order <f8, got ${header}`);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '')
    .split(',')
    .filter((s) => s.trim() !== '')
    .map(Number);
  const offset = start + headerLength;
  const count = shape.reduce((a, b) => a * b, 1);
  const data = new Float64Array(count);
  for (let i = 0; i < count; i++) data[i] = bytes.readDoubleLE(offset + 8 * i);
  return { shape, data };
}

/** rows × cols matrix of i.i.d. N(0, σ²), row-major. */
export function gaussianMatrix(rng: Rng, rows: number, cols: number, sigma = 1): Float64Array {
  return rng.normals(rows * cols, sigma);
}

/** Parses the reference JSON's numbers, which spell non-finite values as strings. */
export function refNumber(x: number | string): number {
  if (typeof x === 'number') return x;
  if (x === 'NaN') return NaN;
  if (x === 'Infinity') return Infinity;
  if (x === '-Infinity') return -Infinity;
  throw new Error(`not a number: ${x}`);
}

export function mean(a: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i];
  return s / a.length;
}

export function std(a: ArrayLike<number>): number {
  const m = mean(a);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] - m) ** 2;
  return Math.sqrt(s / (a.length - 1));
}
