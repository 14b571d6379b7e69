/** Comparison of a layer with its initial checkpoint (RMT.md §8). */
import type { SpectrumEngine, SvdResult } from '../linalg/types';

export interface LayerComparison {
  /** ‖W − W₀‖_F / ‖W₀‖_F. */
  relativeChange: number;
  k: number;
  /** Overlap of the top-k left singular subspaces, ‖U_kᵀU₀ₖ‖²_F / k ∈ [0, 1]. */
  leftOverlap: number;
  /** Same for the right singular subspaces. */
  rightOverlap: number;
  /** Per direction i ≤ k: ‖U₀ₖᵀ uᵢ‖², how much of the i-th trained direction lies in the initial top-k space. */
  leftOverlapPerDirection: number[];
}

export function compareLayers(
  w: Float64Array,
  w0: Float64Array,
  rows: number,
  cols: number,
  engine: SpectrumEngine,
  k: number,
): LayerComparison {
  if (w.length !== rows * cols || w0.length !== rows * cols) throw new Error('compareLayers: shapes differ');
  const indices = topIndices(rows, cols, k);
  return compareSvds(w, w0, engine.svd(w, rows, cols, indices), engine.svd(w0, rows, cols, indices));
}

/** The indices of the top-k singular directions (k clamped to the matrix). */
export function topIndices(rows: number, cols: number, k: number): number[] {
  return Array.from({ length: Math.max(1, Math.min(k, rows, cols)) }, (_, i) => i);
}

/** `compareLayers` from SVDs already computed with the same top indices (their values serve other uses too). */
export function compareSvds(w: Float64Array, w0: Float64Array, a: SvdResult, b: SvdResult): LayerComparison {
  let diff = 0;
  let base = 0;
  for (let i = 0; i < w.length; i++) {
    const d = w[i] - w0[i];
    diff += d * d;
    base += w0[i] * w0[i];
  }
  const kk = a.indices.length;
  const perDirection = a.left.map((u) => b.left.reduce((s, u0) => s + dot(u, u0) ** 2, 0));
  const rightTotal = a.right.reduce((s, v) => s + b.right.reduce((t, v0) => t + dot(v, v0) ** 2, 0), 0);
  return {
    relativeChange: Math.sqrt(diff / base),
    k: kk,
    leftOverlap: perDirection.reduce((s, x) => s + x, 0) / kk,
    rightOverlap: rightTotal / kk,
    leftOverlapPerDirection: perDirection,
  };
}

function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}
