import type { SvdResult } from './types';

/** Singular values ν = √max(λ, 0), descending, from Gram eigenvalues in any order. */
export function singularValuesFromEigenvalues(lambda: Float64Array): Float64Array {
  const nu = Float64Array.from(lambda, (x) => Math.sqrt(Math.max(x, 0)));
  return nu.sort().reverse();
}

/** Order of eigenvalue positions by eigenvalue, descending (ties by position). */
export function descendingOrder(lambda: Float64Array): number[] {
  return Array.from(lambda.keys()).sort((i, j) => lambda[j] - lambda[i] || i - j);
}

export function normalizeIndices(indices: number[] | 'all', count: number): number[] {
  if (indices === 'all') return Array.from({ length: count }, (_, i) => i);
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  for (const i of sorted) {
    if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`singular index ${i} out of range`);
  }
  return sorted;
}

/**
 * Both singular vectors from unit Gram eigenvectors x (of W·Wᵀ when !ofColumns, else WᵀW) and
 * their images y = Wᵀx (or W·x), packed k×L: the other side is y/ν, scaled in place (views of
 * `images`, no copy: that side is the largest memory of a big layer's vectors). Only for ν well
 * above zero (the pipeline refines the small ones separately).
 */
export function pairSingularVectors(
  ofColumns: boolean,
  values: Float64Array,
  indices: number[],
  gramVectors: Float64Array[],
  images: Float64Array,
): SvdResult {
  const length = indices.length === 0 ? 0 : images.length / indices.length;
  const other = indices.map((i, k) => {
    const y = images.subarray(k * length, (k + 1) * length);
    const inv = 1 / values[i];
    for (let j = 0; j < length; j++) y[j] *= inv;
    return y;
  });
  return ofColumns
    ? { values, indices, left: other, right: gramVectors }
    : { values, indices, left: gramVectors, right: other };
}

/** y = W·x (length rows). */
export function multiply(a: Float64Array, rows: number, cols: number, x: Float64Array): Float64Array {
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let s = 0;
    const row = i * cols;
    for (let j = 0; j < cols; j++) s += a[row + j] * x[j];
    y[i] = s;
  }
  return y;
}

/** y = Wᵀ·x (length cols). */
export function multiplyTransposed(
  a: Float64Array,
  rows: number,
  cols: number,
  x: Float64Array,
): Float64Array {
  const y = new Float64Array(cols);
  for (let i = 0; i < rows; i++) {
    const xi = x[i];
    if (xi === 0) continue;
    const row = i * cols;
    for (let j = 0; j < cols; j++) y[j] += a[row + j] * xi;
  }
  return y;
}

export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}
