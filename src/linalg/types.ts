/** Singular values (descending) and, for the requested indices, unit singular vectors. */
export interface SvdResult {
  values: Float64Array;
  /** Indices into `values` (0 = largest) whose vectors were computed, ascending. */
  indices: number[];
  /** Left vectors u (length rows), one per index. */
  left: Float64Array[];
  /** Right vectors v = Wᵀu/ν (length cols), one per index. */
  right: Float64Array[];
}

/** The eigen/SVD engine. Matrices are row-major float64, `rows × cols`. */
export interface SpectrumEngine {
  readonly kind: 'wasm-simd' | 'js';
  /** All min(rows, cols) singular values, descending. */
  singularValues(a: Float64Array, rows: number, cols: number): Float64Array;
  /** Singular values plus the singular vectors for `indices` (or all of them). */
  svd(a: Float64Array, rows: number, cols: number, indices: number[] | 'all'): SvdResult;
  /**
   * A rows×cols Float64Array the engine reads without copying when it is passed to the next
   * singularValues/svd call (the wasm engine places it in its own memory, so a layer needs only
   * this matrix plus its Gram matrix). Fill it row by row while widening the tensor. Valid until
   * the next inputBuffer() call; the engine never writes to it.
   */
  inputBuffer?(rows: number, cols: number): Float64Array;
  /**
   * Threads for the next calls, up to the engine's maxThreads (wasm; createEngine): an analysis
   * worker that runs a layer alone lends it the idle cores.
   */
  useThreads?(threads: number): void;
  /** Stops helper threads, if any (the engine is unusable afterwards). */
  dispose?(): void;
}
