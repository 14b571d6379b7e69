/**
 * Spectra of Gaussian ensembles sampled from their tridiagonal models (Dumitriu & Edelman 2002),
 * which have exactly the same eigenvalue distribution as the dense matrices at O(n²) cost instead
 * of O(n²m). Used for the null distributions that need hundreds of replicas.
 */
import { tridiagonalEigen } from '../linalg/tridiagonalEigen';
import { tridiagonalize } from '../linalg/tridiagonalize';
import type { Rng } from './prng';

/**
 * Singular values (descending) of an n×m matrix (n ≤ m) of i.i.d. N(0, σ²) entries, from the
 * n×n lower-bidiagonal B with B[i,i] = σχ_{m−i}, B[i+1,i] = σχ_{n−1−i} (β = 1 Laguerre model):
 * eigenvalues of the tridiagonal B·Bᵀ are the ν².
 */
export function gaussianSingularValues(rng: Rng, n: number, m: number, sigma = 1): Float64Array {
  if (n > m) [n, m] = [m, n];
  const a = new Float64Array(n);
  const b = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    a[i] = sigma * rng.chi(m - i);
    if (i < n - 1) b[i] = sigma * rng.chi(n - 1 - i);
  }
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    d[i] = a[i] * a[i] + (i > 0 ? b[i - 1] * b[i - 1] : 0);
    if (i < n - 1) e[i] = b[i] * a[i];
  }
  tridiagonalEigen(d, e, n);
  return Float64Array.from(d, (x) => Math.sqrt(Math.max(x, 0)))
    .sort()
    .reverse();
}

/**
 * Eigenvalues (ascending) of the Gaussian β-ensemble (β = 1 GOE, 2 GUE, 4 GSE) of size n, scaled
 * like RMT.md §11's GOE (semicircle on [−2, 2]): H = T/√(βn), T[i,i] ~ N(0, 2), T[i,i+1] ~ χ_{β(n−1−i)}.
 */
export function betaHermiteEigenvalues(rng: Rng, n: number, beta: number): Float64Array {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const scale = 1 / Math.sqrt(beta * n);
  for (let i = 0; i < n; i++) {
    d[i] = Math.SQRT2 * rng.normal() * scale;
    if (i < n - 1) e[i] = rng.chi(beta * (n - 1 - i)) * scale;
  }
  tridiagonalEigen(d, e, n);
  return d.sort();
}

/** Eigenvalues (ascending) of a symmetric row-major n×n matrix (the upper triangle is read; `a` is copied). */
export function symmetricEigenvalues(a: Float64Array, n: number): Float64Array {
  const t = tridiagonalize(Float64Array.from(a), n);
  tridiagonalEigen(t.d, t.e, n);
  return t.d.sort();
}
