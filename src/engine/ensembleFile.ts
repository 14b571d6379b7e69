// Writes generated ensembles as .npy, .npz or .safetensors (float64; complex128 where numpy has it).
//
// Layout, for every format: matrices of one shape are stacked as `ensemble` with shape [K, N, M],
// or [N, M] when K = 1. Complex ensembles are complex128 in .npy/.npz; safetensors has no complex
// dtype, so there they are two float64 tensors `ensemble.real` and `ensemble.imag`. Matrices of
// different sizes (MME) are `matrix_000`, `matrix_001`, … (not possible in a single .npy).
import { writeFile } from 'node:fs/promises';
import * as path from 'node:path';
import {
  generateEnsemble,
  type EnsembleMatrix,
  type EnsembleOptions,
  type EnsembleType,
} from '../rmt/ensembles';

export type EnsembleFormat = 'npy' | 'npz' | 'safetensors';

export function ensembleFormatOf(file: string): EnsembleFormat {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.npy') return 'npy';
  if (ext === '.npz') return 'npz';
  if (ext === '.safetensors') return 'safetensors';
  throw new Error(`${file}: the ensemble file must end in .npy, .npz or .safetensors`);
}

/** What regenerates the file, stored in the safetensors `__metadata__`. */
export function ensembleMetadata(
  type: EnsembleType,
  n: number,
  m: number | undefined,
  count: number,
  seed: number,
  options: EnsembleOptions = {},
): Record<string, string> {
  return {
    generator: 'rmt-lens ensembles (xoshiro128** seeded by SplitMix64, Box–Muller normals)',
    type,
    n: String(n),
    m: String(m ?? n),
    count: String(count),
    seed: String(seed),
    options: JSON.stringify(options),
  };
}

/** Everything that defines an ensemble file; the same request always writes the same bytes. */
export interface EnsembleFileRequest {
  type: EnsembleType;
  n: number;
  /** Columns (defaults to n); ignored by the square ensembles. */
  m?: number;
  count: number;
  seed: number;
  /** Destination; its extension (.npy, .npz, .safetensors) picks the format. */
  out: string;
  options?: EnsembleOptions;
}

/** Generates the ensemble and writes it to `request.out`. */
export async function writeEnsemble(request: EnsembleFileRequest): Promise<void> {
  const format = ensembleFormatOf(request.out);
  const { type, n, m, count, seed, options } = request;
  const matrices = generateEnsemble(type, n, m, count, seed, options);
  await writeFile(
    request.out,
    encodeEnsemble(matrices, format, ensembleMetadata(type, n, m, count, seed, options)),
  );
}

export async function writeEnsembleFile(
  file: string,
  matrices: EnsembleMatrix[],
  metadata: Record<string, string> = {},
): Promise<void> {
  await writeFile(file, encodeEnsemble(matrices, ensembleFormatOf(file), metadata));
}

interface Tensor {
  name: string;
  shape: number[];
  complex: boolean;
  /** Interleaved (re, im) when complex. */
  data: Float64Array;
}

export function encodeEnsemble(
  matrices: EnsembleMatrix[],
  format: EnsembleFormat,
  metadata: Record<string, string> = {},
): Uint8Array {
  if (matrices.length === 0) throw new Error('no matrices to write');
  const tensors = ensembleTensors(matrices);
  switch (format) {
    case 'npy':
      if (tensors.length !== 1)
        throw new Error('matrices of different sizes cannot go into one .npy; use .npz or .safetensors');
      return encodeNpy(tensors[0]);
    case 'npz':
      return encodeZip(tensors.map((t) => ({ name: `${t.name}.npy`, data: encodeNpy(t) })));
    case 'safetensors':
      return encodeSafetensors(tensors, metadata);
  }
}

function ensembleTensors(matrices: EnsembleMatrix[]): Tensor[] {
  const complex = matrices.some((m) => m.im !== undefined);
  const values = (m: EnsembleMatrix): Float64Array => {
    if (!complex) return m.re;
    const out = new Float64Array(2 * m.re.length);
    for (let i = 0; i < m.re.length; i++) {
      out[2 * i] = m.re[i];
      out[2 * i + 1] = m.im ? m.im[i] : 0;
    }
    return out;
  };
  const sameShape = matrices.every((m) => m.rows === matrices[0].rows && m.cols === matrices[0].cols);
  if (!sameShape) {
    const width = Math.max(3, String(matrices.length - 1).length);
    return matrices.map((m, k) => ({
      name: `matrix_${String(k).padStart(width, '0')}`,
      shape: [m.rows, m.cols],
      complex,
      data: values(m),
    }));
  }
  const { rows, cols } = matrices[0];
  const per = rows * cols * (complex ? 2 : 1);
  const data = new Float64Array(per * matrices.length);
  matrices.forEach((m, k) => data.set(values(m), k * per));
  const shape = matrices.length === 1 ? [rows, cols] : [matrices.length, rows, cols];
  return [{ name: 'ensemble', shape, complex, data }];
}

function littleEndianBytes(data: Float64Array): Uint8Array {
  const out = new Uint8Array(data.length * 8);
  const view = new DataView(out.buffer);
  for (let i = 0; i < data.length; i++) view.setFloat64(8 * i, data[i], true);
  return out;
}

/** .npy version 1.0: magic, header length, a Python dict literal padded so the data starts at a multiple of 64. */
export function encodeNpy(t: Tensor): Uint8Array {
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${t.complex ? '<c16' : '<f8'}', 'fortran_order': False, 'shape': ${shape}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + t.data.length * 8);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), 10);
  out.set(littleEndianBytes(t.data), 10 + header.length);
  return out;
}

function encodeSafetensors(tensors: Tensor[], metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = {};
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const parts: Float64Array[] = [];
  let offset = 0;
  const add = (name: string, shape: number[], data: Float64Array): void => {
    header[name] = { dtype: 'F64', shape, data_offsets: [offset, offset + data.length * 8] };
    offset += data.length * 8;
    parts.push(data);
  };
  for (const t of tensors) {
    if (!t.complex) add(t.name, t.shape, t.data);
    else {
      const half = t.data.length / 2;
      const re = new Float64Array(half);
      const im = new Float64Array(half);
      for (let i = 0; i < half; i++) {
        re[i] = t.data[2 * i];
        im[i] = t.data[2 * i + 1];
      }
      add(`${t.name}.real`, t.shape, re);
      add(`${t.name}.imag`, t.shape, im);
    }
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const jsonBytes = Buffer.from(json, 'utf8');
  const out = new Uint8Array(8 + jsonBytes.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(jsonBytes.length), true);
  out.set(jsonBytes, 8);
  let position = 8 + jsonBytes.length;
  for (const p of parts) {
    out.set(littleEndianBytes(p), position);
    position += p.length * 8;
  }
  return out;
}

// ---- a minimal zip writer: stored (uncompressed) entries, as numpy.savez writes them ----

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function encodeZip(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const chunks: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const entry of entries) {
    const name = Buffer.from(entry.name, 'utf8');
    if (entry.data.length >= 0xffffffff || offset >= 0xffffffff)
      throw new Error('ensemble too large for a .npz (zip64 not supported)');
    const crc = crc32(entry.data);
    const local = new Uint8Array(30 + name.length);
    const lv = new DataView(local.buffer);
    lv.setUint32(0, 0x04034b50, true);
    lv.setUint16(4, 20, true);
    lv.setUint16(6, 0, true);
    lv.setUint16(8, 0, true); // stored
    lv.setUint16(10, 0, true);
    lv.setUint16(12, 0x21, true); // 1980-01-01
    lv.setUint32(14, crc, true);
    lv.setUint32(18, entry.data.length, true);
    lv.setUint32(22, entry.data.length, true);
    lv.setUint16(26, name.length, true);
    lv.setUint16(28, 0, true);
    local.set(name, 30);
    const header = new Uint8Array(46 + name.length);
    const cv = new DataView(header.buffer);
    cv.setUint32(0, 0x02014b50, true);
    cv.setUint16(4, 20, true);
    cv.setUint16(6, 20, true);
    cv.setUint16(8, 0, true);
    cv.setUint16(10, 0, true);
    cv.setUint16(12, 0, true);
    cv.setUint16(14, 0x21, true);
    cv.setUint32(16, crc, true);
    cv.setUint32(20, entry.data.length, true);
    cv.setUint32(24, entry.data.length, true);
    cv.setUint16(28, name.length, true);
    cv.setUint32(42, offset, true);
    header.set(name, 46);
    central.push(header);
    chunks.push(local, entry.data);
    offset += local.length + entry.data.length;
  }
  const centralSize = central.reduce((s, c) => s + c.length, 0);
  const end = new Uint8Array(22);
  const ev = new DataView(end.buffer);
  ev.setUint32(0, 0x06054b50, true);
  ev.setUint16(8, entries.length, true);
  ev.setUint16(10, entries.length, true);
  ev.setUint32(12, centralSize, true);
  ev.setUint32(16, offset, true);
  const out = new Uint8Array(offset + centralSize + 22);
  let p = 0;
  for (const c of [...chunks, ...central, end]) {
    out.set(c, p);
    p += c.length;
  }
  return out;
}
