import { createWriteStream, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable, Transform } from 'node:stream';
import { createInflateRaw } from 'node:zlib';
import { decode } from './dtypes';
import { WeightFileError } from './errors';
import { openHdf5 } from './h5client';
import { ByteSource, MAX_READ_BYTES } from './source';
import { checkShape, createWeightFile, type TensorEntry } from './tensor';
import type { FormatReader, TensorInfo, WeightFile } from './types';
import { hasZipMagic, MAX_INFLATED, ZipArchive } from './zip';

const H5_MAGIC = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

export function hasHdf5Magic(head: Uint8Array): boolean {
  return H5_MAGIC.every((b, i) => head[i] === b);
}

/**
 * A Keras HDF5 file: h5wasm lists and reads it in the HDF5 worker (h5client.ts), so a corrupt file that
 * sends HDF5 into an endless loop costs a bounded time and a clear error, never a hung thread. Elements
 * arrive as raw bytes of their own size (HDF5 converts to the native little-endian order) and are decoded
 * by our own dtype code: h5wasm's typed-array path has no float16.
 */
async function openH5(
  file: string,
  h5path: string,
  format: string,
  cleanup: () => Promise<void>,
): Promise<WeightFile> {
  const h5 = await openHdf5(file, h5path);
  try {
    const entries: TensorEntry[] = h5.datasets.map((d) => {
      const shape = checkShape(file, d.name, d.shape ?? []);
      const info: TensorInfo = { name: d.name, dtype: d.dtype ?? 'OTHER', shape, layout: 'keras' };
      if (!d.dtype) info.unsupported = 'HDF5 datatype is not numeric';
      return {
        info,
        read: async ({ start, end }) => {
          if (info.unsupported) throw new WeightFileError(file, info.unsupported, d.name);
          const count = shape.length ? [end - start, ...shape.slice(1)] : [];
          const bytes = d.elementSize * count.reduce((a, b) => a * b, 1);
          if (bytes > MAX_READ_BYTES)
            throw new WeightFileError(file, `HDF5: a read of ${bytes} bytes is too large`, d.name);
          const selection = shape.length > 0;
          const raw = await h5.read(
            d.name,
            selection ? count : null,
            selection ? [start, ...shape.slice(1).map(() => 0)] : null,
            bytes,
          );
          return decode(raw, info.dtype);
        },
      };
    });
    return createWeightFile({
      path: file,
      format,
      entries,
      metadata: h5.metadata,
      close: async () => {
        await h5.close();
        await cleanup();
      },
    });
  } catch (err) {
    await h5.close();
    throw err;
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
