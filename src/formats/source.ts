import { promises as fs } from 'node:fs';
import { WeightFileError } from './errors';

/** Where a read is for, so that errors name the tensor. */
export interface ReadContext {
  tensor?: string;
  what?: string;
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
      handle = await fs.open(path, 'r');
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
    const out = new Uint8Array(length);
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
