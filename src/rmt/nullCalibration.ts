/**
 * Null distributions for the calibrated p-values, cached per shape (RMT.md §3 and §5).
 *
 * - Spacings and bulk fit: the layer pipeline (MP fit, TW outliers, unfolding, KS distances) run on
 *   `replicas` (default 200) Gaussian matrices of the same shape. Their singular values are drawn from
 *   the bidiagonal β = 1 Laguerre model, which has exactly the law of a dense Gaussian matrix's
 *   singular values, at O(N²) per replica instead of O(N²M). Cost, 2 cores: ≈ 0.1 s for N = 256,
 *   ≈ 1–2 s for N = 1024, ≈ 30–60 s for N = 4096 (once per shape and settings).
 * - Porter–Thomas: KS distances of `replicas` (default 2000) random unit vectors g/‖g‖ per length L,
 *   stored as √L·D; lengths above 4096 reuse the L = 4096 null (√L·D has converged there).
 *   Cost ≈ 0.2 s for L = 1024, ≈ 1 s for L = 4096.
 * Both are seeded (the seed of the settings), so a report can be reproduced exactly.
 */
import { Rng } from './prng';
import { fitMarchenkoPastur, mpStandardNuCdf } from './marchenkoPastur';
import { gaussianSingularValues } from './tridiagonalModels';
import { bulkLevels, spacingStatistics } from './spacings';
import { ksDistanceSorted } from './kolmogorov';
import { fastNormalCdf } from './special';
import type { UnfoldingOptions } from './unfolding';

export interface SpacingNullOptions {
  twLevel: number;
  unfolding: UnfoldingOptions;
  replicas: number;
  seed: number;
}

export interface SpacingNull {
  /** Sorted KS distances of the spacings against the GOE surmise. */
  ksGoe: Float64Array;
  /** Sorted KS distances of the bulk against the fitted MP CDF. */
  ksMp: Float64Array;
  replicas: number;
}

/** KS distance of the bulk (ascending) against the MP CDF of the fit. */
export function bulkMpDistance(bulkAscending: Float64Array, q: number, sigma: number, m: number): number {
  const cdf = mpStandardNuCdf(q);
  const scale = 1 / (sigma * Math.sqrt(m));
  return ksDistanceSorted(bulkAscending, (nu) => cdf(nu * scale));
}

const PT_MAX_LENGTH = 4096;

/** A cache of null distributions; pass one around, or use `defaultNullCache`. */
export class NullCache {
  private readonly spacing = new Map<string, SpacingNull>();
  private readonly pt = new Map<string, Float64Array>();

  /** Null of the spacing and bulk-fit statistics for an n×m layer (n ≤ m). */
  spacingNull(n: number, m: number, options: SpacingNullOptions): SpacingNull {
    const u = options.unfolding;
    const key = `${n}x${m}|${options.twLevel}|${u.method}|${u.window}|${options.replicas}|${options.seed}`;
    let entry = this.spacing.get(key);
    if (!entry) {
      entry = computeSpacingNull(n, m, options);
      this.spacing.set(key, entry);
    }
    return entry;
  }

  /** Sorted √L·D of random unit vectors of length L against Φ. */
  porterThomasNull(length: number, replicas: number, seed: number): Float64Array {
    const l = Math.min(length, PT_MAX_LENGTH);
    const key = `${l}|${replicas}|${seed}`;
    let entry = this.pt.get(key);
    if (!entry) {
      entry = computePorterThomasNull(l, replicas, seed);
      this.pt.set(key, entry);
    }
    return entry;
  }

  clear(): void {
    this.spacing.clear();
    this.pt.clear();
  }

  /** Every cached null as plain data (to persist across sessions; the keys include shape, settings and seed). */
  export(): SerializedNullCache {
    return {
      version: NULL_CACHE_VERSION,
      spacing: [...this.spacing].map(([key, v]) => ({
        key,
        ksGoe: Array.from(v.ksGoe),
        ksMp: Array.from(v.ksMp),
        replicas: v.replicas,
      })),
      pt: [...this.pt].map(([key, v]) => ({ key, values: Array.from(v) })),
    };
  }

  /** Adds the entries of an earlier `export()`; entries of another algorithm version are ignored. */
  import(data: SerializedNullCache): void {
    if (data.version !== NULL_CACHE_VERSION) return;
    for (const e of data.spacing)
      this.spacing.set(e.key, {
        ksGoe: Float64Array.from(e.ksGoe),
        ksMp: Float64Array.from(e.ksMp),
        replicas: e.replicas,
      });
    for (const e of data.pt) this.pt.set(e.key, Float64Array.from(e.values));
  }
}

/** Bumped whenever the null pipelines change, so persisted caches from older versions are dropped. */
export const NULL_CACHE_VERSION = 1;

export interface SerializedNullCache {
  version: number;
  spacing: { key: string; ksGoe: number[]; ksMp: number[]; replicas: number }[];
  pt: { key: string; values: number[] }[];
}

export const defaultNullCache = new NullCache();

function computeSpacingNull(n: number, m: number, options: SpacingNullOptions): SpacingNull {
  const rng = new Rng(options.seed);
  const ksGoe: number[] = [];
  const ksMp: number[] = [];
  const q = n / m;
  for (let r = 0; r < options.replicas; r++) {
    const nu = gaussianSingularValues(rng, n, m);
    const fit = fitMarchenkoPastur(nu, m, options.twLevel);
    const bulk = bulkLevels(nu, fit.outliers);
    const stats = spacingStatistics(bulk, { ...options.unfolding, mp: { q, sigma: fit.sigma, m, n } });
    if (Number.isFinite(stats.ksGoe)) ksGoe.push(stats.ksGoe);
    ksMp.push(bulkMpDistance(bulk, q, fit.sigma, m));
  }
  return {
    ksGoe: Float64Array.from(ksGoe).sort(),
    ksMp: Float64Array.from(ksMp).sort(),
    replicas: options.replicas,
  };
}

/** Buffers of porterThomasDistance, reused: it runs on ~10⁵ vectors per model. */
let phiValues = new Float64Array(0);
let sortedValues = new Float64Array(0);
let bucketOf = new Int32Array(0);
let bucketStart = new Int32Array(0);

/** Most buckets hold one value or none; above this one bucket is crowded and the builtin sort wins. */
const CROWDED_BUCKET = 32;

/**
 * KS distance of the entries of a unit vector u of length L, scaled by √L, against Φ. It runs on
 * every singular vector of every layer and of the null samples, so: Φ from a table (|error| <
 * 1e-12, far below any distance of interest), and the values Φ(√L·uᵢ), near uniform on [0, 1] for
 * the vectors tested, sorted by counting them into L equal buckets, then insertion sort, which has
 * almost nothing left to move. Values crowding into one bucket (a localised vector: most Φ(0) = ½)
 * or NaN use the builtin sort.
 */
export function porterThomasDistance(u: ArrayLike<number>): number {
  const l = u.length;
  if (phiValues.length < l) {
    phiValues = new Float64Array(l);
    sortedValues = new Float64Array(l);
    bucketOf = new Int32Array(l);
    bucketStart = new Int32Array(l + 1);
  }
  const scale = Math.sqrt(l);
  const y = phiValues.subarray(0, l);
  const start = bucketStart;
  start.fill(0, 0, l + 1);
  let sortable = true;
  for (let i = 0; i < l; i++) {
    const p = fastNormalCdf(u[i] * scale);
    const b = Math.min(l - 1, Math.floor(p * l));
    y[i] = p;
    if (b >= 0) {
      bucketOf[i] = b;
      start[b + 1]++;
    } else sortable = false; // NaN
  }
  for (let b = 0; b < l && sortable; b++) {
    if (start[b + 1] > CROWDED_BUCKET) sortable = false;
    start[b + 1] += start[b];
  }
  if (!sortable) return ksDistanceSorted(y.sort(), identity);
  const out = sortedValues.subarray(0, l);
  for (let i = 0; i < l; i++) out[start[bucketOf[i]]++] = y[i];
  for (let i = 1; i < l; i++) {
    const v = out[i];
    let j = i - 1;
    while (j >= 0 && out[j] > v) {
      out[j + 1] = out[j];
      j--;
    }
    out[j + 1] = v;
  }
  return ksDistanceSorted(out, identity);
}

const identity = (v: number) => v;

function computePorterThomasNull(length: number, replicas: number, seed: number): Float64Array {
  const rng = new Rng(seed);
  const out = new Float64Array(replicas);
  const g = new Float64Array(length);
  for (let r = 0; r < replicas; r++) {
    let norm = 0;
    for (let i = 0; i < length; i++) {
      g[i] = rng.normal();
      norm += g[i] * g[i];
    }
    norm = Math.sqrt(norm);
    for (let i = 0; i < length; i++) g[i] /= norm;
    out[r] = porterThomasDistance(g) * Math.sqrt(length);
  }
  return out.sort();
}
