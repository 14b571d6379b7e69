import * as path from 'node:path';
import { GGML_TYPES } from './ggml';
import { ByteSource, PagedReader } from './source';
import { checkShape, createWeightFile, leadingRows, type TensorEntry } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, WeightFile } from './types';

const MAGIC = 0x46554747; // "GGUF" little endian
const MAX_COUNT = 10_000_000;
const MAX_STRING = 1 << 24;
/** Metadata arrays longer than this are summarised, not stored (tokenizer vocabularies). */
const SHOWN_ARRAY = 16;

/** GGUF value types: fixed sizes of the scalar ones. */
const SCALAR_SIZES: Record<number, number> = {
  0: 1,
  1: 1,
  2: 2,
  3: 2,
  4: 4,
  5: 4,
  6: 4,
  7: 1,
  10: 8,
  11: 8,
  12: 8,
};
const TYPE_NAMES: Record<number, string> = {
  0: 'u8',
  1: 'i8',
  2: 'u16',
  3: 'i16',
  4: 'u32',
  5: 'i32',
  6: 'f32',
  7: 'bool',
  8: 'string',
  9: 'array',
  10: 'u64',
  11: 'i64',
  12: 'f64',
};

export function hasGgufMagic(head: Uint8Array): boolean {
  return head[0] === 0x47 && head[1] === 0x47 && head[2] === 0x55 && head[3] === 0x46;
}

/** A sequential cursor over the GGUF header. */
class Cursor {
  constructor(
    readonly r: PagedReader,
    public pos: number,
  ) {}

  private fail(detail: string, tensor?: string): Error {
    return this.r.source.error(detail, tensor, this.pos);
  }
  async u32(): Promise<number> {
    const v = await this.r.u32(this.pos, { what: 'GGUF header' });
    this.pos += 4;
    return v;
  }
  async u64(): Promise<number> {
    const v = await this.r.u64(this.pos, { what: 'GGUF header' });
    this.pos += 8;
    return v;
  }
  async count(what: string, minItemBytes: number): Promise<number> {
    const at = this.pos;
    const n = await this.u64();
    if (n > MAX_COUNT || n * minItemBytes > this.r.source.size - this.pos) {
      this.pos = at;
      throw this.fail(`${what} count ${n} is absurd for a ${this.r.source.size}-byte file`);
    }
    return n;
  }
  async string(tensor?: string): Promise<string> {
    const n = await this.u64();
    if (n > MAX_STRING) throw this.fail(`string of ${n} bytes`, tensor);
    const bytes = await this.r.bytes(this.pos, n, { tensor, what: 'GGUF string' });
    this.pos += n;
    return new TextDecoder().decode(bytes);
  }
  /** Skips `n` strings (a tokenizer's vocabulary), a window of bytes at a time. */
  async skipStrings(n: number): Promise<void> {
    const size = this.r.source.size;
    for (let i = 0; i < n;) {
      const chunk = await this.r.source.readAtMost(this.pos, 1 << 20);
      if (chunk.length < 8) throw this.fail('array of strings runs past the end of the file');
      const v = new DataView(chunk.buffer, chunk.byteOffset, chunk.byteLength);
      let p = 0;
      while (i < n && p + 8 <= chunk.length) {
        const len = v.getUint32(p, true) + 2 ** 32 * v.getUint32(p + 4, true);
        if (len > MAX_STRING) throw this.r.source.error(`string of ${len} bytes`, undefined, this.pos + p);
        if (p + 8 + len > chunk.length) break;
        p += 8 + len;
        i++;
      }
      if (p === 0) {
        // one string longer than the window: jump over it
        const len = await this.u64();
        if (len > MAX_STRING || this.pos + len > size) throw this.fail(`string of ${len} bytes`);
        this.pos += len;
        i++;
      }
      this.pos += p;
    }
  }

  /** Reads a value of `type`; long arrays are skipped and summarised. */
  async value(type: number, depth = 0): Promise<string | number | bigint | boolean> {
    const size = SCALAR_SIZES[type];
    if (size !== undefined) {
      const v = await this.r.view(this.pos, size, { what: 'GGUF value' });
      this.pos += size;
      switch (type) {
        case 0:
          return v.getUint8(0);
        case 1:
          return v.getInt8(0);
        case 2:
          return v.getUint16(0, true);
        case 3:
          return v.getInt16(0, true);
        case 4:
          return v.getUint32(0, true);
        case 5:
          return v.getInt32(0, true);
        case 6:
          return v.getFloat32(0, true);
        case 7:
          return v.getUint8(0) !== 0;
        case 10:
          return v.getBigUint64(0, true);
        case 11:
          return v.getBigInt64(0, true);
        default:
          return v.getFloat64(0, true);
      }
    }
    if (type === 8) return this.string();
    if (type === 9 && depth < 2) {
      const itemType = await this.u32();
      const itemSize = SCALAR_SIZES[itemType] ?? 8;
      const n = await this.count('array', itemSize);
      if (SCALAR_SIZES[itemType] !== undefined && n > SHOWN_ARRAY) {
        this.pos += n * itemSize;
        return `[${n} × ${TYPE_NAMES[itemType]}]`;
      }
      const shown: string[] = [];
      for (let i = 0; i < Math.min(n, SHOWN_ARRAY); i++) {
        const v = await this.value(itemType, depth + 1);
        shown.push(typeof v === 'string' && itemType === 8 ? JSON.stringify(v) : String(v));
      }
      if (itemType === 8) await this.skipStrings(n - shown.length);
      else for (let i = shown.length; i < n; i++) await this.value(itemType, depth + 1);
      return n > SHOWN_ARRAY
        ? `[${n} × ${TYPE_NAMES[itemType]}: ${shown.join(', ')}, …]`
        : `[${shown.join(', ')}]`;
    }
    throw this.fail(`unknown GGUF value type ${type}`);
  }
}

export const ggufReader: FormatReader = {
  id: 'gguf',
  label: 'GGUF (llama.cpp)',
  patterns: ['*.gguf'],
  matches: (file, head) => path.extname(file).toLowerCase() === '.gguf' || hasGgufMagic(head),
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      return await openGguf(file, source);
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};

async function openGguf(file: string, source: ByteSource): Promise<WeightFile> {
  const r = new PagedReader(source);
  const c = new Cursor(r, 0);
  if ((await c.u32()) !== MAGIC) throw source.error('not a GGUF file (bad magic)', undefined, 0);
  const version = await c.u32();
  if (version !== 2 && version !== 3) {
    throw source.error(`unsupported GGUF version ${version} (2 and 3 are read)`, undefined, 4);
  }
  const nTensors = await c.count('tensor', 24);
  const nKv = await c.count('metadata', 12);
  const metadata: Record<string, string> = { 'gguf.version': String(version) };
  let alignment = 32;
  for (let i = 0; i < nKv; i++) {
    const key = await c.string();
    const type = await c.u32();
    const at = c.pos;
    const value = await c.value(type);
    metadata[key] = String(value);
    if (key === 'general.alignment') {
      if (typeof value !== 'number' || value <= 0 || value > 1 << 20 || (value & (value - 1)) !== 0) {
        throw source.error(`invalid general.alignment ${String(value)}`, undefined, at);
      }
      alignment = value;
    }
  }
  const infos: Array<{ info: TensorInfo; type: number; offset: number; at: number }> = [];
  for (let i = 0; i < nTensors; i++) {
    const at = c.pos;
    const name = await c.string();
    const nDims = await c.u32();
    if (nDims > 4) throw source.error(`${nDims} dimensions (ggml has at most 4)`, name, at);
    const ne: number[] = [];
    for (let d = 0; d < nDims; d++) ne.push(await c.u64());
    const type = await c.u32();
    const offset = await c.u64();
    // ggml lists ne[0] (the contiguous dimension) first: reverse into row-major order
    const shape = checkShape(file, name, [...ne].reverse(), at);
    const ggml = GGML_TYPES[type];
    const info: TensorInfo = { name, dtype: ggml?.name ?? `GGML_TYPE_${type}`, shape, layout: 'torch' };
    if (!ggml) info.unsupported = `ggml type ${type} is not supported`;
    else if (!ggml.dequantize) info.unsupported = `${ggml.name} is not supported (listed only)`;
    infos.push({ info, type, offset, at });
  }
  const dataStart = Math.ceil(c.pos / alignment) * alignment;
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  const entries: TensorEntry[] = [];
  for (const { info, type, offset, at } of infos) {
    const ggml = GGML_TYPES[type];
    if (offset % alignment !== 0)
      throw source.error(`data offset ${offset} is not aligned to ${alignment}`, info.name, at);
    if (ggml) {
      const ne0 = info.shape.length ? info.shape[info.shape.length - 1] : 1;
      if (ne0 % ggml.blockSize !== 0) {
        throw source.error(
          `row of ${ne0} elements is not a whole number of ${ggml.name} blocks`,
          info.name,
          at,
        );
      }
      const count = info.shape.reduce((a, b) => a * b, 1);
      const byteLength = (count / ggml.blockSize) * ggml.blockBytes;
      source.check(dataStart + offset, byteLength, { tensor: info.name, what: 'tensor data' });
      info.byteOffset = dataStart + offset;
      info.byteLength = byteLength;
      spans.push({ name: info.name, begin: offset, end: offset + byteLength });
    }
    entries.push({ info, read: reader(source, info) });
  }
  spans.sort((a, b) => a.begin - b.begin);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) {
      throw source.error(
        `data overlaps tensor '${spans[i - 1].name}'`,
        spans[i].name,
        dataStart + spans[i].begin,
      );
    }
  }
  return createWeightFile({ path: file, format: 'gguf', entries, metadata, close: () => source.close() });
}

function reader(source: ByteSource, info: TensorInfo) {
  return async (rows: { start: number; end: number }): Promise<NumericArray> => {
    if (info.unsupported) throw source.error(info.unsupported, info.name, info.byteOffset);
    const ggml = GGML_TYPES[GGML_ID[info.dtype]];
    const { rowSize } = leadingRows(info.shape);
    const rowBytes = (rowSize / ggml.blockSize) * ggml.blockBytes;
    const n = rows.end - rows.start;
    const bytes = await source.read((info.byteOffset as number) + rows.start * rowBytes, n * rowBytes, {
      tensor: info.name,
      what: 'tensor data',
    });
    const out = info.dtype === 'F64' ? new Float64Array(n * rowSize) : new Float32Array(n * rowSize);
    ggml.dequantize!(bytes, out);
    return out;
  };
}

const GGML_ID: Record<string, number> = Object.fromEntries(
  Object.entries(GGML_TYPES).map(([id, t]) => [t.name, Number(id)]),
);
