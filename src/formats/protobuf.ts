import type { ByteSource } from './source';

/** Wire types of the protobuf encoding. */
export const VARINT = 0;
export const I64 = 1;
export const LEN = 2;
export const I32 = 5;

/**
 * Walks protobuf fields straight from a file, a window of bytes at a time: big fields (tensor data) are
 * skipped by offset, never read. Every length is checked against the enclosing message and the file.
 */
export class ProtoReader {
  private buf: Uint8Array = new Uint8Array(0);
  private bufStart = 0;

  constructor(
    readonly source: ByteSource,
    public pos: number,
    private readonly window = 1 << 16,
  ) {}

  /** Makes bytes [pos, pos + n) available (n clipped to `end`). */
  private async fill(n: number, end: number): Promise<void> {
    const want = Math.min(n, end - this.pos);
    if (this.pos >= this.bufStart && this.pos + want <= this.bufStart + this.buf.length) return;
    const len = Math.min(Math.max(want, this.window), this.source.size - this.pos);
    if (len < want) throw this.source.error('protobuf runs past the end of the file', undefined, this.pos);
    this.buf = await this.source.read(this.pos, len);
    this.bufStart = this.pos;
  }

  /** A varint as a number (exact below 2^53; larger values only serve as lengths, which are then refused). */
  async varint(end: number): Promise<number> {
    await this.fill(10, end);
    let result = 0;
    let scale = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw this.source.error('truncated varint', undefined, this.pos);
      const b = this.buf[this.pos - this.bufStart];
      this.pos++;
      result += (b & 0x7f) * scale;
      if (!(b & 0x80)) return result;
      scale *= 128;
    }
    throw this.source.error('varint longer than 10 bytes', undefined, this.pos);
  }

  /** Reads a field key; returns field number and wire type. */
  async key(end: number): Promise<{ field: number; wire: number; at: number }> {
    const at = this.pos;
    const k = await this.varint(end);
    return { field: Math.floor(k / 8), wire: k % 8, at };
  }

  /** Length of a length-delimited field, checked against the enclosing message. */
  async length(end: number): Promise<number> {
    const at = this.pos;
    const n = await this.varint(end);
    if (n > end - this.pos) {
      throw this.source.error(
        `field length ${n} runs past its message (${end - this.pos} bytes left)`,
        undefined,
        at,
      );
    }
    return n;
  }

  /** Reads the length of an embedded message and returns where it ends. */
  async messageEnd(end: number): Promise<number> {
    const n = await this.length(end);
    return this.pos + n;
  }

  async bytes(n: number, end: number): Promise<Uint8Array> {
    if (n > end - this.pos) throw this.source.error('field runs past its message', undefined, this.pos);
    await this.fill(n, end);
    const out = this.buf.slice(this.pos - this.bufStart, this.pos - this.bufStart + n);
    this.pos += n;
    return out;
  }

  async string(end: number): Promise<string> {
    return new TextDecoder().decode(await this.bytes(await this.length(end), end));
  }

  async fixed32(end: number): Promise<DataView> {
    return new DataView((await this.bytes(4, end)).buffer);
  }

  async fixed64(end: number): Promise<DataView> {
    return new DataView((await this.bytes(8, end)).buffer);
  }

  /** Skips a field's value. */
  async skip(wire: number, end: number): Promise<void> {
    let n: number;
    if (wire === VARINT) {
      await this.varint(end);
      return;
    } else if (wire === I64) n = 8;
    else if (wire === I32) n = 4;
    else if (wire === LEN) n = await this.length(end);
    else throw this.source.error(`unsupported protobuf wire type ${wire}`, undefined, this.pos);
    if (n > end - this.pos) throw this.source.error('field runs past its message', undefined, this.pos);
    this.pos += n;
  }
}

/** Decodes a run of varints (a packed repeated field) to numbers; signed 64-bit values when `signed`. */
export function decodeVarints(bytes: Uint8Array, signed: boolean): number[] {
  const out: number[] = [];
  let p = 0;
  while (p < bytes.length) {
    let v = 0n;
    let shift = 0n;
    for (;;) {
      if (p >= bytes.length || shift > 63n) throw new Error('truncated varint');
      const b = bytes[p++];
      v |= BigInt(b & 0x7f) << shift;
      shift += 7n;
      if (!(b & 0x80)) break;
    }
    out.push(Number(signed ? BigInt.asIntN(64, v) : BigInt.asUintN(64, v)));
  }
  return out;
}
