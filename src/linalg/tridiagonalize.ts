/**
 * Householder reduction of a symmetric matrix to tridiagonal form, A = Q·T·Qᵀ, and the
 * back-transformation x = Q·z of eigenvectors of T.
 */
export interface Tridiagonal {
  n: number;
  /** Diagonal of T (length n). */
  d: Float64Array;
  /** Off-diagonal of T: e[k] = T[k, k+1] (length n; e[n-1] = 0). */
  e: Float64Array;
}

export interface Reflectors {
  n: number;
  /** Row k holds the reflector H_k = I − τ_k v vᵀ on indices k+1…n−1 (v[k+1] = 1 implied, rest in row k). */
  a: Float64Array;
  tau: Float64Array;
}

/**
 * Reduces the symmetric row-major n×n matrix `a` (upper triangle read) in place; on return the
 * strict upper triangle holds the reflectors. Unblocked (LAPACK dsytd2-style, on rows of the
 * upper triangle).
 */
export function tridiagonalize(a: Float64Array, n: number): Tridiagonal & { reflectors: Reflectors } {
  const d = new Float64Array(n);
  const e = new Float64Array(n);
  const tau = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const row = k * n;
    const h = householder(a, row + k + 1, n - k - 1);
    e[k] = h.beta;
    tau[k] = h.tau;
    d[k] = a[row + k];
    if (h.tau === 0) continue;
    a[row + k + 1] = 1;
    symmetricRank2Update(a, n, k + 1, row + k + 1, h.tau, p);
    a[row + k + 1] = h.beta;
  }
  if (n >= 2) {
    d[n - 2] = a[(n - 2) * n + n - 2];
    e[n - 2] = a[(n - 2) * n + n - 1];
  }
  if (n >= 1) d[n - 1] = a[n * n - 1];
  return { n, d, e, reflectors: { n, a, tau } };
}

/**
 * Turns x = a[off … off+len) into the reflector that maps it to (β, 0, …): on return
 * a[off+1 …] holds v (v[0] = 1 implied) and a[off] is untouched.
 */
function householder(a: Float64Array, off: number, len: number): { beta: number; tau: number } {
  const alpha = a[off];
  let scale = 0;
  for (let i = 1; i < len; i++) scale = Math.max(scale, Math.abs(a[off + i]));
  if (scale === 0) return { beta: alpha, tau: 0 };
  let ss = 0;
  for (let i = 1; i < len; i++) {
    const x = a[off + i] / scale;
    ss += x * x;
  }
  const xnorm = scale * Math.sqrt(ss);
  const beta = -Math.sign(alpha || 1) * Math.hypot(alpha, xnorm);
  const inv = 1 / (alpha - beta);
  for (let i = 1; i < len; i++) a[off + i] *= inv;
  return { beta, tau: (beta - alpha) / beta };
}

/**
 * With v = a[vOff … vOff+m) and A22 the trailing block from index s (m = n − s):
 * p = τ·A22·v, w = p − (τ/2)(pᵀv)·v, A22 −= v·wᵀ + w·vᵀ (upper triangle).
 */
function symmetricRank2Update(
  a: Float64Array,
  n: number,
  s: number,
  vOff: number,
  tau: number,
  p: Float64Array,
): void {
  const m = n - s;
  p.fill(0, 0, m);
  for (let i = 0; i < m; i++) {
    const row = (s + i) * n + s;
    const vi = a[vOff + i];
    let acc = a[row + i] * vi;
    for (let j = i + 1; j < m; j++) {
      const aij = a[row + j];
      acc += aij * a[vOff + j];
      p[j] += aij * vi;
    }
    p[i] += acc;
  }
  let pv = 0;
  for (let i = 0; i < m; i++) {
    p[i] *= tau;
    pv += p[i] * a[vOff + i];
  }
  const half = 0.5 * tau * pv;
  for (let i = 0; i < m; i++) p[i] -= half * a[vOff + i];
  for (let i = 0; i < m; i++) {
    const row = (s + i) * n + s;
    const vi = a[vOff + i];
    const wi = p[i];
    for (let j = i; j < m; j++) a[row + j] -= vi * p[j] + wi * a[vOff + j];
  }
}

/** z ← Q·z (or Qᵀ·z) for the reflectors of `tridiagonalize` (z has length n). */
export function applyQ(r: Reflectors, z: Float64Array, transpose = false): void {
  const { n, a, tau } = r;
  for (let step = 0; step < n - 2; step++) {
    const k = transpose ? step : n - 3 - step;
    if (tau[k] === 0) continue;
    const off = k * n + k + 1;
    let s = z[k + 1];
    for (let i = 1; i < n - k - 1; i++) s += a[off + i] * z[k + 1 + i];
    s *= tau[k];
    z[k + 1] -= s;
    for (let i = 1; i < n - k - 1; i++) z[k + 1 + i] -= s * a[off + i];
  }
}
