// The approximation's products x ↦ C·x (C the Gram matrix of the smaller side) in WebAssembly
// (wasm/kernels.c, `approx_*`): each block of rows of W is widened from its file's dtype straight
// into wasm memory and passed over all vectors at once, the vectors interleaved so that every
// element of W loaded serves all of them. approximate.ts falls back to its TypeScript products
// when wasm SIMD is unavailable.
import { widenInto } from '../formats/dtypes';
import type { RowBlocks } from './approximate';
import { kernelsInstance } from './wasmKernels';

/** The `approx_*` exports of kernels.c; pointers are byte offsets into the instance's memory. */
interface ApproxExports {
  approx_times(b: number, rb: number, cols: number, x: number, stride: number, t: number): void;
  approx_transpose_add(b: number, rb: number, cols: number, t: number, stride: number, z: number): void;
  approx_gram_block(
    b: number,
    rb: number,
    cols: number,
    x: number,
    stride: number,
    t: number,
    z: number,
  ): void;
  approx_widen(src: number, kind: number, count: number, out: number): void;
  approx_sum_squares(b: number, count: number): number;
}

/** Element kinds approx_widen takes (little-endian only). */
const WIDEN_KIND = new Map([
  ['F16', 0],
  ['BF16', 1],
  ['F32', 2],
  ['F64', 3],
]);

const PAGE = 65536;

/**
 * Bytes of float64 per block of rows: the block stays in L2 next to the tiles of the vectors while
 * all of them pass over it (on 32000×4096 and 4096×32000, one to nine vectors, blocks of 128 KiB to
 * 8 MiB measured within the noise of a loaded machine).
 */
const BLOCK_BYTES = 1 << 19;

/** Rows per block: a multiple of 4 (the kernels take rows four at a time), at least 4. */
export function wasmBlockRows(cols: number): number {
  return Math.max(4, Math.floor(BLOCK_BYTES / (8 * cols) / 4) * 4);
}

class ApproxKernels {
  private readonly k: ApproxExports;
  private readonly memory: { readonly buffer: SharedArrayBuffer; grow(pages: number): number };
  private readonly arena: number;

  constructor(instance: NonNullable<ReturnType<typeof kernelsInstance>>) {
    this.k = instance.exports as ApproxExports;
    this.memory = instance.memory;
    this.arena = instance.arena;
  }

  /** Offsets of consecutive regions of the given byte sizes (8-aligned, 16 for SIMD loads), growing the memory. */
  layout(sizes: number[]): number[] {
    let top = this.arena;
    const offsets = sizes.map((bytes) => {
      const at = top;
      top += Math.ceil(bytes / 16) * 16;
      return at;
    });
    if (top > 2 ** 32) throw new RangeError('the approximation needs more than 4 GiB of wasm memory');
    const needed = Math.ceil(top / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    return offsets;
  }

  f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  bytes(offset: number, length: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, offset, length);
  }

  get exports(): ApproxExports {
    return this.k;
  }
}

let shared: ApproxKernels | null | undefined;

/** The process's instance for the approximation (created on first use), or undefined without wasm SIMD. */
function approxKernels(): ApproxKernels | undefined {
  if (shared === undefined) {
    shared = null;
    try {
      const instance = kernelsInstance();
      if (instance) {
        const kernels = new ApproxKernels(instance);
        warmUp(kernels);
        shared = kernels;
      }
    } catch {
      // No wasm SIMD (or no shared memory) here: approximate.ts uses its TypeScript products.
    }
  }
  return shared ?? undefined;
}

/** True when the wasm products are available in this runtime. */
export function wasmApproximateAvailable(): boolean {
  return approxKernels() !== undefined;
}

/**
 * Copies (widening) rows [i0, i1) of `w` into wasm memory at `out`. Rows the source gives undecoded
 * in a dtype approx_widen knows go through wasm memory as bytes (`staging`, room for
 * `stagingBytes`); other dtypes are widened in TypeScript straight into wasm memory; float64
 * sources are copied.
 */
function fillBlock(
  kernels: ApproxKernels,
  w: RowBlocks,
  i0: number,
  i1: number,
  out: number,
  staging: number,
  stagingBytes: number,
): void {
  const count = (i1 - i0) * w.cols;
  const segments = w.segments?.(i0, i1);
  if (!segments) {
    kernels.f64(out, count).set(w.block(i0, i1));
    return;
  }
  let at = 0;
  for (const s of segments) {
    const kind = WIDEN_KIND.get(s.dtype);
    const size = s.dtype === 'F16' || s.dtype === 'BF16' ? 2 : s.dtype === 'F32' ? 4 : 8;
    if (kind === undefined || !s.littleEndian) {
      at += widenInto(s.bytes, s.dtype, s.littleEndian, kernels.f64(out, count), at);
      continue;
    }
    const n = Math.floor(s.bytes.length / size);
    // Pieces that fit the staging area (a segment may be a whole stored chunk).
    const per = Math.floor(stagingBytes / size);
    for (let first = 0; first < n; first += per) {
      const m = Math.min(per, n - first);
      kernels.bytes(staging, m * size).set(s.bytes.subarray(first * size, (first + m) * size));
      kernels.exports.approx_widen(staging, kind, m, out + 8 * (at + first));
    }
    at += n;
  }
  if (at !== count) throw new RangeError(`rows ${i0}…${i1} gave ${at} values, expected ${count}`);
}

/**
 * x ↦ C·x for a block of vectors in wasm, C the Gram matrix of the smaller side of `w` (as
 * approximate.ts's TypeScript products); undefined when wasm SIMD is unavailable.
 */
export function wasmGramProduct(w: RowBlocks): ((xs: Float64Array[]) => Float64Array[]) | undefined {
  const kernels = approxKernels();
  return kernels ? gramProduct(kernels, w) : undefined;
}

function gramProduct(kernels: ApproxKernels, w: RowBlocks): (xs: Float64Array[]) => Float64Array[] {
  const { rows, cols } = w;
  const rb = Math.min(rows, wasmBlockRows(cols));
  const stagingBytes = rb * cols * 8;
  const tall = cols < rows;
  return (xs) => {
    const p = xs.length;
    if (p === 0) return [];
    const stride = p === 1 ? 1 : p + (p % 2);
    const n = tall ? cols : rows;
    // staging, block, X (n × stride), Z = C·X (n × stride); tall: T (rb × stride); wide: U (cols × stride).
    const [staging, block, x, z, t] = kernels.layout([
      stagingBytes,
      rb * cols * 8,
      n * stride * 8,
      n * stride * 8,
      (tall ? rb : cols) * stride * 8,
    ]);
    const xv = kernels.f64(x, n * stride);
    xv.fill(0);
    for (let q = 0; q < p; q++) {
      const xq = xs[q];
      for (let j = 0; j < n; j++) xv[j * stride + q] = xq[j];
    }
    const k = kernels.exports;
    if (tall) {
      kernels.f64(z, n * stride).fill(0);
      for (let i0 = 0; i0 < rows; i0 += rb) {
        const i1 = Math.min(rows, i0 + rb);
        fillBlock(kernels, w, i0, i1, block, staging, stagingBytes);
        k.approx_gram_block(block, i1 - i0, cols, x, stride, t, z);
      }
    } else {
      // U = Wᵀx over all blocks, then (W·U)ᵢ row by row.
      kernels.f64(t, cols * stride).fill(0);
      for (let i0 = 0; i0 < rows; i0 += rb) {
        const i1 = Math.min(rows, i0 + rb);
        fillBlock(kernels, w, i0, i1, block, staging, stagingBytes);
        k.approx_transpose_add(block, i1 - i0, cols, x + 8 * i0 * stride, stride, t);
      }
      for (let i0 = 0; i0 < rows; i0 += rb) {
        const i1 = Math.min(rows, i0 + rb);
        fillBlock(kernels, w, i0, i1, block, staging, stagingBytes);
        k.approx_times(block, i1 - i0, cols, t, stride, z + 8 * i0 * stride);
      }
    }
    const zv = kernels.f64(z, n * stride);
    return xs.map((_, q) => {
      const out = new Float64Array(n);
      for (let j = 0; j < n; j++) out[j] = zv[j * stride + q];
      return out;
    });
  };
}

/** `bytes` (little-endian elements of `dtype`) widened to float64 by the wasm kernel (for tests). */
export function wasmWiden(bytes: Uint8Array, dtype: string): Float64Array | undefined {
  const kernels = approxKernels();
  if (!kernels) return undefined;
  const size = dtype === 'F32' ? 4 : dtype === 'F64' ? 8 : 2;
  const count = Math.floor(bytes.length / size);
  const [staging, out] = kernels.layout([bytes.length, count * 8]);
  fillBlock(
    kernels,
    {
      rows: 1,
      cols: count,
      block: () => new Float64Array(0),
      segments: () => [{ bytes, dtype, littleEndian: true }],
    },
    0,
    1,
    out,
    staging,
    bytes.length,
  );
  return kernels.f64(out, count).slice();
}

/** ‖W‖²_F in one pass over the blocks, widened and summed in wasm; undefined without wasm SIMD. */
export function wasmFrobeniusSquared(w: RowBlocks): number | undefined {
  const kernels = approxKernels();
  if (!kernels) return undefined;
  const rb = Math.min(w.rows, wasmBlockRows(w.cols));
  const stagingBytes = rb * w.cols * 8;
  const [staging, block] = kernels.layout([stagingBytes, rb * w.cols * 8]);
  let sum = 0;
  for (let i0 = 0; i0 < w.rows; i0 += rb) {
    const i1 = Math.min(w.rows, i0 + rb);
    fillBlock(kernels, w, i0, i1, block, staging, stagingBytes);
    sum += kernels.exports.approx_sum_squares(block, (i1 - i0) * w.cols);
  }
  return sum;
}

/**
 * V8 runs a wasm function's first calls in its baseline tier: a few small products through every
 * kernel (one and several vectors, tall and wide, whole and partial row groups) get them optimised.
 */
function warmUp(kernels: ApproxKernels): void {
  const [src, out] = kernels.layout([4096, 8192]);
  for (let round = 0; round < 20; round++) {
    for (let kind = 0; kind < 3; kind++) kernels.exports.approx_widen(src, kind, 1000, out);
    kernels.exports.approx_sum_squares(out, 1000);
  }
  let s = 12345;
  const a = Float64Array.from({ length: 61 * 70 }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296 - 0.5;
  });
  const shapes: [number, number][] = [
    [70, 61],
    [61, 70],
  ];
  for (let round = 0; round < 20; round++)
    for (const [rows, cols] of shapes) {
      const product = gramProduct(kernels, {
        rows,
        cols,
        block: (i0, i1) => a.subarray(i0 * cols, i1 * cols),
      });
      const n = Math.min(rows, cols);
      for (const p of [1, 3, 6]) product(Array.from({ length: p }, () => a.subarray(0, n)));
    }
}
