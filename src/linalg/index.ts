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
}

export async function createEngine(options: EngineOptions = {}): Promise<SpectrumEngine> {
  const variant = options.prefer === 'js' ? undefined : bestSimdVariant();
  if (variant) return createWasmEngine(Math.max(1, options.threads ?? 1), variant);
  return createJsEngine();
}
