import { constants, promises as fs } from 'node:fs';
import { WeightFileError } from './errors';

/** Where a read is for, so that errors name the tensor. */
export interface ReadContext {
  tensor?: string;
  what?: string;
  /** A buffer the caller reuses: read into it when it is large enough (the result is a view of it). */
  into?: Uint8Array;
}

/** The largest single read a reader may ask for (a tensor bigger than this is read by rows). */
export const MAX_READ_BYTES = 2 ** 31 - 1;

/**
 * A file opened for reading by byte range. Every read is checked against the file's size,
 * so a lying length or offset gives a WeightFileError instead of garbage or a hang.
 */
export class ByteSource {
  private constructor(
    readonly path: string,
    readonly size: number,
    private readonly handle: fs.FileHandle,
  ) {}

  static async open(path: string): Promise<ByteSource> {
    let handle: fs.FileHandle;
    try {
      // O_NONBLOCK: opening a FIFO (a named pipe posing as a weight file) must not wait for a writer
      handle = await fs.open(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
    } catch (err) {
      throw new WeightFileError(path, `cannot open: ${(err as Error).message}`);
    }
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) throw new WeightFileError(path, 'not a regular file');
      return new ByteSource(path, stat.size, handle);
    } catch (err) {
      await handle.close();
      throw err;
    }
  }

  /** Throws unless [offset, offset + length) lies inside the file. */
  check(offset: number, length: number, ctx: ReadContext = {}): void {
    if (!Number.isSafeInteger(offset) || offset < 0) {
      throw this.error(`invalid ${ctx.what ?? 'offset'} ${offset}`, ctx.tensor, offset);
    }
    if (!Number.isSafeInteger(length) || length < 0) {
      throw this.error(`invalid ${ctx.what ?? 'length'} ${length}`, ctx.tensor, offset);
    }
    if (offset + length > this.size) {
      const what = ctx.what ? `${ctx.what} ` : '';
      throw this.error(
        `${what}of ${length} bytes at ${offset} runs past the end of the file (${this.size} bytes)`,
        ctx.tensor,
        offset,
      );
    }
  }

  /** Reads exactly `length` bytes at `offset`. */
  async read(offset: number, length: number, ctx: ReadContext = {}): Promise<Uint8Array> {
    this.check(offset, length, ctx);
    if (length > MAX_READ_BYTES) {
      throw this.error(`a single read of ${length} bytes is too large; read by rows`, ctx.tensor, offset);
    }
    const out = ctx.into && ctx.into.length >= length ? ctx.into.subarray(0, length) : new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(out, done, length - done, offset + done);
      if (bytesRead === 0) throw this.error('file shrank while reading', ctx.tensor, offset + done);
      done += bytesRead;
    }
    return out;
  }

  /** Reads up to `length` bytes at `offset` (fewer at the end of the file). */
  async readAtMost(offset: number, length: number): Promise<Uint8Array> {
    const n = Math.max(0, Math.min(length, this.size - offset));
    return this.read(offset, n);
  }

  error(detail: string, tensor?: string, offset?: number): WeightFileError {
    return new WeightFileError(this.path, detail, tensor, offset);
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
}

/**
 * Random access to small fields of a file (headers, flatbuffer tables), through a bounded cache of pages,
 * so that parsing a header reads only the pages it touches. All reads are bounds-checked.
 */
export class PagedReader {
  private readonly pages = new Map<number, Uint8Array>();

  constructor(
    readonly source: ByteSource,
    private readonly pageSize = 1 << 16,
    private readonly maxPages = 256,
  ) {}

  async bytes(offset: number, length: number, ctx: ReadContext = {}): Promise<Uint8Array> {
    this.source.check(offset, length, ctx);
    if (length > this.pageSize) return this.source.read(offset, length, ctx);
    const first = Math.floor(offset / this.pageSize);
    const last = Math.floor((offset + length - 1) / this.pageSize);
    if (length === 0) return new Uint8Array(0);
    if (first === last) {
      const page = await this.page(first);
      const at = offset - first * this.pageSize;
      return page.subarray(at, at + length);
    }
    const out = new Uint8Array(length);
    for (let p = first; p <= last; p++) {
      const page = await this.page(p);
      const start = Math.max(offset, p * this.pageSize);
      const end = Math.min(offset + length, (p + 1) * this.pageSize);
      out.set(page.subarray(start - p * this.pageSize, end - p * this.pageSize), start - offset);
    }
    return out;
  }

  async view(offset: number, length: number, ctx: ReadContext = {}): Promise<DataView> {
    const b = await this.bytes(offset, length, ctx);
    return new DataView(b.buffer, b.byteOffset, b.byteLength);
  }

  async u8(offset: number, ctx?: ReadContext): Promise<number> {
    return (await this.bytes(offset, 1, ctx))[0];
  }
  async u16(offset: number, ctx?: ReadContext): Promise<number> {
    return (await this.view(offset, 2, ctx)).getUint16(0, true);
  }
  async u32(offset: number, ctx?: ReadContext): Promise<number> {
    return (await this.view(offset, 4, ctx)).getUint32(0, true);
  }
  async i32(offset: number, ctx?: ReadContext): Promise<number> {
    return (await this.view(offset, 4, ctx)).getInt32(0, true);
  }
  /** An unsigned 64-bit value; above 2^53 it is returned as Infinity so that every size check fails. */
  async u64(offset: number, ctx?: ReadContext): Promise<number> {
    const v = (await this.view(offset, 8, ctx)).getBigUint64(0, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? Infinity : Number(v);
  }

  private async page(index: number): Promise<Uint8Array> {
    let page = this.pages.get(index);
    if (page) {
      this.pages.delete(index); // re-insert: most recently used last
      this.pages.set(index, page);
      return page;
    }
    page = await this.source.readAtMost(index * this.pageSize, this.pageSize);
    if (this.pages.size >= this.maxPages) this.pages.delete(this.pages.keys().next().value as number);
    this.pages.set(index, page);
    return page;
  }
}
