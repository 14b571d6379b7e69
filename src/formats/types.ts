/** A tensor as a weight file declares it; data is read lazily through `WeightFile.read`. */
export interface TensorInfo {
  /** Name in the file, e.g. `model.layers.0.self_attn.q_proj.weight`. */
  name: string;
  /** The file's own dtype name, upper case (`F32`, `F16`, `BF16`, `Q4_K`, …). */
  dtype: string;
  /** Shape as the file stores it (row-major, leading dimension first). */
  shape: number[];
  /** Where the tensor's bytes start in the file that holds them (for messages and range reads). */
  byteOffset?: number;
  byteLength?: number;
  /** Layout hint for `layers/`: how this format orders a 2-D/4-D kernel. */
  layout?: TensorLayout;
  /** Set when the tensor is listed but cannot be decoded (e.g. an unsupported quantisation). */
  unsupported?: string;
  /** The file says this tensor is a convolution kernel (an ONNX `Conv` weight, a TFLite `CONV_2D` filter…). */
  conv?: boolean;
  /** The file says this is a depthwise convolution kernel (TFLite `DEPTHWISE_CONV_2D`: [1, kh, kw, channels]). */
  depthwise?: boolean;
}

/** `torch` = [out, in, kh, kw]; `keras` = [in, out] / [kh, kw, in, out]; `tflite` = [out, kh, kw, in]. */
export type TensorLayout = 'torch' | 'keras' | 'tflite';

/** Decoded tensor values: float64 stays float64, everything else is widened to float32. */
export type NumericArray = Float32Array | Float64Array;

/** Rows of the leading dimension, [start, end). */
export interface RowRange {
  start: number;
  end: number;
}

/** Rows of a tensor as stored: plain elements of `dtype` (see `widenInto` in dtypes.ts). */
export interface RawTensor {
  bytes: Uint8Array;
  dtype: string;
  littleEndian: boolean;
}

export interface WeightFile {
  /** Absolute path of the file the user opened. */
  path: string;
  /** Reader id, e.g. `safetensors`, `npy`. */
  format: string;
  tensors: TensorInfo[];
  metadata: Record<string, string>;
  /** Reads one tensor (or rows of its leading dimension), decoded to numbers. */
  read(name: string, rows?: RowRange): Promise<NumericArray>;
  /**
   * The same rows undecoded, when the format stores the tensor as plain contiguous elements
   * (undefined otherwise): a caller widens them block by block instead of holding decoded copies.
   */
  readRaw?(name: string, rows?: RowRange, into?: Uint8Array): Promise<RawTensor> | undefined;
  close(): Promise<void>;
}

export interface OpenOptions {
  /** PyTorch: extract tensors from whole-module pickles with inert stand-ins. */
  lenient?: boolean;
}

export interface FormatReader {
  id: string;
  label: string;
  /** File-name patterns shown in the UI (e.g. `*.safetensors`). */
  patterns: string[];
  /** True when this reader handles the file; `head` is the first bytes (up to 64 KiB). */
  matches(path: string, head: Uint8Array): boolean;
  open(path: string, options: OpenOptions): Promise<WeightFile>;
}
