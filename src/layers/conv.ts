import type { TensorInfo } from '../formats/types';

/**
 * A convolution kernel seen in PyTorch order [out, in, kh, kw], whatever the file's layout:
 * `at(o, i, y, x)` is the index of that weight in the tensor's stored (row-major) data.
 */
export interface ConvView {
  out: number;
  in: number;
  kh: number;
  kw: number;
  at(o: number, i: number, y: number, x: number): number;
  /** How the file's layout was mapped, for the layer's `layout` string. */
  from: string;
}

/** True when a 3-D tensor is a 1-D convolution rather than a stack of matrices. */
export function isConv1d(t: TensorInfo): boolean {
  return t.conv === true || /conv/i.test(t.name);
}

/** The PyTorch-order view of a 3-D (conv1d) or 4-D (conv2d) kernel in the tensor's layout (RMT.md §1). */
export function convView(t: TensorInfo): ConvView {
  const s = t.shape;
  const layout = t.layout ?? 'torch';
  // Depthwise kernels: said by the file, named so, or [kh, kw, channels, 1] (TF) / [1, kh, kw, channels] (TFLite),
  // whose only other reading (one output channel) would be a single row.
  const depthwise =
    t.depthwise === true ||
    (layout !== 'torch' && /depthwise/i.test(t.name)) ||
    (s.length === 4 && layout === 'keras' && s[3] === 1 && s[2] > 1) ||
    (s.length === 4 && layout === 'tflite' && s[0] === 1 && s[3] > 1);
  if (s.length === 3) {
    if (layout === 'keras') {
      // Keras Conv1D [kw, in, out]
      const [kw, I, O] = s;
      return { out: O, in: I, kh: 1, kw, at: (o, i, _y, x) => (x * I + i) * O + o, from: '[kw, in, out]' };
    }
    if (layout === 'tflite') {
      const [O, kw, I] = s;
      return { out: O, in: I, kh: 1, kw, at: (o, i, _y, x) => (o * kw + x) * I + i, from: '[out, kw, in]' };
    }
    const [O, I, kw] = s;
    return { out: O, in: I, kh: 1, kw, at: (o, i, _y, x) => (o * I + i) * kw + x, from: '[out, in, kw]' };
  }
  if (layout === 'torch') {
    const [O, I, H, W] = s;
    return {
      out: O,
      in: I,
      kh: H,
      kw: W,
      at: (o, i, y, x) => ((o * I + i) * H + y) * W + x,
      from: '[out, in, kh, kw]',
    };
  }
  if (depthwise) {
    // Keras [kh, kw, channels, multiplier] or TFLite [1, kh, kw, channels·multiplier]: one input per output.
    const [H, W] = layout === 'keras' ? [s[0], s[1]] : [s[1], s[2]];
    const O = layout === 'keras' ? s[2] * s[3] : s[3];
    return { out: O, in: 1, kh: H, kw: W, at: (o, _i, y, x) => (y * W + x) * O + o, from: 'depthwise' };
  }
  if (layout === 'keras') {
    const [H, W, I, O] = s;
    return {
      out: O,
      in: I,
      kh: H,
      kw: W,
      at: (o, i, y, x) => ((y * W + x) * I + i) * O + o,
      from: '[kh, kw, in, out]',
    };
  }
  const [O, H, W, I] = s;
  return {
    out: O,
    in: I,
    kh: H,
    kw: W,
    at: (o, i, y, x) => ((o * H + y) * W + x) * I + i,
    from: '[out, kh, kw, in]',
  };
}

/** im2col: (out, in·kh·kw), columns ordered (in, kh, kw) as PyTorch's `weight.reshape(out, -1)`. */
export function im2col(v: ConvView, data: ArrayLike<number>): Float64Array {
  const cols = v.in * v.kh * v.kw;
  const m = new Float64Array(v.out * cols);
  let k = 0;
  for (let o = 0; o < v.out; o++)
    for (let i = 0; i < v.in; i++)
      for (let y = 0; y < v.kh; y++) for (let x = 0; x < v.kw; x++) m[k++] = data[v.at(o, i, y, x)];
  return m;
}

/** One spatial slice (out × in) at kernel position (y, x). */
export function convSlice(v: ConvView, data: ArrayLike<number>, y: number, x: number): Float64Array {
  const m = new Float64Array(v.out * v.in);
  let k = 0;
  for (let o = 0; o < v.out; o++) for (let i = 0; i < v.in; i++) m[k++] = data[v.at(o, i, y, x)];
  return m;
}

/** kernel: (kh·kw, in·out), row = kernel position, column = i·out + o. */
export function kernelMatrix(v: ConvView, data: ArrayLike<number>): Float64Array {
  const m = new Float64Array(v.kh * v.kw * v.in * v.out);
  let k = 0;
  for (let y = 0; y < v.kh; y++)
    for (let x = 0; x < v.kw; x++)
      for (let i = 0; i < v.in; i++) for (let o = 0; o < v.out; o++) m[k++] = data[v.at(o, i, y, x)];
  return m;
}
