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
 * From unit Gram eigenvectors (of W·Wᵀ when !ofColumns, else WᵀW) to both singular vectors:
 * the other side is W·x/ν or Wᵀ·x/ν. When ν is zero (or so small that the division is noise) the
 * other side is completed to an orthonormal set instead.
 */
export function pairSingularVectors(
  a: Float64Array,
  rows: number,
  cols: number,
  ofColumns: boolean,
  values: Float64Array,
  indices: number[],
  gramVectors: Float64Array[],
): SvdResult {
  const otherLength = ofColumns ? rows : cols;
  const other: Float64Array[] = [];
  const tiny = (values[0] || 0) * otherLength * Number.EPSILON;
  const needsCompletion: number[] = [];
  for (let k = 0; k < indices.length; k++) {
    const x = gramVectors[k];
    const nu = values[indices[k]];
    const y = ofColumns ? multiply(a, rows, cols, x) : multiplyTransposed(a, rows, cols, x);
    if (nu > tiny) {
      for (let i = 0; i < y.length; i++) y[i] /= nu;
    } else {
      y.fill(0);
      needsCompletion.push(k);
    }
    other.push(y);
  }
  completeOrthonormal(other, needsCompletion);
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

/**
 * Replaces vectors[k] for k in `slots` by unit vectors orthogonal to every other vector, trying
 * coordinate directions in turn (deterministic).
 */
function completeOrthonormal(vectors: Float64Array[], slots: number[]): void {
  if (slots.length === 0) return;
  const length = vectors[0].length;
  const open = new Set(slots);
  const basis = vectors.filter((_, k) => !open.has(k));
  let coordinate = 0;
  for (const k of slots) {
    for (; coordinate < length; coordinate++) {
      const y = new Float64Array(length);
      y[coordinate] = 1;
      for (let pass = 0; pass < 2; pass++) for (const b of basis) axpy(-dot(b, y), b, y);
      const norm = Math.sqrt(dot(y, y));
      if (norm > 0.5) {
        for (let i = 0; i < length; i++) y[i] /= norm;
        vectors[k] = y;
        basis.push(y);
        coordinate++;
        break;
      }
    }
  }
}

export function dot(x: Float64Array, y: Float64Array): number {
  let s = 0;
  for (let i = 0; i < x.length; i++) s += x[i] * y[i];
  return s;
}

export function axpy(alpha: number, x: Float64Array, y: Float64Array): void {
  for (let i = 0; i < x.length; i++) y[i] += alpha * x[i];
}
