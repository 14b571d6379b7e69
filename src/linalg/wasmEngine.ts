import { computeSingularValues, computeSvd } from './pipeline';
import type { SpectrumEngine } from './types';
import { WasmKernels, type SimdVariant } from './wasmKernels';

/**
 * The WebAssembly engine; `threads` (≥ 1) threads share the big products of one matrix, up to
 * `maxThreads` after useThreads(); `variant`: the relaxed-SIMD build (fused multiply-add) or the
 * plain one; `bandWidth` overrides the two-stage band half-width (tests and tuning).
 */
export function createWasmEngine(
  threads = 1,
  variant: SimdVariant = 'plain',
  bandWidth?: number,
  maxThreads = threads,
): SpectrumEngine & {
  dispose(): void;
  timings(): Record<string, number>;
  useThreads(threads: number): void;
} {
  const kernels = new WasmKernels(threads, variant, bandWidth, maxThreads);
  const engine = {
    kind: 'wasm-simd' as const,
    singularValues: (a: Float64Array, rows: number, cols: number) =>
      computeSingularValues(kernels, a, rows, cols),
    svd: (a: Float64Array, rows: number, cols: number, indices: number[] | 'all') =>
      computeSvd(kernels, a, rows, cols, indices),
    inputBuffer: (rows: number, cols: number) => kernels.inputBuffer(rows * cols),
    useThreads: (count: number) => kernels.useThreads(count),
    dispose: () => kernels.dispose(),
    /** Seconds per step of the last call (gram, band, bulge, …). */
    timings: () => ({ ...kernels.timings }),
  };
  warmUp(engine);
  return engine;
}

/**
 * V8 compiles wasm first with its baseline compiler and swaps in optimised code only for later
 * calls: a long first call would run entirely in the slow tier. Small calls through every kernel
 * (both reductions, back-transformation, products; one input in the engine's own memory) get them
 * optimised first.
 */
function warmUp(engine: SpectrumEngine): void {
  const rows = 200;
  const cols = 260;
  const a = new Float64Array(rows * cols);
  let s = 12345;
  for (let i = 0; i < a.length; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = s / 4294967296 - 0.5;
  }
  const input = engine.inputBuffer!(rows, cols);
  for (let round = 0; round < 3; round++) {
    input.set(a);
    engine.singularValues(input, rows, cols);
    engine.singularValues(a.subarray(0, 60 * cols), cols, 60);
    engine.svd(a.subarray(0, 64 * 80), 64, 80, [0, 1, 63]);
    engine.svd(a.subarray(0, 80 * 64), 80, 64, [0, 1, 63]);
  }
}
