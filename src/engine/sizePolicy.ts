// Which path a layer takes (RMT.md §10) and how much memory its analysis needs, so that the pool
// can keep the analyses running at the same time under one memory budget.
import { dtypeSize } from '../formats/dtypes';
import type { JobMemory } from './pool';

/**
 * The exact path holds the matrix in float64 next to its Gram matrix. Above this many float64
 * bytes it is not taken even when min(N, M) ≤ exactLimit [ours]: a 32000×4096 embedding or LM head
 * (1000 MiB in float64) goes to the approximation, which reads the matrix a block of rows at a
 * time from its file's dtype; a 4096×11008 MLP matrix (344 MiB) stays exact.
 */
export const EXACT_MAX_BYTES = 512 * 2 ** 20;

const MIB = 2 ** 20;

/** Why a layer is approximated, or undefined when it takes the exact path. */
export function approximationReason(rows: number, cols: number, exactLimit: number): string | undefined {
  const n = Math.min(rows, cols);
  if (n > exactLimit) return `min(N, M) = ${n} > exact limit ${exactLimit}`;
  const bytes = 8 * rows * cols;
  if (bytes > EXACT_MAX_BYTES)
    return `${rows}×${cols} is ${Math.round(bytes / MIB)} MiB in float64, above the exact path's ${EXACT_MAX_BYTES / MIB} MiB`;
  return undefined;
}

/** Singular vectors the exact path computes for the Porter–Thomas test (RMT.md §5). */
function vectorCount(n: number): number {
  return n <= 1024 ? n : 220;
}

/**
 * Bytes one layer's analysis needs in a worker (an estimate, rounded up): the exact path keeps the
 * matrix, its Gram matrix, the reduction's reflectors and the singular vectors' images in the
 * engine's WebAssembly memory, which the worker keeps afterwards (it never shrinks); the vectors
 * handed to the statistics (left and right) and the tridiagonal ones they come from are transient.
 * Measured in one worker (scripts/measure-scale.mjs, float16 shards): 4096² 352 MiB of wasm memory
 * and +385 MiB of process RSS, estimated 369 + 52 MiB; 4096×11008 581 and +627 MiB, estimated
 * 596 + 75 MiB. So a 4096×11008 layer runs beside a 4096² one in the default budget of two cores,
 * two of them do not.
 * The approximation holds the matrix in its file's dtype when the reader gives raw rows
 * (`rawRows`), else decoded and widened, plus the Lanczos bases.
 */
export function layerMemory(
  rows: number,
  cols: number,
  dtype: string,
  exactLimit: number,
  rawRows: boolean,
): JobMemory {
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const slack = 24 * MIB;
  if (!approximationReason(rows, cols, exactLimit)) {
    // Matrix, Gram matrix, band-to-tridiagonal reflectors (≈ 4.3·n² bytes), workspaces, vectors.
    const vectorBytes = vectorCount(n) * (n + m) * 8;
    const wasm = 8 * rows * cols + 12.5 * n * n + 600 * n * 8 + vectorBytes + 8 * MIB;
    return { retained: wasm, transient: 2 * vectorBytes + slack };
  }
  const stored = rawRows ? (dtypeSize(dtype) ?? 8) : 12;
  const bases = 2 * (260 + 8 * 60) * n * 8;
  return { retained: 0, transient: stored * rows * cols + bases + slack };
}
