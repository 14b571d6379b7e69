import assert from 'node:assert/strict';
import { closeSync, mkdtempSync, openSync, rmSync, truncateSync, writeSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { after, describe, test } from 'node:test';
import { openWeightFile } from '../../../src/formats/registry';
import { planLayers } from '../../../src/layers';

/**
 * Files far larger than memory (sparse: they take no disk) open from their headers alone, in well under a
 * second, and give rows by byte range.
 */
const tmp = mkdtempSync(path.join(os.tmpdir(), 'rmt-huge-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

const GiB = 2 ** 30;

function sparse(name: string, head: Buffer, size: number, patches: Array<[number, Buffer]> = []): string {
  const p = path.join(tmp, name);
  const fd = openSync(p, 'w');
  writeSync(fd, head, 0, head.length, 0);
  for (const [at, b] of patches) writeSync(fd, b, 0, b.length, at);
  closeSync(fd);
  truncateSync(p, size);
  return p;
}

describe('files larger than memory', () => {
  test('a 64 GiB safetensors lists its tensors in < 1 s and reads rows by range', async () => {
    const rows = 65536;
    const cols = 16384;
    const bytes = rows * cols * 4;
    const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
    for (let i = 0; i < 16; i++) {
      header[`layers.${i}.weight`] = {
        dtype: 'F32',
        shape: [rows, cols],
        data_offsets: [i * bytes, (i + 1) * bytes],
      };
    }
    const h = Buffer.from(JSON.stringify(header));
    const lead = Buffer.alloc(8);
    lead.writeBigUInt64LE(BigInt(h.length));
    const start = 8 + h.length;
    // one known value: row 40000, column 7 of layers.15.weight
    const value = Buffer.alloc(4);
    value.writeFloatLE(2.5);
    const at = start + 15 * bytes + (40000 * cols + 7) * 4;
    const file = sparse('huge.safetensors', Buffer.concat([lead, h]), start + 16 * bytes, [[at, value]]);
    const t0 = performance.now();
    const f = await openWeightFile(file);
    const ms = performance.now() - t0;
    try {
      assert.ok(ms < 1000, `opened in ${ms.toFixed(0)} ms`);
      assert.equal(f.tensors.length, 16);
      assert.equal(planLayers(f, { conv: 'im2col' }).matrices.length, 16);
      const r = await f.read('layers.15.weight', { start: 40000, end: 40002 });
      assert.equal(r.length, 2 * cols);
      assert.equal(r[7], 2.5);
      assert.equal(r[8], 0);
      assert.ok(start + 16 * bytes > 64 * GiB && start + 16 * bytes > os.totalmem());
    } finally {
      await f.close();
    }
  });

  test('a 54 GiB GGUF of Q4_K tensors lists its tensors in < 1 s and dequantises one row', async () => {
    // 24 tensors of [262144, 16384] Q4_K: 2^32 elements, 144 bytes per 256 → 2.25 GiB each, 54 GiB in all
    const parts: Buffer[] = [];
    const u32 = (v: number) => {
      const b = Buffer.alloc(4);
      b.writeUInt32LE(v);
      return b;
    };
    const u64 = (v: number) => {
      const b = Buffer.alloc(8);
      b.writeBigUInt64LE(BigInt(v));
      return b;
    };
    const str = (s: string) => Buffer.concat([u64(Buffer.byteLength(s)), Buffer.from(s)]);
    const rows = 262144;
    const cols = 16384;
    const bytes = (rows * cols * 144) / 256;
    const n = 24;
    // with a tokenizer vocabulary of 256k strings in the metadata (summarised, not stored)
    const vocab = Array.from({ length: 256000 }, (_, i) => str(`token_${i}`));
    parts.push(Buffer.from('GGUF'), u32(3), u64(n), u64(2));
    parts.push(str('general.architecture'), u32(8), str('llama'));
    parts.push(str('tokenizer.ggml.tokens'), u32(9), u32(8), u64(vocab.length), Buffer.concat(vocab));
    for (let i = 0; i < n; i++)
      parts.push(str(`blk.${i}.ffn_up.weight`), u32(2), u64(cols), u64(rows), u32(12), u64(i * bytes));
    let head = Buffer.concat(parts);
    head = Buffer.concat([head, Buffer.alloc((32 - (head.length % 32)) % 32)]);
    const file = sparse('huge.gguf', head, head.length + n * bytes);
    const t0 = performance.now();
    const f = await openWeightFile(file);
    const ms = performance.now() - t0;
    try {
      assert.ok(ms < 1000, `opened in ${ms.toFixed(0)} ms`);
      assert.ok(head.length + n * bytes > 54 * GiB);
      assert.equal(f.tensors.length, n);
      assert.deepEqual(f.tensors[3].shape, [rows, cols]);
      assert.match(f.metadata['tokenizer.ggml.tokens'], /^\[256000 × string: "token_0", "token_1",/);
      const r = await f.read('blk.19.ffn_up.weight', { start: rows - 1, end: rows });
      assert.equal(r.length, cols);
      assert.ok(r.every((v) => v === 0)); // an all-zero Q4_K block dequantises to zeros
    } finally {
      await f.close();
    }
  });
});
