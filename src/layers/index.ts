import type { NumericArray, TensorInfo, WeightFile } from '../formats/types';
import { convSlice, convView, im2col, isConv1d, kernelMatrix } from './conv';
import { compactRows, memoryRows, widenMatrixInto } from './rows';
import type { ConvMode, LayerMatrix, LayerPlan, SkippedTensor } from './types';

export type { ConvMode, LayerMatrix, LayerPlan, MatrixRows, SkippedTensor } from './types';

export interface PlanOptions {
  conv: ConvMode;
}

/** Dtypes that hold indices, shapes or flags rather than weights. */
const NON_WEIGHT_DTYPES = new Set(['I32', 'I64', 'U32', 'U64', 'BOOL', 'STRING']);

/**
 * Turns a file's tensors into the weight matrices of RMT.md §1, in file order, all in [out, in] orientation:
 * 2-D as stored (Keras/TF kernels transposed), 3-D stacked tensors one matrix per leading index (`name[k]`),
 * 1-D convolutions and 4-D convolutions by the conv mode; everything else is listed as skipped with a reason.
 */
export function planLayers(file: WeightFile, options: PlanOptions): LayerPlan {
  const plan: LayerPlan = { matrices: [], skipped: [] };
  for (const t of file.tensors) {
    const reason = skipReason(t);
    if (reason) {
      plan.skipped.push(skipped(t, reason));
      continue;
    }
    const matrices = matricesOf(file, t, options.conv);
    if (matrices.every((m) => m.rows < 2 || m.cols < 2)) {
      plan.skipped.push(
        skipped(t, `vector-shaped: ${matrices[0].rows}×${matrices[0].cols} (a single row or column)`),
      );
    } else plan.matrices.push(...matrices);
  }
  return plan;
}

function skipped(t: TensorInfo, reason: string): SkippedTensor {
  return { name: t.name, shape: t.shape, dtype: t.dtype, reason };
}

function skipReason(t: TensorInfo): string | undefined {
  if (t.unsupported) return t.unsupported;
  if (NON_WEIGHT_DTYPES.has(t.dtype)) return `${t.dtype} tensor (indices, shapes or flags, not weights)`;
  if (t.shape.length === 0) return 'scalar';
  if (t.shape.length === 1) return '1-D tensor (bias, norm or scale)';
  if (t.shape.some((d) => d === 0)) return 'empty tensor';
  return undefined;
}

function toFloat64(a: NumericArray): Float64Array {
  return a instanceof Float64Array ? a : Float64Array.from(a);
}

function transpose(a: NumericArray, rows: number, cols: number): Float64Array {
  // a is rows × cols; the result is cols × rows
  const out = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}

type PlainMatrix = Omit<LayerMatrix, 'readInto' | 'readRows'>;
/** Row-major as plain elements in the file (leading rows, or one slice of a stacked tensor). */
type Stored = { slice?: number; native: () => Promise<NumericArray> };
type Planned = { matrix: PlainMatrix; stored?: Stored };

/**
 * Adds readInto/readRows: a `stored` matrix is read undecoded in blocks when the format allows
 * (`native` reads it decoded, without the float64 copy, when it does not).
 */
function withBlockReads(file: WeightFile, m: PlainMatrix, stored?: Stored): LayerMatrix {
  const at = stored && { file, tensor: m.sourceTensors[0], rows: m.rows, cols: m.cols, slice: stored.slice };
  return {
    ...m,
    async readInto(out) {
      if (out.length !== m.rows * m.cols)
        throw new RangeError(`${m.name}: buffer of ${out.length} for ${m.rows}×${m.cols} values`);
      if (at && (await widenMatrixInto(at, m.dtype, out))) return;
      out.set(stored ? await stored.native() : await m.read());
    },
    async readRows() {
      return (at && (await compactRows(at, m.dtype))) ?? memoryRows(await m.read(), m.rows, m.cols);
    },
  };
}

function matricesOf(file: WeightFile, t: TensorInfo, mode: ConvMode): LayerMatrix[] {
  return plainMatricesOf(file, t, mode).map(({ matrix, stored }) => withBlockReads(file, matrix, stored));
}

function plainMatricesOf(file: WeightFile, t: TensorInfo, mode: ConvMode): Planned[] {
  const plain = (matrix: PlainMatrix): Planned => ({ matrix });
  const base = { sourceTensors: [t.name], dtype: t.dtype, tensorShape: t.shape };
  const s = t.shape;
  const keras = t.layout === 'keras';
  const whole = () => file.read(t.name);

  if (s.length === 2) {
    const [a, b] = s;
    if (keras) {
      return [
        plain({
          ...base,
          name: t.name,
          rows: b,
          cols: a,
          layout: 'transposed',
          read: async () => transpose(await whole(), a, b),
        }),
      ];
    }
    return [
      {
        matrix: {
          ...base,
          name: t.name,
          rows: a,
          cols: b,
          layout: '2d',
          read: async () => toFloat64(await whole()),
        },
        stored: { native: whole },
      },
    ];
  }

  if (s.length === 4 || (s.length === 3 && isConv1d(t))) {
    const v = convView(t);
    const tag = s.length === 3 ? 'conv1d ' : '';
    if (mode === 'slices') {
      const out: Planned[] = [];
      for (let y = 0; y < v.kh; y++)
        for (let x = 0; x < v.kw; x++) {
          out.push(
            plain({
              ...base,
              name: `${t.name}[${y},${x}]`,
              rows: v.out,
              cols: v.in,
              layout: `${tag}slice[${y},${x}] of ${v.from}`,
              read: async () => convSlice(v, await whole(), y, x),
            }),
          );
        }
      return out;
    }
    if (mode === 'kernel') {
      return [
        plain({
          ...base,
          name: t.name,
          rows: v.kh * v.kw,
          cols: v.in * v.out,
          layout: `${tag}kernel of ${v.from}`,
          read: async () => kernelMatrix(v, await whole()),
        }),
      ];
    }
    return [
      plain({
        ...base,
        name: t.name,
        rows: v.out,
        cols: v.in * v.kh * v.kw,
        layout: `${tag}im2col of ${v.from}`,
        read: async () => im2col(v, await whole()),
      }),
    ];
  }

  if (s.length === 3) {
    const [k, a, b] = s;
    const out: Planned[] = [];
    for (let j = 0; j < k; j++) {
      const slice = () => file.read(t.name, { start: j, end: j + 1 });
      out.push(
        keras
          ? plain({
              ...base,
              name: `${t.name}[${j}]`,
              rows: b,
              cols: a,
              layout: `stacked[${j}] transposed`,
              read: async () => transpose(await slice(), a, b),
            })
          : {
              matrix: {
                ...base,
                name: `${t.name}[${j}]`,
                rows: a,
                cols: b,
                layout: `stacked[${j}]`,
                read: async () => toFloat64(await slice()),
              },
              stored: { slice: j, native: slice },
            },
      );
    }
    return out;
  }

  // 5-D and more (3-D convolutions): output channels against everything else.
  const rest = s.reduce((p, d) => p * d, 1);
  if (keras) {
    const o = s[s.length - 1];
    const i = rest / o;
    return [
      plain({
        ...base,
        name: t.name,
        rows: o,
        cols: i,
        layout: 'flattened, transposed',
        read: async () => transpose(await whole(), i, o),
      }),
    ];
  }
  return [
    {
      matrix: {
        ...base,
        name: t.name,
        rows: s[0],
        cols: rest / s[0],
        layout: 'flattened',
        read: async () => toFloat64(await whole()),
      },
      stored: { native: whole },
    },
  ];
}
