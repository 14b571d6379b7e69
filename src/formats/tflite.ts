import * as path from 'node:path';
import { decode, numel } from './dtypes';
import { ByteSource, PagedReader } from './source';
import { checkShape, createWeightFile, leadingRows, type TensorEntry } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, WeightFile } from './types';

/** TFLite TensorType → canonical dtype (others are listed as unsupported). */
const TFLITE_DTYPES: Record<number, string> = {
  0: 'F32',
  1: 'F16',
  2: 'I32',
  3: 'U8',
  4: 'I64',
  6: 'BOOL',
  7: 'I16',
  9: 'I8',
  10: 'F64',
  12: 'U64',
  15: 'U32',
  16: 'U16',
  18: 'BF16',
};
const TYPE_NAMES: Record<number, string> = {
  5: 'STRING',
  8: 'COMPLEX64',
  11: 'COMPLEX128',
  13: 'RESOURCE',
  14: 'VARIANT',
  17: 'INT4',
};

const CONV_2D = 3;
const DEPTHWISE_CONV_2D = 4;
const DEQUANTIZE = 6;
const TRANSPOSE_CONV = 67;
const MAX_VECTOR = 10_000_000;

/** Reads flatbuffer tables and vectors by offset, through a page cache (only the touched pages are read). */
class Flat {
  constructor(readonly r: PagedReader) {}

  /** Offset of field `i` inside the table at `table`, or 0 when absent. */
  async field(table: number, i: number): Promise<number> {
    const vtable = table - (await this.r.i32(table, { what: 'flatbuffer table' }));
    const vsize = await this.r.u16(vtable, { what: 'flatbuffer vtable' });
    if (4 + 2 * i + 2 > vsize) return 0;
    const off = await this.r.u16(vtable + 4 + 2 * i);
    return off ? table + off : 0;
  }
  async ref(at: number): Promise<number> {
    return at + (await this.r.u32(at, { what: 'flatbuffer offset' }));
  }
  /** A table reached through field `i`, or 0. */
  async table(table: number, i: number): Promise<number> {
    const f = await this.field(table, i);
    return f ? this.ref(f) : 0;
  }
  /** A vector through field `i`: its element start and length. */
  async vector(table: number, i: number): Promise<{ start: number; length: number }> {
    const f = await this.field(table, i);
    if (!f) return { start: 0, length: 0 };
    const v = await this.ref(f);
    const length = await this.r.u32(v, { what: 'flatbuffer vector' });
    if (length > MAX_VECTOR)
      throw this.r.source.error(`flatbuffer vector of ${length} elements`, undefined, v);
    return { start: v + 4, length };
  }
  async tables(table: number, i: number): Promise<number[]> {
    const { start, length } = await this.vector(table, i);
    const out: number[] = [];
    for (let k = 0; k < length; k++) out.push(await this.ref(start + 4 * k));
    return out;
  }
  async ints(table: number, i: number): Promise<number[]> {
    const { start, length } = await this.vector(table, i);
    const v = await this.r.view(start, 4 * length, { what: 'flatbuffer vector' });
    return Array.from({ length }, (_, k) => v.getInt32(4 * k, true));
  }
  async floats(table: number, i: number): Promise<number[]> {
    const { start, length } = await this.vector(table, i);
    const v = await this.r.view(start, 4 * length, { what: 'flatbuffer vector' });
    return Array.from({ length }, (_, k) => v.getFloat32(4 * k, true));
  }
  async longs(table: number, i: number): Promise<number[]> {
    const { start, length } = await this.vector(table, i);
    const v = await this.r.view(start, 8 * length, { what: 'flatbuffer vector' });
    return Array.from({ length }, (_, k) => Number(v.getBigInt64(8 * k, true)));
  }
  async string(table: number, i: number): Promise<string> {
    const { start, length } = await this.vector(table, i);
    return new TextDecoder().decode(await this.r.bytes(start, length, { what: 'flatbuffer string' }));
  }
  async scalar(table: number, i: number, kind: 'u8' | 'i32' | 'u32' | 'u64', fallback = 0): Promise<number> {
    const f = await this.field(table, i);
    if (!f) return fallback;
    if (kind === 'u8') return this.r.u8(f);
    if (kind === 'i32') return this.r.i32(f);
    if (kind === 'u32') return this.r.u32(f);
    return this.r.u64(f);
  }
}

export function hasTfliteMagic(head: Uint8Array): boolean {
  return head[4] === 0x54 && head[5] === 0x46 && head[6] === 0x4c && head[7] === 0x33; // "TFL3"
}

export const tfliteReader: FormatReader = {
  id: 'tflite',
  label: 'TensorFlow Lite model',
  patterns: ['*.tflite'],
  matches: (file, head) => path.extname(file).toLowerCase() === '.tflite' || hasTfliteMagic(head),
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      return await openTflite(file, source);
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};

interface Quant {
  scale: number[];
  zeroPoint: number[];
  axis: number;
}

async function openTflite(file: string, source: ByteSource): Promise<WeightFile> {
  const fb = new Flat(new PagedReader(source));
  const model = await fb.ref(0);
  const metadata: Record<string, string> = { version: String(await fb.scalar(model, 0, 'u32')) };
  const description = await fb.string(model, 3);
  if (description) metadata.description = description;
  const opcodes: number[] = [];
  for (const oc of await fb.tables(model, 1)) {
    const deprecated = await fb.scalar(oc, 0, 'u8');
    opcodes.push(Math.max(deprecated, await fb.scalar(oc, 3, 'i32')));
  }
  const buffers = await fb.tables(model, 4);
  const entries: TensorEntry[] = [];
  const names = new Set<string>();
  const subgraphs = await fb.tables(model, 2);
  for (let g = 0; g < subgraphs.length; g++) {
    const tensors = await fb.tables(subgraphs[g], 0);
    // how operators use constant tensors: convolution filters and depthwise filters (through DEQUANTIZE too)
    const conv = new Set<number>();
    const depthwise = new Set<number>();
    const dequantized = new Map<number, number>(); // output → input
    for (const op of await fb.tables(subgraphs[g], 3)) {
      const code = opcodes[await fb.scalar(op, 0, 'u32')];
      const inputs = await fb.ints(op, 1);
      if (code === DEQUANTIZE) dequantized.set((await fb.ints(op, 2))[0], inputs[0]);
      if (code === CONV_2D || code === DEPTHWISE_CONV_2D) conv.add(inputs[1]);
      if (code === TRANSPOSE_CONV) conv.add(inputs[1]);
      if (code === DEPTHWISE_CONV_2D) depthwise.add(inputs[1]);
    }
    for (const [out, input] of dequantized) {
      if (conv.has(out)) conv.add(input);
      if (depthwise.has(out)) depthwise.add(input);
    }
    for (let k = 0; k < tensors.length; k++) {
      const t = tensors[k];
      const bufferIndex = await fb.scalar(t, 2, 'u32');
      if (bufferIndex === 0 || bufferIndex >= buffers.length) continue;
      const data = await bufferData(fb, buffers[bufferIndex]);
      if (!data || data.length === 0) continue; // an activation, not a constant
      let name = (await fb.string(t, 3)) || `tensor_${k}`;
      if (names.has(name)) name = `subgraph${g}/${name}`;
      for (let n = 2; names.has(name); n++) name = `subgraph${g}/${name}~${n}`;
      names.add(name);
      entries.push(await tensorEntry(fb, t, name, data, conv.has(k), depthwise.has(k)));
    }
  }
  return createWeightFile({ path: file, format: 'tflite', entries, metadata, close: () => source.close() });
}

/** Where a Buffer's bytes are: inside the flatbuffer (`data` vector) or after it (`offset`, `size`). */
async function bufferData(fb: Flat, buffer: number): Promise<{ offset: number; length: number } | undefined> {
  const { start, length } = await fb.vector(buffer, 0);
  if (length) return { offset: start, length };
  const offset = await fb.scalar(buffer, 1, 'u64');
  const size = await fb.scalar(buffer, 2, 'u64');
  if (offset > 1 && size > 0) return { offset, length: size };
  return undefined;
}

async function tensorEntry(
  fb: Flat,
  t: number,
  name: string,
  data: { offset: number; length: number },
  conv: boolean,
  depthwise: boolean,
): Promise<TensorEntry> {
  const source = fb.r.source;
  const shape = checkShape(source.path, name, await fb.ints(t, 0), data.offset);
  const type = await fb.scalar(t, 1, 'u8');
  const dtype = TFLITE_DTYPES[type];
  const info: TensorInfo = {
    name,
    dtype: dtype ?? TYPE_NAMES[type] ?? `TFLITE_${type}`,
    shape,
    layout: 'tflite',
  };
  if (conv) info.conv = true;
  if (depthwise) info.depthwise = true;
  source.check(data.offset, data.length, { tensor: name, what: 'buffer' });
  info.byteOffset = data.offset;
  info.byteLength = data.length;
  const sparse = (await fb.field(t, 6)) !== 0;
  if (!dtype || sparse) {
    info.unsupported = sparse
      ? 'sparse TFLite tensors are not supported'
      : `TFLite type ${info.dtype} is not supported`;
    return { info, read: async () => Promise.reject(source.error(info.unsupported!, name, data.offset)) };
  }
  const size =
    { F64: 8, I64: 8, U64: 8, F32: 4, I32: 4, U32: 4, F16: 2, BF16: 2, I16: 2, U16: 2 }[dtype] ?? 1;
  if (numel(shape) * size !== data.length) {
    throw source.error(
      `shape [${shape.join(', ')}] of ${dtype} needs ${numel(shape) * size} bytes, the buffer has ${data.length}`,
      name,
      data.offset,
    );
  }
  const q = await quantization(fb, t, shape, name, data.offset);
  const { rowSize } = leadingRows(shape);
  return {
    info,
    read: async (rows): Promise<NumericArray> => {
      const bytes = await source.read(
        data.offset + rows.start * rowSize * size,
        (rows.end - rows.start) * rowSize * size,
        {
          tensor: name,
          what: 'tensor data',
        },
      );
      const values = decode(bytes, dtype);
      if (!q || dtype.startsWith('F') || dtype === 'BF16') return values;
      // (q − zero_point) · scale, per tensor or per channel along `axis`
      const stride = numel(shape.slice(q.axis + 1));
      const channels = q.scale.length;
      const first = rows.start * rowSize;
      const out = new Float32Array(values.length);
      for (let i = 0; i < values.length; i++) {
        const c = channels === 1 ? 0 : Math.floor((first + i) / stride) % channels;
        out[i] = (values[i] - (q.zeroPoint[c] ?? 0)) * q.scale[c];
      }
      return out;
    },
  };
}

/** Quantisation of an integer tensor: scales (one, or one per channel of `quantized_dimension`) and zero points. */
async function quantization(
  fb: Flat,
  t: number,
  shape: number[],
  name: string,
  at: number,
): Promise<Quant | undefined> {
  const qp = await fb.table(t, 4);
  if (!qp) return undefined;
  const scale = await fb.floats(qp, 2);
  if (scale.length === 0) return undefined;
  const zeroPoint = await fb.longs(qp, 3);
  const axis = await fb.scalar(qp, 6, 'i32');
  const source = fb.r.source;
  if (scale.length > 1 && (axis < 0 || axis >= shape.length || shape[axis] !== scale.length)) {
    throw source.error(
      `${scale.length} scales do not match dimension ${axis} of [${shape.join(', ')}]`,
      name,
      at,
    );
  }
  if (zeroPoint.length !== 0 && zeroPoint.length !== scale.length) {
    throw source.error(`${zeroPoint.length} zero points for ${scale.length} scales`, name, at);
  }
  return { scale, zeroPoint, axis };
}
