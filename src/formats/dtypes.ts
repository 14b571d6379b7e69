import type { NumericArray } from './types';

/**
 * The element types readers decode, by their canonical (safetensors-style) name, with their size in bytes.
 * Quantised block types (GGUF, TF.js, TFLite) are decoded by their own readers.
 */
export const DTYPE_SIZES: Readonly<Record<string, number>> = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  F8_E4M3: 1,
  F8_E5M2: 1,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
};

/** Bytes per element of a canonical dtype, or undefined when the dtype is not a plain element type. */
export function dtypeSize(dtype: string): number | undefined {
  return Object.prototype.hasOwnProperty.call(DTYPE_SIZES, dtype) ? DTYPE_SIZES[dtype] : undefined;
}

/** True for dtypes that hold real-valued weights (as opposed to indices, shapes or flags). */
export function isFloatDtype(dtype: string): boolean {
  return dtype.startsWith('F') || dtype === 'BF16';
}

let f16Table: Float32Array | undefined;

/** IEEE 754 half precision → number. */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

function halfTable(): Float32Array {
  if (!f16Table) {
    f16Table = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) f16Table[h] = halfToFloat(h);
  }
  return f16Table;
}

/** Half-precision bits → number, through a lookup table. */
export function f16(bits: number): number {
  return halfTable()[bits & 0xffff];
}

/** float8 e4m3fn (torch.float8_e4m3fn): bias 7, no infinities, S.1111.111 is NaN. */
export function e4m3ToFloat(b: number): number {
  const sign = b & 0x80 ? -1 : 1;
  const exp = (b >> 3) & 0xf;
  const frac = b & 7;
  if (exp === 0xf && frac === 7) return NaN;
  if (exp === 0) return sign * frac * 2 ** -9;
  return sign * (1 + frac / 8) * 2 ** (exp - 7);
}

/** float8 e5m2 (torch.float8_e5m2): IEEE-like, bias 15, with infinities and NaN. */
export function e5m2ToFloat(b: number): number {
  return halfToFloat(b << 8);
}

/** Decodes `count` half-precision values read from `bytes` at byte `offset`. */
export function decodeHalf(bytes: Uint8Array, littleEndian = true): Float32Array {
  const table = halfTable();
  const n = bytes.length >> 1;
  const out = new Float32Array(n);
  const lo = littleEndian ? 0 : 1;
  const hi = 1 - lo;
  for (let i = 0; i < n; i++) out[i] = table[bytes[2 * i + lo] | (bytes[2 * i + hi] << 8)];
  return out;
}

/**
 * Decodes raw bytes of a plain element type to numbers: F64 stays float64, everything else becomes float32.
 * `bytes.length` must be a multiple of the element size.
 */
export function decode(bytes: Uint8Array, dtype: string, littleEndian = true): NumericArray {
  const size = dtypeSize(dtype);
  if (size === undefined) throw new Error(`unsupported dtype ${dtype}`);
  const n = Math.floor(bytes.length / size);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = littleEndian;
  switch (dtype) {
    case 'F64': {
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(8 * i, le);
      return out;
    }
    case 'F32': {
      if (le && bytes.byteOffset % 4 === 0)
        return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + 4 * n));
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat32(4 * i, le);
      return out;
    }
    case 'F16':
      return decodeHalf(bytes.subarray(0, 2 * n), le);
    case 'BF16': {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(2 * i, le) << 16;
      return out;
    }
    case 'F8_E4M3':
      return mapBytes(bytes, n, e4m3ToFloat);
    case 'F8_E5M2':
      return mapBytes(bytes, n, e5m2ToFloat);
  }
  const out = new Float32Array(n);
  switch (dtype) {
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigInt64(8 * i, le));
      break;
    case 'U64':
      for (let i = 0; i < n; i++) out[i] = Number(view.getBigUint64(8 * i, le));
      break;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(4 * i, le);
      break;
    case 'U32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(4 * i, le);
      break;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(2 * i, le);
      break;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(2 * i, le);
      break;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      break;
    default: // U8, BOOL
      for (let i = 0; i < n; i++) out[i] = bytes[i];
  }
  return out;
}

/**
 * Widens raw elements of a plain dtype straight to float64 into `out` at `at`, with the same values
 * as `decode` followed by a float64 copy (float16, bfloat16 and float8 pass through float32 exactly),
 * but without the intermediate arrays. Returns the number of elements written.
 */
export function widenInto(
  bytes: Uint8Array,
  dtype: string,
  littleEndian: boolean,
  out: Float64Array,
  at = 0,
): number {
  const size = dtypeSize(dtype);
  if (size === undefined) throw new Error(`unsupported dtype ${dtype}`);
  const n = Math.floor(bytes.length / size);
  if (at + n > out.length) throw new RangeError(`${n} values do not fit at ${at} of ${out.length}`);
  const aligned = littleEndian && bytes.byteOffset % size === 0;
  switch (dtype) {
    case 'F16': {
      const table = halfTable();
      if (aligned) {
        const bits = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
        for (let i = 0; i < n; i++) out[at + i] = table[bits[i]];
      } else {
        const lo = littleEndian ? 0 : 1;
        for (let i = 0; i < n; i++) out[at + i] = table[bytes[2 * i + lo] | (bytes[2 * i + 1 - lo] << 8)];
      }
      return n;
    }
    case 'BF16': {
      // bfloat16 is the top half of a float32: widen through a small float32 scratch.
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let start = 0; start < n; start += SCRATCH) {
        const count = Math.min(SCRATCH, n - start);
        for (let i = 0; i < count; i++) scratchBits[i] = view.getUint16(2 * (start + i), littleEndian) << 16;
        for (let i = 0; i < count; i++) out[at + start + i] = scratchFloats[i];
      }
      return n;
    }
    case 'F32': {
      if (aligned) {
        const values = new Float32Array(bytes.buffer, bytes.byteOffset, n);
        for (let i = 0; i < n; i++) out[at + i] = values[i];
      } else {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < n; i++) out[at + i] = view.getFloat32(4 * i, littleEndian);
      }
      return n;
    }
    case 'F64': {
      if (aligned) out.set(new Float64Array(bytes.buffer, bytes.byteOffset, n), at);
      else {
        const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
        for (let i = 0; i < n; i++) out[at + i] = view.getFloat64(8 * i, littleEndian);
      }
      return n;
    }
  }
  out.set(decode(bytes.subarray(0, n * size), dtype, littleEndian), at);
  return n;
}

const SCRATCH = 4096;
const scratchFloats = new Float32Array(SCRATCH);
const scratchBits = new Uint32Array(scratchFloats.buffer);

function mapBytes(bytes: Uint8Array, n: number, f: (b: number) => number): Float32Array {
  const table = new Float32Array(256);
  for (let b = 0; b < 256; b++) table[b] = f(b);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = table[bytes[i]];
  return out;
}

/** Product of a shape's dimensions (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}
