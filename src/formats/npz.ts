import * as path from 'node:path';
import { constants, inflateRawSync } from 'node:zlib';
import { decode } from './dtypes';
import {
  fortranToC,
  npyPreambleLength,
  npyTensorInfo,
  npyTensorReader,
  parseNpyHeader,
  type NpyHeader,
} from './npy';
import { ByteSource } from './source';
import { createWeightFile, sliceRows, type TensorEntry } from './tensor';
import type { FormatReader, WeightFile } from './types';
import { hasZipMagic, ZipArchive, type ZipEntry } from './zip';

/** The first bytes of a deflated member, enough to hold its .npy header. */
async function inflatedHead(zip: ZipArchive, entry: ZipEntry, start: number): Promise<Uint8Array> {
  let take = Math.min(entry.compressedSize, 4096);
  for (;;) {
    const raw = await zip.source.read(start, take, { tensor: entry.name, what: 'zip member' });
    let head: Buffer;
    try {
      // A partial inflate of at most 4 KiB per 4 KiB read (deflate cannot expand more than ~1032×).
      head = inflateRawSync(raw, {
        finishFlush: constants.Z_SYNC_FLUSH,
        maxOutputLength: 1032 * take + 1024,
      });
    } catch (err) {
      throw zip.source.error(`cannot inflate zip member: ${(err as Error).message}`, entry.name, start);
    }
    const bytes = new Uint8Array(head.buffer, head.byteOffset, head.byteLength);
    if (bytes.length >= 12 && bytes.length >= npyPreambleLength(bytes, zip.source.path, entry.name, start))
      return bytes;
    if (take === entry.compressedSize) return bytes;
    take = Math.min(entry.compressedSize, take * 4);
  }
}

export const npzReader: FormatReader = {
  id: 'npz',
  label: 'NumPy archive',
  patterns: ['*.npz'],
  matches: (file, head) => path.extname(file).toLowerCase() === '.npz' && hasZipMagic(head),
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      const zip = await ZipArchive.open(source);
      const entries: TensorEntry[] = [];
      for (const entry of zip.entries) {
        if (!entry.name.endsWith('.npy')) continue;
        const name = entry.name.slice(0, -4);
        const start = await zip.dataOffset(entry);
        if (entry.method === 0) {
          const head = await source.read(start, Math.min(12, entry.size), {
            tensor: name,
            what: '.npy header',
          });
          const preamble = npyPreambleLength(head, file, name, start);
          if (preamble > entry.size) throw source.error('.npy header runs past its zip member', name, start);
          const header = parseNpyHeader(await source.read(start, preamble), file, name, start);
          const info = npyTensorInfo(
            file,
            name,
            header,
            start + header.dataOffset,
            entry.size - header.dataOffset,
          );
          entries.push({ info, read: npyTensorReader(source, info, header, start) });
        } else {
          const head = await inflatedHead(zip, entry, start);
          const header = parseNpyHeader(head, file, name, start);
          const info = npyTensorInfo(file, name, header, start, entry.size - header.dataOffset);
          entries.push({ info, read: deflatedReader(zip, entry, header, info.byteLength ?? 0, info.shape) });
        }
      }
      return createWeightFile({ path: file, format: 'npz', entries, close: () => source.close() });
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};

function deflatedReader(
  zip: ZipArchive,
  entry: ZipEntry,
  header: NpyHeader,
  byteLength: number,
  shape: number[],
) {
  return async (rows: { start: number; end: number }) => {
    const member = await zip.read(entry, header.dataOffset + byteLength + 64);
    const bytes = member.subarray(header.dataOffset, header.dataOffset + byteLength);
    let all = decode(bytes, header.dtype, header.littleEndian);
    if (header.fortranOrder) all = fortranToC(all, shape);
    return sliceRows(all, shape, rows);
  };
}
