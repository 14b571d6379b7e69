import { decode, dtypeSize, numel } from './dtypes';
import { WeightFileError } from './errors';
import type { ByteSource } from './source';
import type { NumericArray, RawTensor, RowRange, TensorInfo, WeightFile } from './types';

/** Reads one tensor, or rows [start, end) of its leading dimension (already validated). */
export type TensorReadFn = (rows: RowRange) => Promise<NumericArray>;

export interface TensorEntry {
  info: TensorInfo;
  read: TensorReadFn;
  /** The rows undecoded, for tensors stored as plain contiguous elements. */
  readRaw?: (rows: RowRange, into?: Uint8Array) => Promise<RawTensor>;
}

/** The largest number of elements a shape may declare (well beyond any real tensor, far below overflow). */
export const MAX_ELEMENTS = 2 ** 50;

/** Checks a declared shape: non-negative integer dimensions, sane rank and element count. */
export function checkShape(file: string, tensor: string, shape: unknown, offset?: number): number[] {
  if (!Array.isArray(shape) || shape.length > 16) {
    throw new WeightFileError(file, `invalid shape ${JSON.stringify(shape)}`, tensor, offset);
  }
  let n = 1;
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isSafeInteger(d) || d < 0) {
      throw new WeightFileError(file, `invalid dimension ${String(d)} in shape`, tensor, offset);
    }
    n *= d;
    if (n > MAX_ELEMENTS)
      throw new WeightFileError(file, `absurd shape [${shape.join(', ')}]`, tensor, offset);
  }
  return shape as number[];
}

/** Rows of the leading dimension (a scalar or 1-D tensor has shape[0] rows of the remaining size). */
export function leadingRows(shape: readonly number[]): { rows: number; rowSize: number } {
  if (shape.length === 0) return { rows: 1, rowSize: 1 };
  return { rows: shape[0], rowSize: numel(shape.slice(1)) };
}

/**
 * A tensor stored contiguously, in C order, as plain elements at `offset` of `source`:
 * reads only the byte range of the requested rows.
 */
export function contiguousReader(
  source: ByteSource,
  info: TensorInfo,
  offset: number,
  dtype: string,
  littleEndian = true,
): TensorReadFn {
  const size = dtypeSize(dtype);
  if (size === undefined) throw source.error(`unsupported dtype ${dtype}`, info.name, offset);
  const { rowSize } = leadingRows(info.shape);
  const rowBytes = rowSize * size;
  return async (rows) => {
    const bytes = await source.read(offset + rows.start * rowBytes, (rows.end - rows.start) * rowBytes, {
      tensor: info.name,
      what: 'tensor data',
    });
    return decode(bytes, dtype, littleEndian);
  };
}

/** Like `contiguousReader`, but returns the rows' bytes undecoded. */
export function contiguousRawReader(
  source: ByteSource,
  info: TensorInfo,
  offset: number,
  dtype: string,
  littleEndian = true,
): (rows: RowRange, into?: Uint8Array) => Promise<RawTensor> {
  const size = dtypeSize(dtype);
  if (size === undefined) throw source.error(`unsupported dtype ${dtype}`, info.name, offset);
  const rowBytes = leadingRows(info.shape).rowSize * size;
  return async (rows, into) => ({
    bytes: await source.read(offset + rows.start * rowBytes, (rows.end - rows.start) * rowBytes, {
      tensor: info.name,
      what: 'tensor data',
      into,
    }),
    dtype,
    littleEndian,
  });
}

/** Selects rows [start, end) of a decoded tensor (for readers that must decode a whole tensor). */
export function sliceRows(all: NumericArray, shape: readonly number[], rows: RowRange): NumericArray {
  const { rows: n, rowSize } = leadingRows(shape);
  if (rows.start === 0 && rows.end === n) return all;
  return all.slice(rows.start * rowSize, rows.end * rowSize);
}

/** Builds a WeightFile from its tensors: checks names and row ranges, then delegates to each tensor's reader. */
export function createWeightFile(options: {
  path: string;
  format: string;
  entries: TensorEntry[];
  metadata?: Record<string, string>;
  close?: () => Promise<void>;
}): WeightFile {
  const byName = new Map<string, TensorEntry>();
  for (const e of options.entries) {
    if (byName.has(e.info.name)) {
      throw new WeightFileError(options.path, 'duplicate tensor name', e.info.name, e.info.byteOffset);
    }
    byName.set(e.info.name, e);
  }
  const path = options.path;
  let closed = false;
  const checked = (name: string, rows: RowRange | undefined): { entry: TensorEntry; range: RowRange } => {
    if (closed) throw new WeightFileError(path, 'file is closed', name);
    const entry = byName.get(name);
    if (!entry) throw new WeightFileError(path, 'no such tensor', name);
    const { info } = entry;
    if (info.unsupported) throw new WeightFileError(path, info.unsupported, name, info.byteOffset);
    const { rows: n } = leadingRows(info.shape);
    const range = rows ?? { start: 0, end: n };
    if (!Number.isInteger(range.start) || !Number.isInteger(range.end) || range.start < 0) {
      throw new WeightFileError(path, `invalid rows [${range.start}, ${range.end})`, name);
    }
    if (range.end > n || range.start > range.end) {
      throw new WeightFileError(path, `rows [${range.start}, ${range.end}) outside [0, ${n})`, name);
    }
    return { entry, range };
  };
  return {
    path,
    format: options.format,
    tensors: options.entries.map((e) => e.info),
    metadata: options.metadata ?? {},
    async read(name: string, rows?: RowRange): Promise<NumericArray> {
      const { entry, range } = checked(name, rows);
      return entry.read(range);
    },
    readRaw(name: string, rows?: RowRange, into?: Uint8Array): Promise<RawTensor> | undefined {
      const entry = byName.get(name);
      if (!entry?.readRaw || entry.info.unsupported) return undefined;
      const { range } = checked(name, rows);
      return entry.readRaw(range, into);
    },
    async close(): Promise<void> {
      if (closed) return;
      closed = true;
      await options.close?.();
    },
  };
}
