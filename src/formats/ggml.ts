import { decode, f16 } from './dtypes';

/**
 * ggml tensor types: block size (elements), bytes per block, and how a run of whole blocks becomes numbers.
 * The quantised formats are dequantised as ggml's `dequantize_row_*` does (ggml-quants.c).
 */
export interface GgmlType {
  name: string;
  blockSize: number;
  blockBytes: number;
  /** Undefined: listed, but not decoded ("not supported"). */
  dequantize?: (src: Uint8Array, out: Float32Array | Float64Array) => void;
}

const QK_K = 256;

function plain(name: string, size: number): GgmlType {
  return {
    name,
    blockSize: 1,
    blockBytes: size,
    dequantize: (src, out) => out.set(decode(src, name)),
  };
}

function blocks(
  name: string,
  blockSize: number,
  blockBytes: number,
  block: (b: Uint8Array, v: DataView, o: number, out: Float32Array | Float64Array, y: number) => void,
): GgmlType {
  return {
    name,
    blockSize,
    blockBytes,
    dequantize: (src, out) => {
      const v = new DataView(src.buffer, src.byteOffset, src.byteLength);
      const n = Math.floor(src.length / blockBytes);
      for (let i = 0; i < n; i++) block(src, v, i * blockBytes, out, i * blockSize);
    },
  };
}

const half = (v: DataView, o: number) => f16(v.getUint16(o, true));

/** Q4_0: d (f16), 16 bytes of 4-bit quants; y = (q − 8)·d, low nibbles first. */
const q4_0 = blocks('Q4_0', 32, 18, (b, v, o, y, k) => {
  const d = half(v, o);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 2 + j];
    y[k + j] = ((q & 0xf) - 8) * d;
    y[k + j + 16] = ((q >> 4) - 8) * d;
  }
});

/** Q4_1: d, m (f16), 16 bytes of 4-bit quants; y = q·d + m. */
const q4_1 = blocks('Q4_1', 32, 20, (b, v, o, y, k) => {
  const d = half(v, o);
  const m = half(v, o + 2);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 4 + j];
    y[k + j] = (q & 0xf) * d + m;
    y[k + j + 16] = (q >> 4) * d + m;
  }
});

/** Q5_0: d, 32 high bits, 16 bytes of low nibbles; y = (q − 16)·d. */
const q5_0 = blocks('Q5_0', 32, 22, (b, v, o, y, k) => {
  const d = half(v, o);
  const qh = v.getUint32(o + 2, true);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 6 + j];
    const h0 = ((qh >>> j) << 4) & 0x10;
    const h1 = (qh >>> (j + 12)) & 0x10;
    y[k + j] = (((q & 0xf) | h0) - 16) * d;
    y[k + j + 16] = (((q >> 4) | h1) - 16) * d;
  }
});

/** Q5_1: d, m, 32 high bits, 16 bytes of low nibbles; y = q·d + m. */
const q5_1 = blocks('Q5_1', 32, 24, (b, v, o, y, k) => {
  const d = half(v, o);
  const m = half(v, o + 2);
  const qh = v.getUint32(o + 4, true);
  for (let j = 0; j < 16; j++) {
    const q = b[o + 8 + j];
    const h0 = ((qh >>> j) << 4) & 0x10;
    const h1 = (qh >>> (j + 12)) & 0x10;
    y[k + j] = ((q & 0xf) | h0) * d + m;
    y[k + j + 16] = ((q >> 4) | h1) * d + m;
  }
});

/** Q8_0: d, 32 signed bytes; y = q·d. */
const q8_0 = blocks('Q8_0', 32, 34, (_b, v, o, y, k) => {
  const d = half(v, o);
  for (let j = 0; j < 32; j++) y[k + j] = v.getInt8(o + 2 + j) * d;
});

/** Q8_1: d, s (f16), 32 signed bytes; y = q·d. */
const q8_1 = blocks('Q8_1', 32, 36, (_b, v, o, y, k) => {
  const d = half(v, o);
  for (let j = 0; j < 32; j++) y[k + j] = v.getInt8(o + 4 + j) * d;
});

/** Q2_K: scales[16] (4-bit scale, 4-bit min), qs[64] (2-bit), d, dmin. */
const q2_K = blocks('Q2_K', QK_K, 84, (b, v, o, y, k) => {
  const d = half(v, o + 80);
  const dmin = half(v, o + 82);
  let is = 0;
  let out = k;
  for (let n = 0; n < 2; n++) {
    const q = o + 16 + 32 * n;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 2; half16++) {
        const sc = b[o + is++];
        const dl = d * (sc & 0xf);
        const ml = dmin * (sc >> 4);
        for (let l = 0; l < 16; l++) y[out++] = dl * ((b[q + l + 16 * half16] >> shift) & 3) - ml;
      }
    }
  }
});

/** Q3_K: hmask[32], qs[64] (low 2 bits), scales[12] (16 × 6-bit), d. */
const q3_K = blocks('Q3_K', QK_K, 110, (b, v, o, y, k) => {
  const dAll = half(v, o + 108);
  const sc = o + 96;
  const scale = (i: number): number => {
    // 6-bit scales: low 4 bits from bytes 0..7, high 2 bits from bytes 8..11
    const low = i < 8 ? b[sc + i] & 0xf : b[sc + i - 8] >> 4;
    const high = (b[sc + 8 + (i % 4)] >> (2 * Math.floor(i / 4))) & 3;
    return (low | (high << 4)) - 32;
  };
  let is = 0;
  let m = 1;
  let out = k;
  for (let n = 0; n < 2; n++) {
    const q = o + 32 + 32 * n;
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 2; half16++) {
        const dl = dAll * scale(is++);
        for (let l = 16 * half16; l < 16 * half16 + 16; l++) {
          y[out++] = dl * (((b[q + l] >> shift) & 3) - (b[o + l] & m ? 0 : 4));
        }
      }
      m <<= 1;
    }
  }
});

/** The 6-bit scale and min j (0..7) of a Q4_K/Q5_K block's 12 scale bytes at `s`. */
function scaleMinK4(b: Uint8Array, s: number, j: number): [number, number] {
  if (j < 4) return [b[s + j] & 63, b[s + j + 4] & 63];
  return [(b[s + j + 4] & 0xf) | ((b[s + j - 4] >> 6) << 4), (b[s + j + 4] >> 4) | ((b[s + j] >> 6) << 4)];
}

/** Q4_K: d, dmin, scales[12], qs[128]; 8 sub-blocks of 32 with 6-bit scales and mins. */
const q4_K = blocks('Q4_K', QK_K, 144, (b, v, o, y, k) => {
  const d = half(v, o);
  const dmin = half(v, o + 2);
  let out = k;
  for (let j = 0; j < 4; j++) {
    const q = o + 16 + 32 * j;
    const [s1, m1] = scaleMinK4(b, o + 4, 2 * j);
    const [s2, m2] = scaleMinK4(b, o + 4, 2 * j + 1);
    for (let l = 0; l < 32; l++) y[out++] = d * s1 * (b[q + l] & 0xf) - dmin * m1;
    for (let l = 0; l < 32; l++) y[out++] = d * s2 * (b[q + l] >> 4) - dmin * m2;
  }
});

/** Q5_K: d, dmin, scales[12], qh[32], qs[128]. */
const q5_K = blocks('Q5_K', QK_K, 176, (b, v, o, y, k) => {
  const d = half(v, o);
  const dmin = half(v, o + 2);
  const qh = o + 16;
  let out = k;
  for (let j = 0; j < 4; j++) {
    const ql = o + 48 + 32 * j;
    const [s1, m1] = scaleMinK4(b, o + 4, 2 * j);
    const [s2, m2] = scaleMinK4(b, o + 4, 2 * j + 1);
    const u1 = 1 << (2 * j);
    const u2 = 2 << (2 * j);
    for (let l = 0; l < 32; l++)
      y[out++] = d * s1 * ((b[ql + l] & 0xf) + (b[qh + l] & u1 ? 16 : 0)) - dmin * m1;
    for (let l = 0; l < 32; l++)
      y[out++] = d * s2 * ((b[ql + l] >> 4) + (b[qh + l] & u2 ? 16 : 0)) - dmin * m2;
  }
});

/** Q6_K: ql[128], qh[64], scales[16] (int8), d. */
const q6_K = blocks('Q6_K', QK_K, 210, (b, v, o, y, k) => {
  const d = half(v, o + 208);
  for (let n = 0; n < 2; n++) {
    const ql = o + 64 * n;
    const qh = o + 128 + 32 * n;
    const sc = o + 192 + 8 * n;
    const base = k + 128 * n;
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const h = b[qh + l];
      const q1 = ((b[ql + l] & 0xf) | ((h & 3) << 4)) - 32;
      const q2 = ((b[ql + l + 32] & 0xf) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((b[ql + l] >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b[ql + l + 32] >> 4) | (((h >> 6) & 3) << 4)) - 32;
      y[base + l] = d * v.getInt8(sc + is) * q1;
      y[base + l + 32] = d * v.getInt8(sc + is + 2) * q2;
      y[base + l + 64] = d * v.getInt8(sc + is + 4) * q3;
      y[base + l + 96] = d * v.getInt8(sc + is + 6) * q4;
    }
  }
});

/** Q8_K: d (f32), qs[256] (int8), bsums[16]; y = q·d. */
const q8_K = blocks('Q8_K', QK_K, 292, (_b, v, o, y, k) => {
  const d = v.getFloat32(o, true);
  for (let j = 0; j < QK_K; j++) y[k + j] = v.getInt8(o + 4 + j) * d;
});

const listed = (name: string, blockSize: number, blockBytes: number): GgmlType => ({
  name,
  blockSize,
  blockBytes,
});

/** ggml_type ids as stored in GGUF tensor infos. */
export const GGML_TYPES: Readonly<Record<number, GgmlType>> = {
  0: plain('F32', 4),
  1: plain('F16', 2),
  2: q4_0,
  3: q4_1,
  6: q5_0,
  7: q5_1,
  8: q8_0,
  9: q8_1,
  10: q2_K,
  11: q3_K,
  12: q4_K,
  13: q5_K,
  14: q6_K,
  15: q8_K,
  16: listed('IQ2_XXS', QK_K, 66),
  17: listed('IQ2_XS', QK_K, 74),
  18: listed('IQ3_XXS', QK_K, 98),
  19: listed('IQ1_S', QK_K, 50),
  20: listed('IQ4_NL', 32, 18),
  21: listed('IQ3_S', QK_K, 110),
  22: listed('IQ2_S', QK_K, 82),
  23: listed('IQ4_XS', QK_K, 136),
  24: plain('I8', 1),
  25: plain('I16', 2),
  26: plain('I32', 4),
  27: plain('I64', 8),
  28: plain('F64', 8),
  29: listed('IQ1_M', QK_K, 56),
  30: plain('BF16', 2),
  34: listed('TQ1_0', QK_K, 54),
  35: listed('TQ2_0', QK_K, 66),
  39: listed('MXFP4', 32, 17),
};
