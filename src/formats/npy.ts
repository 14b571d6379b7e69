import * as path from 'node:path';
import { decode, dtypeSize, numel } from './dtypes';
import { WeightFileError } from './errors';
import { ByteSource } from './source';
import { checkShape, contiguousReader, createWeightFile, sliceRows, type TensorReadFn } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, WeightFile } from './types';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY
const MAX_HEADER = 1 << 20;

export interface NpyHeader {
  dtype: string;
  littleEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Bytes before the data (magic, version, length field and header). */
  dataOffset: number;
}

export function hasNpyMagic(head: Uint8Array): boolean {
  return MAGIC.every((b, i) => head[i] === b);
}

/** Length of the preamble + header, from the first 12 bytes of an .npy stream. */
export function npyPreambleLength(head: Uint8Array, file: string, tensor?: string, base = 0): number {
  if (head.length < 10 || !hasNpyMagic(head))
    throw new WeightFileError(file, 'not an .npy array (bad magic)', tensor, base);
  const major = head[6];
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  if (major === 1) return 10 + view.getUint16(8, true);
  if (major === 2 || major === 3) {
    if (head.length < 12) throw new WeightFileError(file, 'truncated .npy preamble', tensor, base);
    const len = view.getUint32(8, true);
    if (len > MAX_HEADER)
      throw new WeightFileError(file, `.npy header length ${len} is absurd`, tensor, base + 8);
    return 12 + len;
  }
  throw new WeightFileError(file, `unsupported .npy version ${major}.${head[7]}`, tensor, base + 6);
}

/** Parses a whole .npy preamble and header (`bytes` holds at least `npyPreambleLength` bytes). */
export function parseNpyHeader(bytes: Uint8Array, file: string, tensor?: string, base = 0): NpyHeader {
  const dataOffset = npyPreambleLength(bytes, file, tensor, base);
  if (bytes.length < dataOffset) throw new WeightFileError(file, 'truncated .npy header', tensor, base);
  const headerStart = bytes[6] === 1 ? 10 : 12;
  const text = new TextDecoder(bytes[6] === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(headerStart, dataOffset),
  );
  const fail = (detail: string) => new WeightFileError(file, detail, tensor, base + headerStart);
  let dict: unknown;
  try {
    dict = parsePyLiteral(text);
  } catch (err) {
    throw fail(`cannot parse .npy header: ${(err as Error).message}`);
  }
  if (!(dict instanceof Map)) throw fail('.npy header is not a dict');
  const descr = dict.get('descr');
  const fortran = dict.get('fortran_order');
  const shape = dict.get('shape');
  if (typeof descr !== 'string') throw fail('structured dtypes are not supported');
  if (typeof fortran !== 'boolean') throw fail('fortran_order missing');
  if (!Array.isArray(shape)) throw fail('shape missing');
  const { dtype, littleEndian } = parseDescr(descr, fail);
  return {
    dtype,
    littleEndian,
    fortranOrder: fortran,
    shape: checkShape(file, tensor ?? '', shape),
    dataOffset,
  };
}

const KINDS: Record<string, string> = {
  f2: 'F16',
  f4: 'F32',
  f8: 'F64',
  i1: 'I8',
  i2: 'I16',
  i4: 'I32',
  i8: 'I64',
  u1: 'U8',
  u2: 'U16',
  u4: 'U32',
  u8: 'U64',
  b1: 'BOOL',
};

function parseDescr(descr: string, fail: (d: string) => Error): { dtype: string; littleEndian: boolean } {
  const m = /^([<>|=]?)([a-zA-Z])(\d*)$/.exec(descr);
  if (!m) throw fail(`unsupported dtype '${descr}'`);
  const kind = m[2] + m[3];
  if (m[2] === 'O') throw fail(`object arrays ('${descr}') are refused`);
  if (m[2] === 'V') throw fail(`structured or void dtype '${descr}' is not supported`);
  const dtype = KINDS[kind];
  if (!dtype) throw fail(`unsupported dtype '${descr}'`);
  return { dtype, littleEndian: m[1] !== '>' };
}

/**
 * Parses the Python literal of an .npy header: dicts, tuples, lists, strings, integers, True/False/None.
 * Nothing is evaluated; anything else is a syntax error.
 */
export function parsePyLiteral(text: string): unknown {
  let i = 0;
  const ws = () => {
    while (i < text.length && /\s/.test(text[i])) i++;
  };
  const expect = (c: string) => {
    ws();
    if (text[i] !== c) throw new Error(`expected '${c}' at ${i}`);
    i++;
  };
  const value = (depth: number): unknown => {
    if (depth > 32) throw new Error('nesting too deep');
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      const map = new Map<unknown, unknown>();
      for (;;) {
        ws();
        if (text[i] === '}') {
          i++;
          return map;
        }
        const k = value(depth + 1);
        expect(':');
        map.set(k, value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== '}') throw new Error(`expected ',' or '}' at ${i}`);
      }
    }
    if (c === '(' || c === '[') {
      const close = c === '(' ? ')' : ']';
      i++;
      const items: unknown[] = [];
      for (;;) {
        ws();
        if (text[i] === close) {
          i++;
          return items;
        }
        items.push(value(depth + 1));
        ws();
        if (text[i] === ',') i++;
        else if (text[i] !== close) throw new Error(`expected ',' or '${close}' at ${i}`);
      }
    }
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      if (end < 0) throw new Error('unterminated string');
      const s = text.slice(i + 1, end);
      i = end + 1;
      return s;
    }
    const m = /^(-?\d+)L?|^(True|False|None)/.exec(text.slice(i, i + 40));
    if (!m) throw new Error(`unexpected '${text.slice(i, i + 10)}' at ${i}`);
    i += m[0].length;
    if (m[1] !== undefined) return Number(m[1]);
    return m[2] === 'True' ? true : m[2] === 'False' ? false : null;
  };
  const v = value(0);
  ws();
  if (i !== text.length) throw new Error(`trailing characters at ${i}`);
  return v;
}

/** Reorders a Fortran-order (column-major) array into C order. */
export function fortranToC(data: NumericArray, shape: readonly number[]): NumericArray {
  const n = data.length;
  if (shape.length < 2) return data;
  const out = new (data.constructor as new (n: number) => NumericArray)(n);
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = 0; d < shape.length; d++) {
    strides[d] = s;
    s *= shape[d];
  }
  const idx = new Array<number>(shape.length).fill(0);
  let f = 0;
  for (let c = 0; c < n; c++) {
    out[c] = data[f];
    for (let d = shape.length - 1; d >= 0; d--) {
      idx[d]++;
      f += strides[d];
      if (idx[d] < shape[d]) break;
      f -= strides[d] * shape[d];
      idx[d] = 0;
    }
  }
  return out;
}

/** A reader for an .npy array at `base` of `source` (whole file, or a stored member of an .npz). */
export function npyTensorReader(
  source: ByteSource,
  info: TensorInfo,
  header: NpyHeader,
  base: number,
): TensorReadFn {
  const dataStart = base + header.dataOffset;
  if (!header.fortranOrder || info.shape.length < 2) {
    return contiguousReader(source, info, dataStart, header.dtype, header.littleEndian);
  }
  // Fortran order: a row of the leading dimension is strided through the whole array, so read it all.
  return async (rows) => {
    const bytes = await source.read(dataStart, info.byteLength ?? 0, {
      tensor: info.name,
      what: 'tensor data',
    });
    const all = fortranToC(decode(bytes, header.dtype, header.littleEndian), info.shape);
    return sliceRows(all, info.shape, rows);
  };
}

/** TensorInfo for an .npy header whose data starts at `dataStart`; checks the data fits in `available` bytes. */
export function npyTensorInfo(
  file: string,
  name: string,
  header: NpyHeader,
  dataStart: number,
  available: number,
): TensorInfo {
  const size = dtypeSize(header.dtype) as number;
  const byteLength = numel(header.shape) * size;
  if (byteLength > available) {
    throw new WeightFileError(
      file,
      `shape [${header.shape.join(', ')}] of ${header.dtype} needs ${byteLength} bytes, only ${available} present`,
      name,
      dataStart,
    );
  }
  return {
    name,
    dtype: header.dtype,
    shape: header.shape,
    byteOffset: dataStart,
    byteLength,
    layout: 'torch',
  };
}

export const npyReader: FormatReader = {
  id: 'npy',
  label: 'NumPy array',
  patterns: ['*.npy'],
  matches: (file, head) => path.extname(file).toLowerCase() === '.npy' || hasNpyMagic(head),
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      const name = path.basename(file).replace(/\.npy$/i, '');
      const head = await source.readAtMost(0, 12);
      const preamble = npyPreambleLength(head, file, name);
      const header = parseNpyHeader(await source.read(0, preamble, { what: 'header' }), file, name);
      const info = npyTensorInfo(file, name, header, header.dataOffset, source.size - header.dataOffset);
      return createWeightFile({
        path: file,
        format: 'npy',
        entries: [{ info, read: npyTensorReader(source, info, header, 0) }],
        metadata: {
          byteorder: header.littleEndian ? 'little' : 'big',
          fortran_order: String(header.fortranOrder),
        },
        close: () => source.close(),
      });
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};
