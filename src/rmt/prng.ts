/**
 * The seeded pseudo-random generator behind every ensemble, shuffle and null distribution.
 *
 * Algorithm, so that any file can be regenerated elsewhere:
 * - uniform 32-bit words: xoshiro128** 1.0 (Blackman & Vigna, 2018);
 * - seeding: the 128-bit state is the first two outputs of SplitMix64 started at the seed
 *   (a non-negative integer ≤ 2^53), each 64-bit output split into its low then high 32-bit word;
 * - uniform doubles in [0, 1): two words a, b → ((a >>> 5)·2^26 + (b >>> 6)) / 2^53;
 * - standard normals: Box–Muller on two doubles u1, u2: √(−2 ln(1 − u1))·cos(2π u2), then the
 *   matching sine value is returned by the next call;
 * - gamma variates: Marsaglia & Tsang (2000), with the u^(1/k) boost for shape < 1.
 */
export class Rng {
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private spareNormal: number | undefined;

  constructor(seed: number) {
    if (!Number.isSafeInteger(seed) || seed < 0)
      throw new Error(`seed must be a non-negative integer, got ${seed}`);
    const mask = (1n << 64n) - 1n;
    let x = BigInt(seed);
    const splitMix64 = (): bigint => {
      x = (x + 0x9e3779b97f4a7c15n) & mask;
      let z = x;
      z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
      z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
      return z ^ (z >> 31n);
    };
    const a = splitMix64();
    const b = splitMix64();
    this.s0 = Number(a & 0xffffffffn) | 0;
    this.s1 = Number(a >> 32n) | 0;
    this.s2 = Number(b & 0xffffffffn) | 0;
    this.s3 = Number(b >> 32n) | 0;
  }

  /** Next unsigned 32-bit word. */
  nextUint32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9);
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result >>> 0;
  }

  /** Uniform double in [0, 1) with 53 random bits. */
  uniform(): number {
    const a = this.nextUint32() >>> 5;
    const b = this.nextUint32() >>> 6;
    return (a * 67108864 + b) / 9007199254740992;
  }

  /** Uniform integer in [0, n), n ≤ 2^32, without modulo bias. */
  integer(n: number): number {
    if (n <= 0) throw new Error('integer(n) needs n > 0');
    const limit = 4294967296 - remainder(4294967296, n);
    for (;;) {
      const w = this.nextUint32();
      if (w < limit) return remainder(w, n);
    }
  }

  /** Standard normal N(0, 1). */
  normal(): number {
    if (this.spareNormal !== undefined) {
      const z = this.spareNormal;
      this.spareNormal = undefined;
      return z;
    }
    const radius = Math.sqrt(-2 * Math.log(1 - this.uniform()));
    const angle = 2 * Math.PI * this.uniform();
    this.spareNormal = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  }

  /** Gamma(shape, 1). */
  gamma(shape: number): number {
    if (!(shape > 0)) throw new Error(`gamma shape must be > 0, got ${shape}`);
    if (shape < 1) return this.gamma(shape + 1) * Math.pow(1 - this.uniform(), 1 / shape);
    const d = shape - 1 / 3;
    const c = 1 / Math.sqrt(9 * d);
    for (;;) {
      let x: number;
      let v: number;
      do {
        x = this.normal();
        v = 1 + c * x;
      } while (v <= 0);
      v = v * v * v;
      const u = 1 - this.uniform();
      if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
  }

  /** Chi variate with k degrees of freedom (k > 0, not necessarily integer). */
  chi(k: number): number {
    return Math.sqrt(2 * this.gamma(k / 2));
  }

  /** Student-t with ν degrees of freedom. */
  studentT(nu: number): number {
    return this.normal() / Math.sqrt((2 * this.gamma(nu / 2)) / nu);
  }

  /** Binomial(n, p) by counting Bernoulli trials (n is a matrix size here, so small). */
  binomial(n: number, p: number): number {
    let k = 0;
    for (let i = 0; i < n; i++) if (this.uniform() < p) k++;
    return k;
  }

  /** Array of n standard normals. */
  normals(n: number, scale = 1): Float64Array {
    const out = new Float64Array(n);
    for (let i = 0; i < n; i++) out[i] = scale * this.normal();
    return out;
  }

  /** Fisher–Yates shuffle in place. */
  shuffle(a: Float64Array): Float64Array {
    for (let i = a.length - 1; i > 0; i--) {
      const j = this.integer(i + 1);
      const t = a[i];
      a[i] = a[j];
      a[j] = t;
    }
    return a;
  }
}

/**
 * w mod n for integers 0 ≤ w ≤ 2^32, 0 < n ≤ 2^32: the same as w % n, which V8 computes on doubles
 * through a slow fmod (a shuffle of a 768×3072 matrix spent 54 of its 93 ms there). Exact: when n
 * does not divide w, w/n is at least 1/n from the next integer, more than its rounding error
 * (w/n·2⁻⁵³ ≤ 2⁻²¹/n), so the floor is the true quotient.
 */
function remainder(w: number, n: number): number {
  return w - Math.floor(w / n) * n;
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}
