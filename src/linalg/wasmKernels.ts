import { Worker } from 'node:worker_threads';
import type { Kernels, Reduction } from './pipeline';
import { stopwatch, type Timings } from './timing';
import { setFlagsFromString } from 'node:v8';
import { kernelsRelaxedWasmBase64, kernelsWasmBase64 } from './wasm/kernelsBinary.generated';

/** The C kernels' exports (wasm/kernels.c); pointers are byte offsets into the shared memory. */
interface Exports {
  gemm_workspace_doubles(): number;
  max_abs(x: number, n: number): number;
  gram_rows(
    w: number,
    rows: number,
    cols: number,
    flags: number,
    c: number,
    i0: number,
    i1: number,
    work: number,
  ): void;
  one_stage_work_doubles(n: number, nb: number): number;
  tridiagonalize_blocked(
    a: number,
    n: number,
    nb: number,
    d: number,
    e: number,
    tau: number,
    tstore: number,
    work: number,
  ): void;
  apply_one_stage(
    a: number,
    n: number,
    nb: number,
    tstore: number,
    x: number,
    ldx: number,
    count: number,
    transpose: number,
    work: number,
  ): void;
  band_panel_count(n: number, nb: number): number;
  band_panel(a: number, n: number, nb: number, p: number, work: number, tstore: number, gw: number): void;
  band_symm_part(
    a: number,
    n: number,
    nb: number,
    p: number,
    work: number,
    part: number,
    parts: number,
    gw: number,
  ): void;
  band_symm_sum(a: number, n: number, nb: number, p: number, work: number, parts: number): void;
  band_w(a: number, n: number, nb: number, p: number, work: number, gw: number): void;
  band_update_rows(
    a: number,
    n: number,
    nb: number,
    p: number,
    work: number,
    i0: number,
    i1: number,
    gw: number,
  ): void;
  band_copy(a: number, n: number, nb: number, band: number): void;
  band_chase(
    band: number,
    n: number,
    nb: number,
    refl: number,
    part: number,
    parts: number,
    progress: number,
    scratch: number,
  ): number;
  band_extract(band: number, n: number, nb: number, d: number, e: number): void;
  apply_work_doubles(n: number, nb: number, count: number): number;
  apply_two_stage(
    a: number,
    n: number,
    nb: number,
    tstore: number,
    refl: number,
    nrefl: number,
    x: number,
    ldx: number,
    count: number,
    transpose: number,
    work: number,
  ): void;
  tridiagonal_eigenvalues(d: number, e: number, n: number): number;
  map_to_long_side(
    w: number,
    rows: number,
    cols: number,
    ofColumns: number,
    x: number,
    count: number,
    y: number,
    work: number,
  ): void;
}

/** The part of the WebAssembly JS API used here (the project's `lib` setting has no DOM types). */
interface WasmMemory {
  readonly buffer: SharedArrayBuffer;
  grow(pages: number): number;
}
type WasmModule = object;
interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
  validate(bytes: Uint8Array): boolean;
}
const WebAssembly = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

const PAGE = 65536;
/** Below this offset: the kernels' (unused) stack and data. */
const ARENA_START = 1 << 22;
/**
 * Band half-width of the two-stage reduction. A narrower band halves the bulge chasing and the
 * panel work; a wider one makes the stage-1 products more efficient on large matrices (measured:
 * 16 is faster at n = 768 and 1024, 32 at 2048).
 */
export function defaultBandWidth(n: number): number {
  return n < 1536 ? 16 : 32;
}
/** Below this size the one-stage reduction is as fast and simpler. */
const TWO_STAGE_FROM = 192;
/** Panel width of the blocked one-stage reduction (16 and 64 measured no better at 768 and 1024). */
const ONE_STAGE_PANEL = 32;

/**
 * Whether to reduce in one stage: small matrices, and whenever an eighth of the vectors or more
 * will be back-transformed. The one-stage reduction is slower (1024², one thread: 0.11 s against
 * 0.10 for bands and bulge chasing, and the two-stage one splits over threads) but its
 * back-transformation is one Q instead of Q1·Q2: all 1024 vectors 0.14 s against 0.28, and
 * 220 of them (the statistics' choice above 1024) 0.03 s against 0.065. With 220 vectors the two
 * come out even at 2048² on one thread and at 1024² on two.
 */
function oneStage(n: number, vectors: number): boolean {
  return n < TWO_STAGE_FROM || vectors >= n / 8;
}

interface WasmReduction extends Reduction {
  /** Offset of the reduced matrix, which keeps the reflectors for back-transformation. */
  reflectors: number;
  /** One-stage: the panels' T factors (panel width ONE_STAGE_PANEL). */
  oneStage?: { tstore: number };
  /** Two-stage: band half-width, the panels' T factors and the recorded band reflectors. */
  twoStage?: { nb: number; tstore: number; refl: number; count: number };
  /** The arena top and the current matrix before this reduction: release() restores them (reductions nest). */
  mark: number;
  previous: { a: Float64Array; offset: number } | undefined;
}

/** Number of reflectors the bulge chase generates (kernels.c band_chase). */
function bandReflectorCount(n: number, nb: number): number {
  let count = 0;
  for (let j = 0; j < n - 2; j++) {
    for (let s = j + 1; Math.min(nb, n - s) >= 2; s += nb) count++;
  }
  return count;
}

export type SimdVariant = 'relaxed' | 'plain';
const compiled = new Map<SimdVariant, WasmModule>();

/**
 * The relaxed-SIMD build (fused multiply-add) when this runtime accepts it. Electron's V8 ships
 * relaxed SIMD; Node 20's has it behind a flag, which is switched on here before compiling.
 */
export function bestSimdVariant(): SimdVariant | undefined {
  if (!wasmSupported('plain')) return undefined;
  if (process.env.RMT_LENS_WASM_SIMD === 'plain' || !kernelsRelaxedWasmBase64) return 'plain';
  const relaxed = Buffer.from(kernelsRelaxedWasmBase64, 'base64');
  if (WebAssembly.validate(relaxed)) return 'relaxed';
  try {
    setFlagsFromString('--experimental-wasm-relaxed-simd');
  } catch {
    return 'plain';
  }
  return WebAssembly.validate(relaxed) ? 'relaxed' : 'plain';
}

function wasmSupported(variant: SimdVariant): boolean {
  try {
    return compiledModule(variant) !== undefined;
  } catch {
    return false;
  }
}

function compiledModule(variant: SimdVariant): WasmModule {
  let m = compiled.get(variant);
  if (!m) {
    const base64 = variant === 'relaxed' ? kernelsRelaxedWasmBase64 : kernelsWasmBase64;
    m = new WebAssembly.Module(Buffer.from(base64, 'base64'));
    compiled.set(variant, m);
  }
  return m;
}

/** Kernels a helper thread can run (all take 8 numeric arguments). */
const HELPER_OPS = ['gram_rows', 'band_symm_part', 'band_update_rows', 'band_chase'] as const;
type HelperOp = (typeof HELPER_OPS)[number];

/**
 * Worker threads that run row blocks of the big products on the same shared memory. The calling
 * thread blocks (Atomics.wait) until they finish, so the engine's API stays synchronous.
 */
class Helpers {
  private readonly workers: Worker[] = [];
  /**
   * Per helper: [sequence, done (1 ok, −1 failed), op, stop word]. The stop word (a byte offset in
   * the wasm memory, 0 for none) is set to 1 when the helper fails: threads that wait on each
   * other inside a kernel (band_chase) return instead of spinning on a thread that has gone.
   */
  private readonly control: Int32Array;
  /** Per helper: 8 arguments. */
  private readonly args: Float64Array;

  constructor(count: number, memory: WasmMemory, module: WasmModule) {
    this.control = new Int32Array(new SharedArrayBuffer(count * 4 * 4));
    this.args = new Float64Array(new SharedArrayBuffer(count * 8 * 8));
    for (let h = 0; h < count; h++) {
      const worker = new Worker(HELPER_SOURCE, {
        eval: true,
        workerData: {
          module,
          memory,
          control: this.control,
          args: this.args,
          slot: h,
          ops: HELPER_OPS,
        },
      });
      worker.unref();
      this.workers.push(worker);
    }
  }

  start(h: number, op: HelperOp, args: number[], stop = 0): void {
    this.args.set(args, h * 8);
    Atomics.store(this.control, h * 4 + 2, HELPER_OPS.indexOf(op));
    Atomics.store(this.control, h * 4 + 3, stop);
    Atomics.store(this.control, h * 4 + 1, 0);
    Atomics.add(this.control, h * 4, 1);
    Atomics.notify(this.control, h * 4);
  }

  wait(h: number): void {
    const done = h * 4 + 1;
    spinUntil(() => Atomics.load(this.control, done) !== 0);
    while (Atomics.load(this.control, done) === 0) Atomics.wait(this.control, done, 0, 1000);
    if (Atomics.load(this.control, done) < 0) throw new Error('wasm helper thread failed');
  }

  terminate(): void {
    for (const w of this.workers) void w.terminate();
  }
}

/**
 * Stage 1 hands its helpers two short jobs per panel, a fraction of a millisecond apart: waking a
 * thread asleep in Atomics.wait takes tens of microseconds each time, so both sides first poll
 * for SPIN_MS (measured at 1024², two threads: 0.120 → 0.109 s; 0.1 to 1 ms all alike).
 */
const SPIN_MS = 0.2;
function spinUntil(ready: () => boolean): void {
  const end = performance.now() + SPIN_MS;
  while (!ready() && performance.now() < end);
}

const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, args, slot, ops } = workerData;
const k = new WebAssembly.Instance(module, { env: { memory } }).exports;
let seen = 0;
for (;;) {
  const end = performance.now() + ${SPIN_MS};
  while (Atomics.load(control, slot * 4) === seen && performance.now() < end);
  Atomics.wait(control, slot * 4, seen);
  seen = Atomics.load(control, slot * 4);
  const a = args.subarray(slot * 8, slot * 8 + 8);
  let status = 1;
  try {
    if (k[ops[control[slot * 4 + 2]]](a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]) < 0) status = -1;
  } catch {
    status = -1;
    const stop = control[slot * 4 + 3];
    if (stop) Atomics.store(new Int32Array(memory.buffer), stop >> 2, 1);
  }
  Atomics.store(control, slot * 4 + 1, status);
  Atomics.notify(control, slot * 4 + 1);
}`;

export class WasmKernels implements Kernels {
  readonly fastProducts = true;
  private readonly memory: WasmMemory;
  private readonly k: Exports;
  private helpers: Helpers | undefined;
  private top = ARENA_START;
  /** Where each call's allocations start (after the per-thread workspaces). */
  private readonly base: number;
  /** The matrix currently copied into wasm memory, reused by mapToLongSide. */
  private current: { a: Float64Array; offset: number } | undefined;
  /** The view handed out by inputBuffer(): read in place by the next call. */
  private pinned: Float64Array | undefined;
  private readonly gemmWork: number;
  /** One gemm workspace per thread, below the arena. */
  private readonly gemmWorkspaces: number[] = [];
  /** Seconds spent in each step of the last call (for the benchmark). */
  readonly timings: Timings = {};

  /** Threads the next calls use (useThreads), at most maxThreads. */
  private threads: number;
  /** The compiled kernels, for the helpers' instances. */
  private readonly helperModule: WasmModule;

  /**
   * `threads` threads share each matrix's big products, up to `maxThreads` later (useThreads); the
   * helper threads start when first needed. `bandWidth` fixes the two-stage band half-width (a
   * multiple of 4 up to 64) instead of defaultBandWidth(n): for tests and tuning.
   */
  constructor(
    threads = 1,
    readonly variant: SimdVariant = 'plain',
    private readonly bandWidth?: number,
    readonly maxThreads = threads,
  ) {
    if (
      bandWidth !== undefined &&
      !(Number.isInteger(bandWidth) && bandWidth % 4 === 0 && bandWidth >= 4 && bandWidth <= 64)
    )
      throw new RangeError(`band width ${bandWidth} is not a multiple of 4 in [4, 64]`);
    if (!(Number.isInteger(maxThreads) && maxThreads >= threads && threads >= 1))
      throw new RangeError(`threads ${threads} of at most ${maxThreads}`);
    this.memory = new WebAssembly.Memory({
      initial: ARENA_START / PAGE + 16,
      maximum: 65536,
      shared: true,
    });
    const module = compiledModule(variant);
    this.k = new WebAssembly.Instance(module, { env: { memory: this.memory } }).exports as unknown as Exports;
    this.gemmWork = this.k.gemm_workspace_doubles() * 8;
    this.helperModule = module;
    this.threads = threads;
    for (let p = 0; p < maxThreads; p++) this.gemmWorkspaces.push(this.alloc(this.gemmWork));
    this.base = this.top;
  }

  /** The threads of the next calls (1 … maxThreads); the helpers start on the first call that needs them. */
  useThreads(threads: number): void {
    this.threads = Math.max(1, Math.min(this.maxThreads, Math.floor(threads)));
  }

  /** The threads of this call (the calling thread is part 0), starting the helpers when first needed. */
  private threadCount(): number {
    if (this.threads > 1) this.helpers ??= new Helpers(this.maxThreads - 1, this.memory, this.helperModule);
    return this.threads;
  }

  dispose(): void {
    this.helpers?.terminate();
  }

  /** Bytes of the WebAssembly memory: its high-water mark, since it never shrinks (sizePolicy.ts). */
  memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** Reserves `bytes` (8-aligned) in the arena, growing the memory as needed. */
  private alloc(bytes: number): number {
    const offset = this.top;
    const end = offset + Math.ceil(bytes / 8) * 8;
    if (end > 2 ** 32) throw new RangeError('matrix too large for the wasm engine (4 GiB memory)');
    const needed = Math.ceil(end / PAGE) - this.memory.buffer.byteLength / PAGE;
    if (needed > 0) this.memory.grow(needed);
    this.top = end;
    return offset;
  }

  private f64(offset: number, length: number): Float64Array {
    return new Float64Array(this.memory.buffer, offset, length);
  }

  private copyIn(x: Float64Array): number {
    const offset = this.alloc(x.length * 8);
    this.f64(offset, x.length).set(x);
    return offset;
  }

  reduce(a: Float64Array, rows: number, cols: number, vectors = 0): WasmReduction {
    const saved = { mark: this.top, previous: this.current };
    try {
      return this.reduceFrom(a, rows, cols, vectors, saved);
    } catch (error) {
      this.top = saved.mark;
      this.current = saved.previous;
      throw error;
    }
  }

  private reduceFrom(
    a: Float64Array,
    rows: number,
    cols: number,
    vectors: number,
    saved: Pick<WasmReduction, 'mark' | 'previous'>,
  ): WasmReduction {
    const ofColumns = cols < rows;
    const n = ofColumns ? cols : rows;
    const single = oneStage(n, vectors);
    const lapCopy = stopwatch(this.timings);
    let w: number;
    if (a === this.pinned) {
      w = a.byteOffset;
      this.top = Math.max(this.top, w + a.byteLength);
    } else {
      w = this.copyIn(a);
    }
    this.current = { a, offset: w };
    const c = this.alloc(n * n * 8);
    this.f64(c, n * n).fill(0);
    lapCopy('copyIn');
    // Wall and CPU seconds per step (CPU time of the whole process, helpers included).
    const lap = stopwatch(this.timings);
    this.gram(w, rows, cols, ofColumns, c, n, !single);
    lap('gram');
    const d = this.alloc(n * 8);
    const e = this.alloc(n * 8);
    const read = () => ({
      d: this.f64(d, n).slice(),
      e: this.f64(e, n).slice(),
    });
    if (single) {
      const nb = ONE_STAGE_PANEL;
      const tstore = this.alloc(Math.ceil(n / nb) * nb * nb * 8);
      const mark = this.top; // τ and the workspace are needed only during the call (T holds τ)
      const tau = this.alloc(n * 8);
      const work = this.alloc(this.k.one_stage_work_doubles(n, nb) * 8);
      this.k.tridiagonalize_blocked(c, n, nb, d, e, tau, tstore, work);
      this.top = mark;
      lap('tridiagonal');
      return { n, ofColumns, ...read(), reflectors: c, oneStage: { tstore }, ...saved };
    }
    const nb = this.bandWidth ?? defaultBandWidth(n);
    const work = this.alloc(((8 + this.threadCount()) * n * nb + 3 * nb * nb + 2 * nb) * 8);
    const tstore = this.alloc(Math.ceil(n / nb) * nb * nb * 8);
    this.reduceToBand(c, n, nb, work, tstore);
    lap('band');
    const count = bandReflectorCount(n, nb);
    const refl = this.alloc(count * (nb + 2) * 8);
    this.bandToTridiagonal(c, n, nb, d, e, refl);
    lap('bulge');
    return {
      n,
      ofColumns,
      ...read(),
      reflectors: c,
      twoStage: { nb, tstore, refl, count },
      ...saved,
    };
  }

  /** Upper triangle of the Gram matrix, split by rows over this thread and the helpers. */
  /**
   * The lower (two-stage) or upper (one-stage) triangle of the Gram matrix, which is all the
   * reduction reads; split by rows over this thread and the helpers.
   */
  private gram(
    w: number,
    rows: number,
    cols: number,
    ofColumns: boolean,
    c: number,
    n: number,
    lower: boolean,
  ): void {
    // Row i of the lower triangle costs ∝ i, of the upper one ∝ n − i: cut at equal areas.
    const cuts = this.cuts(n, lower ? Math.sqrt : (f) => 1 - Math.sqrt(1 - f));
    const flags = (ofColumns ? 1 : 0) | (lower ? 2 : 0);
    this.onThreads('gram_rows', (p, gw) => [w, rows, cols, flags, c, cuts[p], cuts[p + 1], gw]);
  }

  /** Row cuts 0 = c₀ < … < c_parts = n (multiples of 4) with c_p = n·share(p/parts). */
  private cuts(n: number, share: (fraction: number) => number): number[] {
    const parts = this.threadCount();
    const cuts = [0];
    for (let p = 1; p < parts; p++) cuts.push(Math.min(n, 4 * Math.round((n * share(p / parts)) / 4)));
    cuts.push(n);
    return cuts;
  }

  /**
   * Runs `op` once per thread of this call with the arguments `args(part, gw)`: part 0 here, the
   * others on the helpers; waits for all of them and rethrows the first failure. A kernel that
   * returns a negative number has failed. `stop` (a byte offset, 0 for none) is set to 1 when a
   * part fails, for kernels whose parts wait on each other.
   */
  private onThreads(op: HelperOp, args: (part: number, gw: number) => number[], stop = 0): void {
    const parts = this.threadCount();
    for (let p = 1; p < parts; p++) this.helpers!.start(p - 1, op, args(p, this.gemmWorkspaces[p]), stop);
    let error: unknown;
    try {
      const result = (this.k[op] as (...x: number[]) => number | undefined)(
        ...args(0, this.gemmWorkspaces[0]),
      );
      if (result !== undefined && result < 0) error = new Error(`${op} stopped: a helper thread failed`);
    } catch (err) {
      error = err;
      if (stop) Atomics.store(new Int32Array(this.memory.buffer), stop >> 2, 1);
    }
    for (let p = 1; p < parts; p++) {
      try {
        this.helpers!.wait(p - 1);
      } catch (err) {
        error ??= err;
      }
    }
    if (error) throw error;
  }

  /** Stage 1 of the two-stage reduction (kernels.c), panel by panel, rows split over the threads. */
  private reduceToBand(c: number, n: number, nb: number, work: number, tstore: number): void {
    const k = this.k;
    const gw = this.gemmWorkspaces[0];
    const panels = k.band_panel_count(n, nb);
    const spent = { bandPanel: 0, bandSymm: 0, bandW: 0, bandUpdate: 0 };
    let t = performance.now();
    const lap = (step: keyof typeof spent) => {
      const now = performance.now();
      spent[step] += (now - t) / 1000;
      t = now;
    };
    const threads = this.threadCount();
    for (let p = 0; p < panels; p++) {
      const m = n - (p + 1) * nb;
      k.band_panel(c, n, nb, p, work, tstore, gw);
      lap('bandPanel');
      // One part per thread (kernels.c cuts the rows), then their sum.
      this.onThreads('band_symm_part', (part, g) => [c, n, nb, p, work, part, threads, g]);
      k.band_symm_sum(c, n, nb, p, work, threads);
      lap('bandSymm');
      k.band_w(c, n, nb, p, work, gw);
      lap('bandW');
      // Row i of the lower triangle costs ∝ i.
      const cuts = this.cuts(m, Math.sqrt);
      this.onThreads('band_update_rows', (part, g) => [c, n, nb, p, work, cuts[part], cuts[part + 1], g]);
      lap('bandUpdate');
    }
    for (const [step, seconds] of Object.entries(spent))
      this.timings[step] = (this.timings[step] ?? 0) + seconds;
  }

  /**
   * Stage 2: the band of c (n×n) to tridiagonal d, e by bulge chasing, reflectors into refl. With
   * helpers the sweeps are dealt to all threads in groups of 8, each group following the previous
   * one a few steps behind (kernels.c band_chase).
   */
  private bandToTridiagonal(c: number, n: number, nb: number, d: number, e: number, refl: number): void {
    const k = this.k;
    const parts = this.threadCount();
    const band = this.alloc(n * (2 * nb + 1) * 8);
    const progress = this.alloc((n + 1) * 4);
    const scratch = Array.from({ length: parts }, () => this.alloc(3 * nb * 8));
    new Int32Array(this.memory.buffer, progress, n + 1).fill(0);
    k.band_copy(c, n, nb, band);
    // progress[n] is the stop word the parts check while they wait on each other.
    this.onThreads(
      'band_chase',
      (p) => [band, n, nb, refl, p, parts, progress, scratch[p]],
      progress + 4 * n,
    );
    k.band_extract(band, n, nb, d, e);
  }

  backTransform(r: Reduction, x: Float64Array, count: number, transpose = false): void {
    const wr = r as WasmReduction;
    const n = r.n;
    const mark = this.top;
    // The kernels want the vectors as columns (n×count), rows an odd number of cache lines
    // apart: at a multiple of 4 KiB the rows a band reflector touches share one L1 set.
    const ldx = count + ((24 - (count % 16)) % 16); // ≥ count, ≡ 8 (mod 16)
    const xo = this.alloc(n * ldx * 8);
    const xt = this.f64(xo, n * ldx);
    for (let p = 0; p < count; p++) for (let i = 0; i < n; i++) xt[i * ldx + p] = x[p * n + i];
    const flag = transpose ? 1 : 0;
    if (wr.oneStage) {
      const nb = ONE_STAGE_PANEL;
      const work = this.alloc(this.k.apply_work_doubles(n, nb, count) * 8);
      this.k.apply_one_stage(wr.reflectors, n, nb, wr.oneStage.tstore, xo, ldx, count, flag, work);
    } else {
      const { nb, tstore, refl, count: nrefl } = wr.twoStage!;
      const work = this.alloc(this.k.apply_work_doubles(n, nb, count) * 8);
      this.k.apply_two_stage(wr.reflectors, n, nb, tstore, refl, nrefl, xo, ldx, count, flag, work);
    }
    const back = this.f64(xo, n * ldx);
    for (let p = 0; p < count; p++) for (let i = 0; i < n; i++) x[p * n + i] = back[i * ldx + p];
    this.top = mark;
  }

  /** The largest |entry| (NaN if one is not finite) of a matrix in this memory (inputBuffer), else undefined. */
  maxAbs(a: Float64Array): number | undefined {
    return a === this.pinned ? this.k.max_abs(a.byteOffset, a.length) : undefined;
  }

  /** Eigenvalues of the tridiagonal matrix (kernels.c, root-free QL), or undefined if it did not converge. */
  tridiagonalEigenvalues(d: Float64Array, e: Float64Array): Float64Array | undefined {
    const n = d.length;
    const mark = this.top;
    const dOffset = this.copyIn(d);
    const eOffset = this.copyIn(e);
    const status = this.k.tridiagonal_eigenvalues(dOffset, eOffset, n);
    const values = status === 0 ? this.f64(dOffset, n).slice() : undefined;
    this.top = mark;
    return values;
  }

  mapToLongSide(
    a: Float64Array,
    rows: number,
    cols: number,
    ofColumns: boolean,
    x: Float64Array,
    count: number,
  ) {
    const mark = this.top;
    const w = this.current?.a === a ? this.current.offset : this.copyIn(a);
    const n = ofColumns ? cols : rows;
    const long = ofColumns ? rows : cols;
    const xo = this.copyIn(x.subarray(0, count * n));
    const y = this.alloc(count * long * 8);
    this.f64(y, count * long).fill(0);
    const work = this.alloc(this.gemmWork);
    this.k.map_to_long_side(w, rows, cols, ofColumns ? 1 : 0, xo, count, y, work);
    const out = this.f64(y, count * long).slice();
    this.top = mark;
    return out;
  }

  /**
   * A matrix-sized Float64Array inside the wasm memory: filled by the caller (e.g. widening a
   * float16 tensor row by row) and passed to the next call, it is read without a copy. Valid until
   * the next inputBuffer() call.
   */
  inputBuffer(length: number): Float64Array {
    this.top = this.base;
    const offset = this.alloc(length * 8);
    this.top = this.base;
    this.pinned = this.f64(offset, length);
    return this.pinned;
  }

  release(reduction: Reduction): void {
    const r = reduction as WasmReduction;
    this.top = r.mark;
    this.current = r.previous;
  }
}

/**
 * A fresh instance of the kernels on its own shared memory, for users of kernels.c other than the
 * eigen/SVD engine (wasmApproximate.ts: the approximation's products); undefined without wasm SIMD.
 * Offsets below `arena` belong to the kernels' (unused) stack and data.
 */
export function kernelsInstance(variant = bestSimdVariant()):
  | {
      exports: unknown;
      memory: { readonly buffer: SharedArrayBuffer; grow(pages: number): number };
      arena: number;
      variant: SimdVariant;
    }
  | undefined {
  if (!variant) return undefined;
  const memory = new WebAssembly.Memory({ initial: ARENA_START / PAGE + 16, maximum: 65536, shared: true });
  const instance = new WebAssembly.Instance(compiledModule(variant), { env: { memory } });
  return { exports: instance.exports, memory, arena: ARENA_START, variant };
}
