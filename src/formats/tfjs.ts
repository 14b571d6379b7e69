import * as path from 'node:path';
import { decode, decodeHalf, numel } from './dtypes';
import { WeightFileError } from './errors';
import { resolveInside } from './paths';
import { ByteSource } from './source';
import { checkShape, createWeightFile, leadingRows, type TensorEntry } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, WeightFile } from './types';

const MAX_MODEL_JSON = 256 * 1024 * 1024;

/** TF.js dtypes → canonical dtype and element size. */
const TFJS_DTYPES: Record<string, [string, number]> = {
  float32: ['F32', 4],
  int32: ['I32', 4],
  bool: ['BOOL', 1],
};
/** Quantisation dtypes → canonical dtype and element size. */
const QUANT_DTYPES: Record<string, [string, number]> = {
  uint8: ['U8', 1],
  uint16: ['U16', 2],
  float16: ['F16', 2],
};

/** The shard files of one weight group, read as one contiguous byte stream. */
class ShardGroup {
  constructor(
    readonly file: string,
    readonly shards: Array<{ source: ByteSource; start: number }>,
    readonly size: number,
  ) {}

  /** The (shard path, offset) where group byte `offset` lies, for messages. */
  where(offset: number): { shard: string; offset: number } {
    const s = [...this.shards].reverse().find((x) => x.start <= offset) ?? this.shards[0];
    if (!s) return { shard: this.file, offset }; // a group with no shard files
    return { shard: s.source.path, offset: offset - s.start };
  }

  async read(offset: number, length: number, tensor: string): Promise<Uint8Array> {
    if (offset + length > this.size) {
      const at = this.where(Math.min(offset, this.size));
      throw new WeightFileError(
        this.file,
        `weight needs ${length} bytes at ${offset} of its group, the shards hold ${this.size}`,
        tensor,
        at.offset,
      );
    }
    const out = new Uint8Array(length);
    for (const { source, start } of this.shards) {
      const end = start + source.size;
      const from = Math.max(offset, start);
      const to = Math.min(offset + length, end);
      if (from < to) out.set(await source.read(from - start, to - from, { tensor }), from - offset);
    }
    return out;
  }
}

interface ManifestWeight {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string; scale?: number; min?: number; original_dtype?: string };
}

export const tfjsReader: FormatReader = {
  id: 'tfjs',
  label: 'TensorFlow.js model',
  patterns: ['model.json', '*weights_manifest.json'],
  matches: (file, head) => {
    if (path.extname(file).toLowerCase() !== '.json' || /\.index\.json$/i.test(file)) return false;
    const text = new TextDecoder().decode(head);
    return (
      /^(model\.json|.*weights_manifest\.json)$/.test(path.basename(file)) ||
      text.includes('"weightsManifest"') ||
      text.includes('"modelTopology"') ||
      (/^\s*\[/.test(text) && text.includes('"paths"') && text.includes('"weights"'))
    );
  },
  async open(file): Promise<WeightFile> {
    const json = await ByteSource.open(file);
    let doc: unknown;
    try {
      if (json.size > MAX_MODEL_JSON) throw json.error(`model.json of ${json.size} bytes is too large`);
      doc = JSON.parse(new TextDecoder().decode(await json.read(0, json.size)));
    } catch (err) {
      if (err instanceof WeightFileError) throw err;
      throw new WeightFileError(file, `not valid JSON: ${(err as Error).message}`);
    } finally {
      await json.close();
    }
    // model.json holds { modelTopology, weightsManifest }; a *weights_manifest.json is the bare manifest
    const manifest = Array.isArray(doc) ? doc : (doc as { weightsManifest?: unknown })?.weightsManifest;
    if (!Array.isArray(manifest))
      throw new WeightFileError(file, 'no weightsManifest: not a TF.js model.json');
    const sources: ByteSource[] = [];
    try {
      const entries: TensorEntry[] = [];
      for (const group of manifest as Array<{ paths?: unknown; weights?: unknown }>) {
        if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
          throw new WeightFileError(file, 'weightsManifest group without paths or weights');
        }
        const shards: Array<{ source: ByteSource; start: number }> = [];
        let size = 0;
        for (const p of group.paths) {
          if (typeof p !== 'string') throw new WeightFileError(file, 'shard path is not a string');
          const source = await ByteSource.open(resolveInside(path.dirname(file), file, p));
          sources.push(source);
          shards.push({ source, start: size });
          size += source.size;
        }
        const shardGroup = new ShardGroup(file, shards, size);
        let offset = 0;
        for (const w of group.weights as ManifestWeight[]) {
          const { entry, byteLength } = await weightEntry(file, shardGroup, w, offset);
          entries.push(entry);
          offset += byteLength;
        }
      }
      return createWeightFile({
        path: file,
        format: 'tfjs',
        entries,
        metadata: Array.isArray(doc) ? {} : tfjsMetadata(doc as Record<string, unknown>),
        close: async () => {
          await Promise.all(sources.map((s) => s.close()));
        },
      });
    } catch (err) {
      await Promise.all(sources.map((s) => s.close()));
      throw err;
    }
  },
};

function tfjsMetadata(doc: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of ['format', 'generatedBy', 'convertedBy'])
    if (typeof doc[k] === 'string') out[k] = doc[k] as string;
  return out;
}

async function weightEntry(
  file: string,
  group: ShardGroup,
  w: ManifestWeight,
  offset: number,
): Promise<{ entry: TensorEntry; byteLength: number }> {
  const name = typeof w?.name === 'string' ? w.name : '';
  if (!name) throw new WeightFileError(file, 'weight without a name', undefined, offset);
  const shape = checkShape(file, name, w.shape);
  const count = numel(shape);
  const info: TensorInfo = { name, dtype: '', shape, layout: 'keras' };
  const q = w.quantization;
  if (w.dtype === 'string') {
    // Strings: each a 4-byte length and its bytes. Listed only; their size is needed to find what follows.
    let length = 0;
    for (let i = 0; i < count; i++) {
      const n = new DataView((await group.read(offset + length, 4, name)).buffer).getUint32(0, true);
      length += 4 + n;
    }
    info.dtype = 'STRING';
    info.unsupported = 'string tensors are not weights';
    return {
      entry: { info, read: async () => Promise.reject(new WeightFileError(file, info.unsupported!, name)) },
      byteLength: length,
    };
  }
  const plain = TFJS_DTYPES[w.dtype];
  if (!plain) throw new WeightFileError(file, `unsupported dtype ${JSON.stringify(w.dtype)}`, name, offset);
  let stored: [string, number] = plain;
  let dequant: ((raw: Uint8Array) => NumericArray) | undefined;
  if (q) {
    const quant = QUANT_DTYPES[q.dtype];
    if (!quant)
      throw new WeightFileError(file, `unsupported quantization ${JSON.stringify(q.dtype)}`, name, offset);
    stored = quant;
    if (q.dtype === 'float16') dequant = (raw) => decodeHalf(raw);
    else {
      const scale = q.scale;
      const min = q.min;
      if (
        typeof scale !== 'number' ||
        typeof min !== 'number' ||
        !Number.isFinite(scale) ||
        !Number.isFinite(min)
      ) {
        throw new WeightFileError(file, 'quantization without a finite scale and min', name, offset);
      }
      const round = (q.original_dtype ?? w.dtype) === 'int32';
      dequant = (raw) => {
        const ints = decode(raw, quant[0]);
        const out = new Float32Array(ints.length);
        for (let i = 0; i < ints.length; i++)
          out[i] = round ? Math.round(ints[i] * scale + min) : ints[i] * scale + min;
        return out;
      };
    }
    info.dtype = (q.original_dtype ?? w.dtype) === 'int32' ? 'I32' : quant[0];
  } else info.dtype = plain[0];
  const size = stored[1];
  const byteLength = count * size;
  const at = group.where(offset);
  info.byteOffset = at.offset;
  info.byteLength = byteLength;
  if (offset + byteLength > group.size) {
    throw new WeightFileError(
      file,
      `weight needs ${byteLength} bytes at ${offset} of its group, the shards hold ${group.size}`,
      name,
      at.offset,
    );
  }
  const { rowSize } = leadingRows(shape);
  const decodeRaw = dequant ?? ((raw: Uint8Array) => decode(raw, stored[0]));
  return {
    entry: {
      info,
      read: async (rows) =>
        decodeRaw(
          await group.read(
            offset + rows.start * rowSize * size,
            (rows.end - rows.start) * rowSize * size,
            name,
          ),
        ),
    },
    byteLength,
  };
}
