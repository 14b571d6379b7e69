import { inflateRawSync } from 'node:zlib';
import type { ByteSource } from './source';

/** One member of a zip archive, from the central directory. */
export interface ZipEntry {
  name: string;
  /** 0 = stored, 8 = deflated. */
  method: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
  /** Where the central directory record of this entry is (for messages). */
  recordOffset: number;
}

const EOCD_SIG = 0x06054b50;
const ZIP64_LOCATOR_SIG = 0x07064b50;
const ZIP64_EOCD_SIG = 0x06064b50;
const CENTRAL_SIG = 0x02014b50;
const LOCAL_SIG = 0x04034b50;
const MAX_ENTRIES = 1_000_000;
/** The most bytes one member may inflate to (beyond this it is refused as a zip bomb). */
export const MAX_INFLATED = 1 << 30;

export function hasZipMagic(head: Uint8Array): boolean {
  return (
    head[0] === 0x50 &&
    head[1] === 0x4b &&
    (head[2] === 3 || head[2] === 5) &&
    (head[3] === 4 || head[3] === 6)
  );
}

/**
 * The index of a zip archive: reads the end-of-central-directory record (zip64 too) and the central directory,
 * never the members themselves; members are then read by byte range.
 */
export class ZipArchive {
  private constructor(
    readonly source: ByteSource,
    readonly entries: ZipEntry[],
  ) {}

  static async open(source: ByteSource): Promise<ZipArchive> {
    const { cdOffset, cdSize, count } = await findCentralDirectory(source);
    if (count > MAX_ENTRIES) throw source.error(`zip declares ${count} entries`, undefined, cdOffset);
    const cd = await source.read(cdOffset, cdSize, { what: 'zip central directory' });
    const view = new DataView(cd.buffer, cd.byteOffset, cd.byteLength);
    const entries: ZipEntry[] = [];
    const utf8 = new TextDecoder('utf-8');
    let p = 0;
    for (let i = 0; i < count; i++) {
      const at = cdOffset + p;
      if (p + 46 > cd.length || view.getUint32(p, true) !== CENTRAL_SIG) {
        throw source.error('corrupt zip central directory record', undefined, at);
      }
      const method = view.getUint16(p + 10, true);
      let compressedSize = view.getUint32(p + 20, true);
      let size = view.getUint32(p + 24, true);
      const nameLen = view.getUint16(p + 28, true);
      const extraLen = view.getUint16(p + 30, true);
      const commentLen = view.getUint16(p + 32, true);
      let localHeaderOffset = view.getUint32(p + 42, true);
      const end = p + 46 + nameLen + extraLen + commentLen;
      if (end > cd.length)
        throw source.error('zip central directory record runs past its end', undefined, at);
      const name = utf8.decode(cd.subarray(p + 46, p + 46 + nameLen));
      // zip64 extended information: the fields that are 0xFFFFFFFF, in this order
      let q = p + 46 + nameLen;
      const extraEnd = q + extraLen;
      while (q + 4 <= extraEnd) {
        const id = view.getUint16(q, true);
        const len = view.getUint16(q + 2, true);
        if (q + 4 + len > extraEnd) throw source.error('corrupt zip extra field', name, cdOffset + q);
        if (id === 0x0001) {
          let r = q + 4;
          const next = (): number => {
            if (r + 8 > q + 4 + len) throw source.error('short zip64 extra field', name, cdOffset + q);
            const v = Number(view.getBigUint64(r, true));
            r += 8;
            return v;
          };
          if (size === 0xffffffff) size = next();
          if (compressedSize === 0xffffffff) compressedSize = next();
          if (localHeaderOffset === 0xffffffff) localHeaderOffset = next();
        }
        q += 4 + len;
      }
      if (localHeaderOffset + 30 > source.size || compressedSize > source.size) {
        throw source.error('zip entry points outside the file', name, at);
      }
      entries.push({ name, method, compressedSize, size, localHeaderOffset, recordOffset: at });
      p = end;
    }
    return new ZipArchive(source, entries);
  }

  find(name: string): ZipEntry | undefined {
    return this.entries.find((e) => e.name === name);
  }

  /** Byte offset in the archive of a member's data (after its local header), checked against the file size. */
  async dataOffset(entry: ZipEntry): Promise<number> {
    const h = await this.source.read(entry.localHeaderOffset, 30, {
      tensor: entry.name,
      what: 'zip local header',
    });
    const view = new DataView(h.buffer);
    if (view.getUint32(0, true) !== LOCAL_SIG) {
      throw this.source.error('bad zip local header signature', entry.name, entry.localHeaderOffset);
    }
    const start = entry.localHeaderOffset + 30 + view.getUint16(26, true) + view.getUint16(28, true);
    this.source.check(start, entry.compressedSize, { tensor: entry.name, what: 'zip member' });
    return start;
  }

  /** A stored member's data as a byte range of the archive (for lazy reads); undefined when compressed. */
  async storedRange(entry: ZipEntry): Promise<{ offset: number; length: number } | undefined> {
    if (entry.method !== 0) return undefined;
    if (entry.size !== entry.compressedSize) {
      throw this.source.error('stored zip member with different sizes', entry.name, entry.recordOffset);
    }
    return { offset: await this.dataOffset(entry), length: entry.size };
  }

  /** Reads a whole member (inflating it if needed), refusing more than `limit` bytes. */
  async read(entry: ZipEntry, limit = MAX_INFLATED): Promise<Uint8Array> {
    if (entry.size > limit) {
      throw this.source.error(
        `zip member declares ${entry.size} bytes (limit ${limit})`,
        entry.name,
        entry.recordOffset,
      );
    }
    const start = await this.dataOffset(entry);
    const raw = await this.source.read(start, entry.compressedSize, {
      tensor: entry.name,
      what: 'zip member',
    });
    if (entry.method === 0) return raw;
    if (entry.method !== 8) {
      throw this.source.error(
        `unsupported zip compression method ${entry.method}`,
        entry.name,
        entry.localHeaderOffset,
      );
    }
    let out: Buffer;
    try {
      // A member that inflates past its declared size is a zip bomb or corrupt: stop there.
      out = inflateRawSync(raw, { maxOutputLength: Math.max(1, entry.size) });
    } catch (err) {
      throw this.source.error(`cannot inflate zip member: ${(err as Error).message}`, entry.name, start);
    }
    if (out.length !== entry.size) {
      throw this.source.error(
        `zip member inflates to ${out.length} bytes, the directory says ${entry.size}`,
        entry.name,
        start,
      );
    }
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }
}

async function findCentralDirectory(
  source: ByteSource,
): Promise<{ cdOffset: number; cdSize: number; count: number }> {
  const tailLen = Math.min(source.size, 22 + 0xffff);
  const tailStart = source.size - tailLen;
  const tail = await source.read(tailStart, tailLen, { what: 'zip end record' });
  const view = new DataView(tail.buffer);
  let eocd = -1;
  for (let p = tail.length - 22; p >= 0; p--) {
    if (view.getUint32(p, true) === EOCD_SIG) {
      eocd = p;
      break;
    }
  }
  if (eocd < 0)
    throw source.error('no zip end-of-central-directory record (truncated?)', undefined, tailStart);
  let count = view.getUint16(eocd + 10, true);
  let cdSize = view.getUint32(eocd + 12, true);
  let cdOffset = view.getUint32(eocd + 16, true);
  const locator = eocd - 20;
  if (locator >= 0 && view.getUint32(locator, true) === ZIP64_LOCATOR_SIG) {
    const z64 = Number(view.getBigUint64(locator + 8, true));
    const rec = await source.read(z64, 56, { what: 'zip64 end record' });
    const rv = new DataView(rec.buffer);
    if (rv.getUint32(0, true) !== ZIP64_EOCD_SIG) throw source.error('bad zip64 end record', undefined, z64);
    count = Number(rv.getBigUint64(32, true));
    cdSize = Number(rv.getBigUint64(40, true));
    cdOffset = Number(rv.getBigUint64(48, true));
  }
  source.check(cdOffset, cdSize, { what: 'zip central directory' });
  return { cdOffset, cdSize, count };
}
