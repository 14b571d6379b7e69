import { createWriteStream, existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { decode } from './dtypes';
import { WeightFileError } from './errors';
import { ByteSource, MAX_READ_BYTES } from './source';
import { checkShape, createWeightFile, type TensorEntry } from './tensor';
import type { FormatReader, NumericArray, TensorInfo, WeightFile } from './types';
import { hasZipMagic, MAX_INFLATED, ZipArchive } from './zip';

/** The part of h5wasm's API used here (its node build reads files lazily through the real file system). */
interface H5Metadata {
  type: number; // 0 integer, 1 float
  signed: boolean;
  size: number;
  littleEndian: boolean;
}
interface H5Entity {
  type: string;
}
interface H5Dataset extends H5Entity {
  file_id: bigint;
  path: string;
  shape: number[] | null;
  metadata: H5Metadata;
}
interface H5Group extends H5Entity {
  keys(): string[];
  get(name: string): H5Entity | null;
  attrs: Record<string, { value: unknown }>;
}
interface H5File extends H5Group {
  close(): void;
}
interface H5Module {
  HEAPU8: Uint8Array;
  _malloc(n: number): number;
  _free(ptr: number): void;
  get_dataset_data(
    file: bigint,
    path: string,
    count: bigint[] | null,
    offset: bigint[] | null,
    strides: bigint[] | null,
    ptr: bigint,
  ): number;
}
interface H5Wasm {
  /** Resolves to the emscripten module once the wasm is compiled. */
  ready: Promise<H5Module>;
  Module: H5Module;
  File: new (filename: string, mode: 'r') => H5File;
}

let h5wasm: Promise<H5Wasm> | undefined;

/**
 * h5wasm ships ES modules only (an `import`-only export condition), so its node build is loaded by path,
 * through Node's require of ES modules (Node ≥ 20.19).
 */
function loadH5wasm(): Promise<H5Wasm> {
  h5wasm ??= (async () => {
    // a copy beside the bundle (dist/h5wasm/, with a package.json of type module), else node_modules
    const candidates = [
      path.join(__dirname, 'h5wasm', 'hdf5_hl.js'),
      ...(require.resolve.paths('h5wasm') ?? []).map((d) => path.join(d, 'h5wasm/dist/node/hdf5_hl.js')),
    ];
    const file = candidates.find((f) => existsSync(f));
    if (!file) throw new Error('h5wasm is not installed');
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const mod = require(file) as { default?: H5Wasm } & H5Wasm;
    const api = mod.default ?? mod;
    return { ...api, File: api.File, Module: await api.ready };
  })();
  return h5wasm;
}

const H5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Magic(head: Uint8Array): boolean {
  return H5_MAGIC.every((b, i) => head[i] === b);
}

/** Groups that hold optimizer state, not the model's weights. */
const OPTIMIZER_GROUPS = new Set(['optimizer_weights', 'optimizer']);

function dtypeOf(m: H5Metadata): string | undefined {
  if (m.type === 1) return ({ 2: 'F16', 4: 'F32', 8: 'F64' } as Record<number, string>)[m.size];
  if (m.type === 0 && [1, 2, 4, 8].includes(m.size)) return `${m.signed ? 'I' : 'U'}${8 * m.size}`;
  return undefined;
}

/** Every dataset under `group`, in Keras layer order where the file records it (`layer_names`). */
function collectDatasets(
  group: H5Group,
  prefix: string,
  out: Array<[string, H5Dataset]>,
  depth: number,
): void {
  if (depth > 32) return;
  const names = group.keys();
  const order = attrStrings(group, 'layer_names');
  const keys = order.length
    ? [...order.filter((k) => names.includes(k)), ...names.filter((k) => !order.includes(k))]
    : names;
  for (const key of keys) {
    if (OPTIMIZER_GROUPS.has(key)) continue;
    const child = group.get(key);
    if (!child) continue;
    const name = prefix ? `${prefix}/${key}` : key;
    if (child.type === 'Dataset') out.push([name, child as H5Dataset]);
    else if (child.type === 'Group') collectDatasets(child as H5Group, name, out, depth + 1);
  }
}

function attrStrings(group: H5Group, name: string): string[] {
  try {
    const v = group.attrs?.[name]?.value;
    if (Array.isArray(v))
      return v.map((x) => (typeof x === 'string' ? x : new TextDecoder().decode(x as Uint8Array)));
  } catch {
    // an unreadable attribute only loses the ordering
  }
  return [];
}

/**
 * Reads rows [start, end) of a dataset as raw little-endian bytes of its own element size (HDF5 converts to the
 * native order), decoded by our own dtype code: h5wasm's typed-array path has no float16.
 */
function readRows(
  api: H5Wasm,
  d: H5Dataset,
  shape: number[],
  dtype: string,
  start: number,
  end: number,
): NumericArray {
  const m = api.Module;
  const count = shape.length ? [end - start, ...shape.slice(1)] : [];
  const nbytes = d.metadata.size * count.reduce((a, b) => a * b, 1);
  if (nbytes > MAX_READ_BYTES) throw new Error(`a read of ${nbytes} bytes is too large`);
  const ptr = m._malloc(Math.max(1, nbytes));
  if (!ptr) throw new Error(`cannot allocate ${nbytes} bytes`);
  try {
    const sel = shape.length > 0;
    m.get_dataset_data(
      d.file_id,
      d.path,
      sel ? count.map(BigInt) : null,
      sel ? [BigInt(start), ...shape.slice(1).map(() => 0n)] : null,
      sel ? count.map(() => 1n) : null,
      BigInt(ptr),
    );
    return decode(m.HEAPU8.slice(ptr, ptr + nbytes), dtype);
  } finally {
    m._free(ptr);
  }
}

async function openH5(
  file: string,
  h5path: string,
  format: string,
  cleanup: () => Promise<void>,
): Promise<WeightFile> {
  const api = await loadH5wasm();
  let h5: H5File;
  try {
    h5 = new api.File(h5path, 'r');
  } catch (err) {
    throw new WeightFileError(file, `HDF5: ${(err as Error).message}`);
  }
  try {
    const root: H5Group = h5.keys().includes('model_weights') ? (h5.get('model_weights') as H5Group) : h5;
    const found: Array<[string, H5Dataset]> = [];
    collectDatasets(root, '', found, 0);
    const metadata: Record<string, string> = {};
    for (const k of ['keras_version', 'backend']) {
      const v = h5.attrs?.[k]?.value;
      if (typeof v === 'string') metadata[k] = v;
    }
    const entries: TensorEntry[] = found.map(([name, d]) => {
      const shape = checkShape(file, name, d.shape ?? []);
      const dtype = dtypeOf(d.metadata);
      const info: TensorInfo = { name, dtype: dtype ?? 'OTHER', shape, layout: 'keras' };
      if (!dtype) info.unsupported = 'HDF5 datatype is not numeric';
      return {
        info,
        read: async (rows) => {
          if (info.unsupported) throw new WeightFileError(file, info.unsupported, name);
          try {
            return readRows(api, d, shape, info.dtype, rows.start, rows.end);
          } catch (err) {
            throw new WeightFileError(file, `HDF5: ${(err as Error).message}`, name);
          }
        },
      };
    });
    return createWeightFile({
      path: file,
      format,
      entries,
      metadata,
      close: async () => {
        h5.close();
        await cleanup();
      },
    });
  } catch (err) {
    h5.close();
    throw err instanceof WeightFileError ? err : new WeightFileError(file, `HDF5: ${(err as Error).message}`);
  }
}

export const kerasH5Reader: FormatReader = {
  id: 'keras-h5',
  label: 'Keras HDF5 weights',
  patterns: ['*.h5', '*.hdf5'],
  matches: (file, head) => /\.(h5|hdf5)$/i.test(file) && hasHdf5Magic(head),
  async open(file): Promise<WeightFile> {
    return openH5(file, file, 'keras', async () => {});
  },
};

/** Inflation ratio refused for `.keras` members larger than KERAS_RATIO_FLOOR (real weights compress ~1.1:1). */
const KERAS_MAX_RATIO = 100;
const KERAS_RATIO_FLOOR = 256 * 1024 * 1024;

/** Keras 3 `.keras`: a zip whose `model.weights.h5` is copied to a temporary file for h5wasm. */
export const kerasZipReader: FormatReader = {
  id: 'keras',
  label: 'Keras 3 model',
  patterns: ['*.keras'],
  matches: (file, head) => path.extname(file).toLowerCase() === '.keras' && hasZipMagic(head),
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    let dir: string | undefined;
    const cleanup = async () => {
      if (dir) await fs.rm(dir, { recursive: true, force: true });
    };
    try {
      const zip = await ZipArchive.open(source);
      const entry = zip.find('model.weights.h5');
      if (!entry) throw source.error('no model.weights.h5 in this .keras archive');
      if (entry.size > MAX_INFLATED * 64)
        throw source.error(`model.weights.h5 declares ${entry.size} bytes`, entry.name);
      const start = await zip.dataOffset(entry);
      // Extraction writes to disk: a large member that would inflate over 100:1 is refused up front.
      if (
        entry.method !== 0 &&
        entry.size > KERAS_RATIO_FLOOR &&
        entry.size > KERAS_MAX_RATIO * entry.compressedSize
      ) {
        throw new WeightFileError(
          file,
          `declares ${entry.size} bytes from ${entry.compressedSize} compressed, over 100:1: refused as a zip bomb`,
          entry.name,
          start,
        );
      }
      dir = await fs.mkdtemp(path.join(os.tmpdir(), 'rmt-lens-'));
      const target = path.join(dir, 'model.weights.h5');
      await extract(file, entry.method, start, entry.compressedSize, entry.size, target);
      await source.close();
      return await openH5(file, target, 'keras', cleanup);
    } catch (err) {
      await source.close().catch(() => undefined);
      await cleanup();
      throw err;
    }
  },
};

/** Streams a member to `target` (stored: a byte range; deflated: inflated, stopped at its declared size). */
async function extract(
  file: string,
  method: number,
  start: number,
  length: number,
  size: number,
  target: string,
) {
  const handle = await fs.open(file, 'r');
  try {
    const input = handle.createReadStream({
      start,
      end: length > 0 ? start + length - 1 : start,
      autoClose: false,
    });
    if (method === 0) {
      await pipeline(length > 0 ? input : Readable.from([]), createWriteStream(target));
      return;
    }
    if (method !== 8)
      throw new WeightFileError(file, `unsupported zip compression method ${method}`, 'model.weights.h5');
    let written = 0;
    const inflate = createInflateRaw();
    const limit = new Transform({
      transform(chunk: Buffer, _enc: string, done: (err?: Error | null, data?: Buffer) => void) {
        written += chunk.length;
        if (written > size)
          done(
            new WeightFileError(file, `inflates past its declared ${size} bytes`, 'model.weights.h5', start),
          );
        else done(null, chunk);
      },
    });
    try {
      await pipeline(input, inflate, limit, createWriteStream(target));
    } catch (err) {
      if (err instanceof WeightFileError) throw err;
      throw new WeightFileError(file, `cannot inflate: ${(err as Error).message}`, 'model.weights.h5', start);
    }
    if (written !== size) {
      throw new WeightFileError(
        file,
        `inflates to ${written} bytes, the directory says ${size}`,
        'model.weights.h5',
        start,
      );
    }
  } finally {
    await handle.close();
  }
}
