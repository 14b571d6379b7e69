import { createJsEngine } from './jsEngine';
import type { SpectrumEngine } from './types';
import { createWasmEngine } from './wasmEngine';
import { bestSimdVariant } from './wasmKernels';

export type { SpectrumEngine, SvdResult } from './types';
export { approximateSpectrum, type ApproximateSpectrum, type ApproximateOptions } from './approximate';

export interface EngineOptions {
  /** 'wasm' (default) falls back to 'js' when WebAssembly SIMD is unavailable. */
  prefer?: 'wasm' | 'js';
  /**
   * Threads that share one matrix's Gram product (wasm only; default 1). The calling thread is one
   * of them; the others are worker threads that block between calls. Keep
   * (analysis workers) × threads ≤ cores.
   */
  threads?: number;
  /** The most threads useThreads() may later ask for (default: threads); helpers start when first used. */
  maxThreads?: number;
}

export async function createEngine(options: EngineOptions = {}): Promise<SpectrumEngine> {
  const variant = options.prefer === 'js' ? undefined : bestSimdVariant();
  if (variant) {
    const threads = Math.max(1, options.threads ?? 1);
    return createWasmEngine(threads, variant, undefined, Math.max(threads, options.maxThreads ?? threads));
  }
  return createJsEngine();
}
