import * as path from 'node:path';
import { dtypeSize, numel } from './dtypes';
import { ByteSource } from './source';
import {
  checkShape,
  contiguousRawReader,
  contiguousReader,
  createWeightFile,
  type TensorEntry,
} from './tensor';
import type { FormatReader, TensorInfo, WeightFile } from './types';

/** The safetensors reference implementation refuses headers above 100 MB. */
const MAX_HEADER = 100 * 1024 * 1024;

/** Opens an open ByteSource as safetensors (used for single files and for shards). */
export async function openSafetensorsSource(source: ByteSource): Promise<{
  entries: TensorEntry[];
  metadata: Record<string, string>;
}> {
  const fail = (detail: string, tensor?: string, offset?: number) => source.error(detail, tensor, offset);
  if (source.size < 8) throw fail('too short for a safetensors header', undefined, 0);
  const lenBytes = await source.read(0, 8);
  const headerLen = Number(new DataView(lenBytes.buffer).getBigUint64(0, true));
  if (headerLen > MAX_HEADER) throw fail(`header length ${headerLen} exceeds the 100 MB limit`, undefined, 0);
  source.check(8, headerLen, { what: 'header' });
  const headerBytes = await source.read(8, headerLen, { what: 'header' });
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(headerBytes));
  } catch (err) {
    throw fail(`header is not valid JSON: ${(err as Error).message}`, undefined, 8);
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw fail('header is not a JSON object', undefined, 8);
  }
  const dataStart = 8 + headerLen;
  const dataSize = source.size - dataStart;
  const metadata: Record<string, string> = {};
  const entries: TensorEntry[] = [];
  const spans: Array<{ name: string; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (typeof value !== 'object' || value === null)
        throw fail('__metadata__ is not an object', undefined, 8);
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        metadata[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      continue;
    }
    if (typeof value !== 'object' || value === null) throw fail('entry is not an object', name, 8);
    const { dtype, shape, data_offsets: offsets } = value as Record<string, unknown>;
    if (typeof dtype !== 'string') throw fail(`invalid dtype ${JSON.stringify(dtype)}`, name, 8);
    const dims = checkShape(source.path, name, shape, 8);
    if (
      !Array.isArray(offsets) ||
      offsets.length !== 2 ||
      !offsets.every((o) => typeof o === 'number' && Number.isSafeInteger(o) && o >= 0) ||
      offsets[0] > offsets[1]
    ) {
      throw fail(`invalid data_offsets ${JSON.stringify(offsets)}`, name, 8);
    }
    const [begin, end] = offsets as number[];
    if (end > dataSize) {
      throw fail(
        `data_offsets [${begin}, ${end}] run past the end of the data (${dataSize} bytes)`,
        name,
        dataStart + begin,
      );
    }
    const info: TensorInfo = {
      name,
      dtype,
      shape: dims,
      byteOffset: dataStart + begin,
      byteLength: end - begin,
      layout: 'torch',
    };
    const size = dtypeSize(dtype);
    if (size === undefined) {
      info.unsupported = `dtype ${dtype} is not supported`;
    } else if (numel(dims) * size !== end - begin) {
      throw fail(
        `shape [${dims.join(', ')}] of ${dtype} needs ${numel(dims) * size} bytes, data_offsets give ${end - begin}`,
        name,
        dataStart + begin,
      );
    }
    spans.push({ name, begin, end });
    entries.push({
      info,
      read: info.unsupported
        ? async () => {
            throw fail(info.unsupported as string, name, info.byteOffset);
          }
        : contiguousReader(source, info, dataStart + begin, dtype),
      readRaw: info.unsupported ? undefined : contiguousRawReader(source, info, dataStart + begin, dtype),
    });
  }
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i].begin < spans[i - 1].end) {
      throw fail(`data overlaps tensor '${spans[i - 1].name}'`, spans[i].name, dataStart + spans[i].begin);
    }
  }
  return { entries, metadata };
}

export const safetensorsReader: FormatReader = {
  id: 'safetensors',
  label: 'safetensors',
  patterns: ['*.safetensors'],
  matches: (file) => path.extname(file).toLowerCase() === '.safetensors',
  async open(file): Promise<WeightFile> {
    const source = await ByteSource.open(file);
    try {
      const { entries, metadata } = await openSafetensorsSource(source);
      return createWeightFile({
        path: file,
        format: 'safetensors',
        entries,
        metadata,
        close: () => source.close(),
      });
    } catch (err) {
      await source.close();
      throw err;
    }
  },
};
