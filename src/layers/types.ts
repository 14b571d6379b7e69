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
