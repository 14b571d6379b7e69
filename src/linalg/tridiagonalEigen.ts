/**
 * Eigenvalues (and optionally eigenvectors) of a symmetric tridiagonal matrix by the implicit QL
 * algorithm with Wilkinson shifts.
 */

/**
 * d (length n) diagonal, e (length n, e[k] = T[k,k+1]) off-diagonal; both overwritten.
 * On return d holds the eigenvalues (unsorted). When `z` (n×n, row-major) is given, the rotations
 * are accumulated into its rows: start from the identity to get row j = eigenvector of d[j].
 */
export function tridiagonalEigen(d: Float64Array, e: Float64Array, n: number, z?: Float64Array): void {
  if (n <= 1) return;
  e[n - 1] = 0;
  // A budget for all the eigenvalues together, as LAPACK's dsteqr (30 per eigenvalue): a cluster at
  // the rounding level of ‖T‖ (the null space of a rank-deficient Gram matrix) can take hundreds
  // of iterations for one of them (measured: 520, 2.4 per eigenvalue on average, at n = 1024).
  let budget = 30 * n;
  for (let l = 0; l < n; l++) {
    for (;;) {
      let m = l;
      for (; m < n - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      if (--budget < 0) throw new Error('tridiagonal QL did not converge');
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1;
      let c = 1;
      let p = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i];
        const b = c * e[i];
        r = hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= p;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - p;
        r = (d[i] - g) * s + 2 * c * b;
        p = s * r;
        d[i + 1] = g + p;
        g = c * r - b;
        if (z) rotateRows(z, n, i, c, s);
      }
      if (r === 0 && i >= l) continue;
      d[l] -= p;
      e[l] = g;
      e[m] = 0;
    }
  }
}

/** Rows i and i+1 of z: (z_i, z_{i+1}) ← (c·z_i − s·z_{i+1}, s·z_i + c·z_{i+1}). */
function rotateRows(z: Float64Array, n: number, i: number, c: number, s: number): void {
  const a = i * n;
  const b = a + n;
  for (let k = 0; k < n; k++) {
    const zi = z[a + k];
    const zj = z[b + k];
    z[b + k] = s * zi + c * zj;
    z[a + k] = c * zi - s * zj;
  }
}

/** √(x² + y²) without Math.hypot's cost, falling back to it where squaring could overflow or underflow. */
function hypot(x: number, y: number): number {
  const r = Math.sqrt(x * x + y * y);
  return r > 1e-150 && r < 1e150 ? r : Math.hypot(x, y);
}
