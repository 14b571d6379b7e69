import * as path from 'node:path';
import { decode, dtypeSize, numel } from './dtypes';
import { WeightFileError } from './errors';
import { resolveInside } from './paths';
import { decodeVarints, I32, I64, LEN, ProtoReader, VARINT } from './protobuf';
import { ByteSource } from './source';
import { checkShape, contiguousReader, createWeightFile, sliceRows, type TensorEntry } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, TensorLayout, WeightFile } from './types';

/** TensorProto.DataType → canonical dtype (undefined: listed as unsupported). */
const ONNX_DTYPES: Record<number, string> = {
  1: 'F32',
  2: 'U8',
  3: 'I8',
  4: 'U16',
  5: 'I16',
  6: 'I32',
  7: 'I64',
  9: 'BOOL',
  10: 'F16',
  11: 'F64',
  12: 'U32',
  13: 'U64',
  16: 'BF16',
  17: 'F8_E4M3',
  19: 'F8_E5M2',
};
const ONNX_TYPE_NAMES: Record<number, string> = {
  8: 'STRING',
  14: 'COMPLEX64',
  15: 'COMPLEX128',
  18: 'FLOAT8E4M3FNUZ',
  20: 'FLOAT8E5M2FNUZ',
  21: 'UINT4',
  22: 'INT4',
  23: 'FLOAT4E2M1',
};

/** A byte range of the model file. */
interface Span {
  offset: number;
  length: number;
}

/** A TensorProto as scanned: where its data is, not the data. */
interface ScannedTensor {
  name: string;
  dims: number[];
  dataType: number;
  at: number;
  raw?: Span;
  /** Typed data fields (float_data 4, int32_data 5, int64_data 7, double_data 10, uint64_data 11). */
  typed: Array<{ field: number; wire: number; span: Span }>;
  external: Map<string, string>;
  dataLocation: number;
}

const MAX_GRAPH_DEPTH = 32;

/** What the scan found: tensors in graph order, plus how nodes use them. */
interface Scan {
  tensors: Array<{ tensor: ScannedTensor; graph: string }>;
  conv: Set<string>;
  /** Initializers used as [in, out] (MatMul right operands, Gemm B without transB). */
  inOut: Set<string>;
  metadata: Record<string, string>;
}

async function scanTensor(r: ProtoReader, end: number): Promise<ScannedTensor> {
  const t: ScannedTensor = {
    name: '',
    dims: [],
    dataType: 0,
    at: r.pos,
    typed: [],
    external: new Map(),
    dataLocation: 0,
  };
  while (r.pos < end) {
    const { field, wire } = await r.key(end);
    if (field === 1 && wire === VARINT) t.dims.push(await r.varint(end));
    else if (field === 1 && wire === LEN) {
      const n = await r.length(end);
      const at = r.pos;
      try {
        t.dims.push(...decodeVarints(await r.bytes(n, end), true));
      } catch (err) {
        throw r.source.error(`dims: ${(err as Error).message}`, undefined, at);
      }
    } else if (field === 2 && wire === VARINT) t.dataType = await r.varint(end);
    else if (field === 8 && wire === LEN) t.name = await r.string(end);
    else if (field === 9 && wire === LEN) {
      const n = await r.length(end);
      t.raw = { offset: r.pos, length: n };
      r.pos += n;
    } else if ([4, 5, 7, 10, 11].includes(field)) {
      if (wire === LEN) {
        const n = await r.length(end);
        t.typed.push({ field, wire, span: { offset: r.pos, length: n } });
        r.pos += n;
      } else {
        const start = r.pos;
        await r.skip(wire, end);
        t.typed.push({ field, wire, span: { offset: start, length: r.pos - start } });
      }
    } else if (field === 13 && wire === LEN) {
      const mend = await r.messageEnd(end);
      let key = '';
      let value = '';
      while (r.pos < mend) {
        const k = await r.key(mend);
        if (k.field === 1 && k.wire === LEN) key = await r.string(mend);
        else if (k.field === 2 && k.wire === LEN) value = await r.string(mend);
        else await r.skip(k.wire, mend);
      }
      t.external.set(key, value);
    } else if (field === 14 && wire === VARINT) t.dataLocation = await r.varint(end);
    else await r.skip(wire, end);
  }
  return t;
}

async function scanGraph(r: ProtoReader, end: number, scan: Scan, depth: number): Promise<void> {
  if (depth > MAX_GRAPH_DEPTH)
    throw r.source.error(`subgraphs nested deeper than ${MAX_GRAPH_DEPTH}`, undefined, r.pos);
  let graph = '';
  const found: ScannedTensor[] = [];
  while (r.pos < end) {
    const { field, wire } = await r.key(end);
    if (field === 5 && wire === LEN) {
      const n = await r.length(end);
      found.push(await scanTensor(r, r.pos + n));
    } else if (field === 1 && wire === LEN) {
      const n = await r.length(end);
      const constant = await scanNode(r, r.pos + n, scan, depth);
      if (constant) found.push(constant);
    } else if (field === 2 && wire === LEN) graph = await r.string(end);
    else await r.skip(wire, end);
  }
  for (const tensor of found) scan.tensors.push({ tensor, graph });
}

/** Scans a node: records how it uses initializers, recurses into subgraphs; returns a Constant's tensor. */
async function scanNode(
  r: ProtoReader,
  end: number,
  scan: Scan,
  depth: number,
): Promise<ScannedTensor | undefined> {
  const inputs: string[] = [];
  const outputs: string[] = [];
  let op = '';
  let value: ScannedTensor | undefined;
  let transB = 0;
  while (r.pos < end) {
    const { field, wire } = await r.key(end);
    if (field === 1 && wire === LEN) inputs.push(await r.string(end));
    else if (field === 2 && wire === LEN) outputs.push(await r.string(end));
    else if (field === 4 && wire === LEN) op = await r.string(end);
    else if (field === 5 && wire === LEN) {
      const aend = await r.messageEnd(end);
      let name = '';
      let t: ScannedTensor | undefined;
      let i = 0;
      while (r.pos < aend) {
        const k = await r.key(aend);
        if (k.field === 1 && k.wire === LEN) name = await r.string(aend);
        else if (k.field === 3 && k.wire === VARINT) i = await r.varint(aend);
        else if (k.field === 5 && k.wire === LEN) {
          const n = await r.length(aend);
          t = await scanTensor(r, r.pos + n);
        } else if ((k.field === 6 || k.field === 11) && k.wire === LEN) {
          const n = await r.length(aend);
          await scanGraph(r, r.pos + n, scan, depth + 1);
        } else await r.skip(k.wire, aend);
      }
      if (name === 'value' && t) value = t;
      if (name === 'transB') transB = i;
    } else await r.skip(wire, end);
  }
  if ((op === 'Conv' || op === 'ConvTranspose') && inputs[1]) scan.conv.add(inputs[1]);
  if ((op === 'MatMul' || (op === 'Gemm' && transB === 0)) && inputs[1]) scan.inOut.add(inputs[1]);
  if (op === 'Constant' && value) {
    value.name = outputs[0] ?? value.name;
    return value;
  }
  return undefined;
}

async function scanModel(source: ByteSource): Promise<Scan> {
  const scan: Scan = { tensors: [], conv: new Set(), inOut: new Set(), metadata: {} };
  const r = new ProtoReader(source, 0);
  const end = source.size;
  let sawGraph = false;
  const opsets: string[] = [];
  while (r.pos < end) {
    const { field, wire, at } = await r.key(end);
    if (field === 7 && wire === LEN) {
      const n = await r.length(end);
      await scanGraph(r, r.pos + n, scan, 0);
      sawGraph = true;
    } else if (field === 1 && wire === VARINT) scan.metadata.ir_version = String(await r.varint(end));
    else if (field === 2 && wire === LEN) scan.metadata.producer_name = await r.string(end);
    else if (field === 3 && wire === LEN) scan.metadata.producer_version = await r.string(end);
    else if (field === 8 && wire === LEN) {
      const oend = await r.messageEnd(end);
      let domain = '';
      let version = 0;
      while (r.pos < oend) {
        const k = await r.key(oend);
        if (k.field === 1 && k.wire === LEN) domain = await r.string(oend);
        else if (k.field === 2 && k.wire === VARINT) version = await r.varint(oend);
        else await r.skip(k.wire, oend);
      }
      opsets.push(`${domain || 'ai.onnx'}:${version}`);
    } else if (![VARINT, I64, LEN, I32].includes(wire) || field === 0) {
      throw source.error(`not an ONNX model (bad protobuf key at byte ${at})`, undefined, at);
    } else await r.skip(wire, end);
  }
  if (!sawGraph) throw source.error('ONNX model without a graph', undefined, 0);
  if (opsets.length) scan.metadata.opset = opsets.join(', ');
  return scan;
}

/** Decodes the typed (non-raw) data fields of a tensor. */
function decodeTyped(bytes: Uint8Array, field: number, wire: number, dtype: string): NumericArray {
  if (field === 4) return decode(bytes, 'F32');
  if (field === 10) return decode(bytes, 'F64');
  // int32_data (5) holds int8…int32 and the bits of f16/bf16/f8; int64_data (7); uint64_data (11)
  if (wire !== LEN && wire !== VARINT) throw new Error(`integer data with wire type ${wire}`);
  const ints = decodeVarints(bytes, field !== 11);
  if (dtype === 'F16' || dtype === 'BF16') {
    const b = new Uint8Array(ints.length * 2);
    ints.forEach((v, i) => {
      b[2 * i] = v & 0xff;
      b[2 * i + 1] = (v >> 8) & 0xff;
    });
    return decode(b, dtype);
  }
  if (dtype === 'F8_E4M3' || dtype === 'F8_E5M2')
    return decode(
      Uint8Array.from(ints, (v) => v & 0xff),
      dtype,
    );
  return Float32Array.from(ints);
}

export const onnxReader: FormatReader = {
  id: 'onnx',
  label: 'ONNX model',
  patterns: ['*.onnx'],
  matches: (file) => path.extname(file).toLowerCase() === '.onnx',
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    const externals = new Map<string, ByteSource>();
    try {
      const scan = await scanModel(source);
      const entries: TensorEntry[] = [];
      const names = new Set<string>();
      for (const { tensor: t, graph } of scan.tensors) {
        let name = t.name || `${graph || 'graph'}/constant`;
        if (names.has(name)) name = `${graph}/${name}`;
        for (let k = 2; names.has(name); k++) name = `${t.name}~${k}`;
        names.add(name);
        entries.push(await tensorEntry(file, source, externals, t, name, scan));
      }
      return createWeightFile({
        path: file,
        format: 'onnx',
        entries,
        metadata: scan.metadata,
        close: async () => {
          await Promise.all([source.close(), ...[...externals.values()].map((s) => s.close())]);
        },
      });
    } catch (err) {
      await Promise.all([source.close(), ...[...externals.values()].map((s) => s.close())]);
      throw err;
    }
  },
};

async function tensorEntry(
  file: string,
  source: ByteSource,
  externals: Map<string, ByteSource>,
  t: ScannedTensor,
  name: string,
  scan: Scan,
): Promise<TensorEntry> {
  const shape = checkShape(file, name, t.dims, t.at);
  const dtype = ONNX_DTYPES[t.dataType];
  const layout: TensorLayout = scan.inOut.has(t.name) && shape.length === 2 ? 'keras' : 'torch';
  const info: TensorInfo = {
    name,
    dtype: dtype ?? ONNX_TYPE_NAMES[t.dataType] ?? `ONNX_${t.dataType}`,
    shape,
    layout,
  };
  if (scan.conv.has(t.name)) info.conv = true;
  const unsupported = (why: string): TensorEntry => {
    info.unsupported = why;
    return { info, read: async () => Promise.reject(new WeightFileError(file, why, name, t.at)) };
  };
  if (!dtype) return unsupported(`ONNX data type ${info.dtype} is not supported`);
  const size = dtypeSize(dtype) as number;
  const byteLength = numel(shape) * size;

  if (t.dataLocation === 1 || t.external.size) {
    const location = t.external.get('location');
    if (!location) throw new WeightFileError(file, 'external data without a location', name, t.at);
    const target = resolveInside(path.dirname(file), file, location, name);
    let ext = externals.get(target);
    if (!ext) {
      ext = await ByteSource.open(target);
      externals.set(target, ext);
    }
    const offset = Number(t.external.get('offset') ?? 0);
    const length = t.external.has('length') ? Number(t.external.get('length')) : byteLength;
    if (length !== byteLength) {
      throw new WeightFileError(
        file,
        `external length ${length} ≠ ${byteLength} bytes for the shape`,
        name,
        t.at,
      );
    }
    ext.check(offset, length, { tensor: name, what: `external data in ${location}` });
    Object.assign(info, { byteOffset: offset, byteLength });
    return { info, read: contiguousReader(ext, info, offset, dtype) };
  }
  if (t.raw) {
    if (t.raw.length !== byteLength) {
      throw new WeightFileError(
        file,
        `raw_data has ${t.raw.length} bytes, the shape needs ${byteLength}`,
        name,
        t.raw.offset,
      );
    }
    Object.assign(info, { byteOffset: t.raw.offset, byteLength });
    return { info, read: contiguousReader(source, info, t.raw.offset, dtype) };
  }
  if (t.typed.length === 0) {
    if (byteLength === 0) return { info, read: async () => new Float32Array(0) };
    throw new WeightFileError(file, 'tensor has no data', name, t.at);
  }
  const fields = t.typed;
  const count = numel(shape);
  const fieldOk =
    (fields[0].field === 4 && dtype === 'F32') ||
    (fields[0].field === 10 && dtype === 'F64') ||
    (fields[0].field === 7 && dtype === 'I64') ||
    (fields[0].field === 11 && (dtype === 'U32' || dtype === 'U64')) ||
    (fields[0].field === 5 && !['F32', 'F64', 'I64', 'U32', 'U64'].includes(dtype));
  if (!fieldOk)
    throw new WeightFileError(file, `data field ${fields[0].field} does not fit ${dtype}`, name, t.at);
  const fixedSize = fields[0].field === 4 ? 4 : fields[0].field === 10 ? 8 : 0;
  if (fixedSize) {
    const total = fields.reduce((s, f) => s + (f.wire === LEN ? f.span.length : fixedSize), 0);
    if (total !== count * fixedSize) {
      throw new WeightFileError(
        file,
        `typed data has ${total / fixedSize} values, the shape needs ${count}`,
        name,
        t.at,
      );
    }
  }
  info.byteOffset = fields[0].span.offset;
  info.byteLength = fields.reduce((s, f) => s + f.span.length, 0);
  return {
    info,
    read: async (rows) => {
      const parts: NumericArray[] = [];
      for (const f of fields) {
        const bytes = await source.read(f.span.offset, f.span.length, { tensor: name, what: 'typed data' });
        try {
          parts.push(decodeTyped(bytes, f.field, f.wire, dtype));
        } catch (err) {
          throw new WeightFileError(file, `typed data: ${(err as Error).message}`, name, f.span.offset);
        }
      }
      const all = concat(parts);
      if (all.length !== count) {
        throw new WeightFileError(
          file,
          `typed data has ${all.length} values, the shape needs ${count}`,
          name,
          t.at,
        );
      }
      return sliceRows(all, shape, rows);
    },
  };
}

function concat(parts: NumericArray[]): NumericArray {
  if (parts.length === 1) return parts[0];
  const f64 = parts.some((p) => p instanceof Float64Array);
  const out = f64
    ? new Float64Array(parts.reduce((s, p) => s + p.length, 0))
    : new Float32Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
