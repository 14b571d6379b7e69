// Row-major matrices stored as plain contiguous elements (a 2-D torch tensor, one slice of a stacked
// tensor): read undecoded in blocks and widened straight to float64 where the caller wants them, so
// that no whole-matrix float32 or float64 intermediate exists (RMT.md §10, issue 6).
import { dtypeSize, widenInto } from '../formats/dtypes';
import type { RawTensor, WeightFile } from '../formats/types';
import type { MatrixRows } from './types';

/** Undecoded bytes read per file request. */
export const READ_BLOCK_BYTES = 8 << 20;

/** Where the matrix lies in its tensor: whole leading rows, or one index of a stacked tensor. */
export interface RawLocation {
  file: WeightFile;
  tensor: string;
  rows: number;
  cols: number;
  /** Stacked tensors: the leading index holding the matrix (read whole, it is one slice). */
  slice?: number;
}

/** Reads rows [start, end) of the matrix undecoded; undefined when the format cannot. */
function readRaw(
  at: RawLocation,
  start: number,
  end: number,
  into?: Uint8Array,
): Promise<RawTensor> | undefined {
  const rows = at.slice !== undefined ? { start: at.slice, end: at.slice + 1 } : { start, end };
  return at.file.readRaw?.(at.tensor, rows, into);
}

/** Rows per request: whole slices for stacked tensors, else about `blockBytes`. */
function rowsPerRead(at: RawLocation, size: number, blockBytes: number): number {
  if (at.slice !== undefined) return at.rows;
  return Math.max(1, Math.floor(blockBytes / (at.cols * size)));
}

/**
 * Widens the matrix into `out` (rows × cols) block by block. Returns false, having read nothing,
 * when the format does not give undecoded rows.
 */
export async function widenMatrixInto(
  at: RawLocation,
  dtype: string,
  out: Float64Array,
  blockBytes = READ_BLOCK_BYTES,
): Promise<boolean> {
  const size = dtypeSize(dtype);
  if (size === undefined || !at.file.readRaw) return false;
  const step = rowsPerRead(at, size, blockBytes);
  // One buffer for all the blocks: each is widened before the next is read.
  const scratch = new Uint8Array(Math.min(step, at.rows) * at.cols * size);
  for (let start = 0; start < at.rows; start += step) {
    const end = Math.min(at.rows, start + step);
    const raw = await readRaw(at, start, end, scratch);
    if (!raw) return false;
    widenInto(raw.bytes, raw.dtype, raw.littleEndian, out, start * at.cols);
  }
  return true;
}

/**
 * The matrix held undecoded (e.g. float16: a quarter of float64), widened a block of rows at a
 * time on request. Undefined when the format does not give undecoded rows.
 */
export async function compactRows(
  at: RawLocation,
  dtype: string,
  blockBytes = READ_BLOCK_BYTES,
): Promise<MatrixRows | undefined> {
  const size = dtypeSize(dtype);
  if (size === undefined || !at.file.readRaw) return undefined;
  const step = rowsPerRead(at, size, blockBytes);
  const chunks: RawTensor[] = [];
  for (let start = 0; start < at.rows; start += step) {
    const raw = await readRaw(at, start, Math.min(at.rows, start + step));
    if (!raw) return undefined;
    chunks.push(raw);
  }
  return new CompactRows(at.rows, at.cols, size, step, chunks);
}

class CompactRows implements MatrixRows {
  private scratch = new Float64Array(0);

  constructor(
    readonly rows: number,
    readonly cols: number,
    private readonly size: number,
    private readonly rowsPerChunk: number,
    private readonly chunks: RawTensor[],
  ) {}

  block(start: number, end: number): Float64Array {
    const { cols, size } = this;
    if (this.scratch.length < (end - start) * cols) this.scratch = new Float64Array((end - start) * cols);
    let row = start;
    while (row < end) {
      const chunk = Math.floor(row / this.rowsPerChunk);
      const first = chunk * this.rowsPerChunk;
      const last = Math.min(end, first + this.rowsPerChunk);
      const raw = this.chunks[chunk];
      const bytes = raw.bytes.subarray((row - first) * cols * size, (last - first) * cols * size);
      widenInto(bytes, raw.dtype, raw.littleEndian, this.scratch, (row - start) * cols);
      row = last;
    }
    return this.scratch.subarray(0, (end - start) * cols);
  }

  /** Rows [start, end) undecoded, as views of the stored chunks (no copy). */
  segments(start: number, end: number): RawTensor[] {
    const { cols, size } = this;
    const out: RawTensor[] = [];
    for (let row = start; row < end;) {
      const chunk = Math.floor(row / this.rowsPerChunk);
      const first = chunk * this.rowsPerChunk;
      const last = Math.min(end, first + this.rowsPerChunk);
      const raw = this.chunks[chunk];
      const bytes = raw.bytes.subarray((row - first) * cols * size, (last - first) * cols * size);
      out.push({ bytes, dtype: raw.dtype, littleEndian: raw.littleEndian });
      row = last;
    }
    return out;
  }
}

/** A float64 matrix already in memory, as MatrixRows (blocks are views, no copies). */
export function memoryRows(data: Float64Array, rows: number, cols: number): MatrixRows {
  return { rows, cols, block: (start, end) => data.subarray(start * cols, end * cols) };
}
