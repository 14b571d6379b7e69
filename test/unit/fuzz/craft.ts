/** Hand-made hostile files for the fuzz tests: zip archives, pickles, and the check that a file is refused. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { crc32, deflateRawSync } from 'node:zlib';
import { WeightFileError } from '../../../src/formats/errors';
import { openWeightFile } from '../../../src/formats/registry';
import type { OpenOptions } from '../../../src/formats/types';

/** A scratch folder, removed by `dispose`. */
export function scratchDir(prefix: string): {
  dir: string;
  write(name: string, bytes: Uint8Array | string): string;
  dispose(): void;
} {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  return {
    dir,
    write(name, bytes) {
      const p = path.join(dir, name);
      writeFileSync(p, bytes);
      return p;
    },
    dispose: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export interface Member {
  name: string;
  data: Buffer;
  /** Store (default) or deflate. */
  deflate?: boolean;
  /** Uncompressed size to declare in the directory (default: the real one). */
  declaredSize?: number;
}

/** A zip archive; members are stored unless `deflate` is set, sizes as declared. */
export function zip(members: Member[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const n = Buffer.from(m.name);
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const size = m.declaredSize ?? m.data.length;
    const method = m.deflate ? 8 : 0;
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(method, 8);
    local.writeUInt32LE(crc32(m.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(n.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(method, 10);
    c.writeUInt32LE(crc32(m.data), 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(size, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(local, n, body);
    central.push(c, n);
    offset += 30 + n.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

/** A torch.save zip archive whose data.pkl is `pickle`. */
export function torchZip(pickle: Buffer, storages: Record<string, Buffer> = {}): Buffer {
  return zip([
    { name: 'archive/data.pkl', data: pickle },
    { name: 'archive/version', data: Buffer.from('3\n') },
    ...Object.entries(storages).map(([k, data]) => ({ name: `archive/data/${k}`, data })),
  ]);
}

/** Protocol-2 pickles of the legacy format's preamble: magic number, protocol 1001, an empty sys_info. */
const LEGACY_MAGIC = Buffer.from([
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, 0x2e,
]);
const LEGACY_PROTOCOL = Buffer.from([0x80, 0x02, 0x4d, 0xe9, 0x03, 0x2e]); // BININT2 1001, STOP
const EMPTY_DICT = Buffer.from([0x80, 0x02, 0x7d, 0x2e]);
const EMPTY_LIST = Buffer.from([0x80, 0x02, 0x5d, 0x2e]);

/** A legacy (pre-1.6) torch.save file whose main pickle is `pickle` (or whose sys_info pickle is, `at`). */
export function torchLegacy(pickle: Buffer, at: 'main' | 'sysInfo' = 'main'): Buffer {
  return at === 'main'
    ? Buffer.concat([LEGACY_MAGIC, LEGACY_PROTOCOL, EMPTY_DICT, pickle, EMPTY_LIST])
    : Buffer.concat([LEGACY_MAGIC, LEGACY_PROTOCOL, pickle, EMPTY_DICT, EMPTY_LIST]);
}

/** Opens `file`, reads every tensor, and returns the WeightFileError it must raise (fails the test otherwise). */
export async function refusal(file: string, options: OpenOptions = {}): Promise<WeightFileError> {
  try {
    const f = await openWeightFile(file, options);
    try {
      for (const t of f.tensors) await f.read(t.name);
    } finally {
      await f.close();
    }
  } catch (err) {
    assert.ok(err instanceof WeightFileError, `not a WeightFileError: ${(err as Error)?.stack}`);
    assert.ok(err.message.startsWith(path.basename(err.file)), err.message);
    return err;
  }
  assert.fail(`${path.basename(file)} opened without error`);
}

/** Time of an async call in milliseconds, with its result. */
export async function timed<T>(f: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const t0 = performance.now();
  const value = await f();
  return { ms: performance.now() - t0, value };
}
