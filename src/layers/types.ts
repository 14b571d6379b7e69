/** How a convolution kernel becomes a matrix (RMT.md §1). */
export type ConvMode = 'im2col' | 'slices' | 'kernel';

/** One weight matrix of the model, in [out, in] orientation. */
export interface LayerMatrix {
  /** Tensor name, with `[k]` for one slice of a stacked tensor (and `[kh,kw]` for a conv slice). */
  name: string;
  /** The tensor(s) in the file it comes from. */
  sourceTensors: string[];
  rows: number;
  cols: number;
  /** The file's dtype of the source tensor. */
  dtype: string;
  /** Shape of the source tensor in the file. */
  tensorShape: number[];
  /** How the tensor became this matrix, e.g. `2d`, `transposed`, `im2col`, `stacked[3]`. */
  layout: string;
  /** Reads the matrix, row-major, as float64. */
  read(): Promise<Float64Array>;
  /**
   * Reads the matrix into `out` (rows × cols, row-major float64), widening block by block where the
   * format allows, so that `out` (e.g. the engine's input buffer) is the only float64 copy.
   */
  readInto(out: Float64Array): Promise<void>;
  /**
   * The matrix for passes that need only blocks of rows (matrix–vector products): held in the
   * file's own dtype where the format allows (float16: a quarter of float64), else as float64.
   */
  readRows(): Promise<MatrixRows>;
}

/** A matrix read a block of rows at a time. */
export interface MatrixRows {
  rows: number;
  cols: number;
  /** Rows [start, end) as row-major float64: a view, valid until the next call. */
  block(start: number, end: number): Float64Array;
}

/** A tensor that gives no matrix, and why (e.g. a bias). */
export interface SkippedTensor {
  name: string;
  shape: number[];
  dtype: string;
  reason: string;
}

export interface LayerPlan {
  matrices: LayerMatrix[];
  skipped: SkippedTensor[];
}
