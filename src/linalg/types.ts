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
  /** Stops helper threads, if any (the engine is unusable afterwards). */
  dispose?(): void;
}
