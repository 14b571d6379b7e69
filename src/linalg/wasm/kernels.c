// Dense kernels of the eigen/SVD engine, compiled to WebAssembly with 128-bit SIMD
// (scripts/build-wasm.mjs). Matrices are row-major float64; pointers are offsets into the
// (shared) linear memory managed from TypeScript (wasmKernels.ts). No libc, no static data and no
// shadow stack, so that two instances can run on one shared memory at the same time.
#include <wasm_simd128.h>

#define EXPORT(name) __attribute__((export_name(#name)))
typedef v128_t f64x2;

// a·b + c; with relaxed SIMD (built as a second variant) a fused multiply-add where the CPU has one.
#ifdef RELAXED
#define MADD(a, b, c) wasm_f64x2_relaxed_madd(a, b, c)
#else
#define MADD(a, b, c) wasm_f64x2_add(wasm_f64x2_mul(a, b), c)
#endif

static inline int imin(int a, int b) { return a < b ? a : b; }
static inline int imax(int a, int b) { return a > b ? a : b; }
static inline double dabs(double x) { return __builtin_fabs(x); }
static inline double dsqrt(double x) { return __builtin_sqrt(x); }
static inline double hsum(f64x2 v) { return wasm_f64x2_extract_lane(v, 0) + wasm_f64x2_extract_lane(v, 1); }

// ---------------------------------------------------------------------------------------------
// GEMM: C[M×N] += alpha · op(A)[M×K] · op(B)[K×N].
// op(A)[i][k] = A[i·sar + k·sak]; op(B)[k][j] = B[k·sbk + j·sbj] (strides cover transposes).
// B is packed into slivers of 4 columns (zero-padded). A's rows are read in place when they are
// contiguous along k; a transposed A (rows adjacent in memory) is packed 8 rows at a time, so each
// k reads one whole cache line: with a power-of-two leading dimension the lines of one k-block
// share a cache set and would be evicted before a second 4-row pass came back for their other half.
// tri = 0: whole C; 1: only 4×4 tiles touching the upper triangle (j ≥ i); 2: lower (j ≤ i).

#define KC 256
#define NC 256

// The workspace: packed B (KC×NC), packed A (MC×KC).
#define MC 8
#define GEMM_A_PACK (MC * KC)
EXPORT(gemm_workspace_doubles) int gemm_workspace_doubles(void) {
  return KC * NC + GEMM_A_PACK;
}

static void pack_b(const double *b, int sbk, int sbj, int kc, int nc, double *bp) {
  for (int s = 0; s < nc; s += 4) {
    int w = imin(4, nc - s);
    double *dst = bp + s * kc;
    for (int t = 0; t < kc; t++) {
      const double *src = b + t * sbk + s * sbj;
      for (int c = 0; c < 4; c++) dst[t * 4 + c] = c < w ? src[c * sbj] : 0.0;
    }
  }
}

static inline void store_row(double *cr, f64x2 al, f64x2 lo, f64x2 hi, int nr) {
  if (nr == 4) {
    wasm_v128_store(cr, wasm_f64x2_add(wasm_v128_load(cr), wasm_f64x2_mul(al, lo)));
    wasm_v128_store(cr + 2, wasm_f64x2_add(wasm_v128_load(cr + 2), wasm_f64x2_mul(al, hi)));
    return;
  }
  lo = wasm_f64x2_mul(al, lo);
  hi = wasm_f64x2_mul(al, hi);
  cr[0] += wasm_f64x2_extract_lane(lo, 0);
  if (nr > 1) cr[1] += wasm_f64x2_extract_lane(lo, 1);
  if (nr > 2) cr[2] += wasm_f64x2_extract_lane(hi, 0);
}

// A's mr ≤ MC rows × kc, packed as micro-panels of 4: row r at ap[(r / 4)·4·kc + 4t + r % 4]
// (rows past mr, up to a multiple of 4, are zeros). A transposed A (sar = 1) is read along its
// memory rows: mr contiguous values per t.
static void pack_a(const double *a, int sar, int sak, int kc, int mr, double *ap) {
  int quads = (mr + 3) / 4;
  if (sar == 1) {
    for (int t = 0; t < kc; t++) {
      const double *src = a + t * sak;
      int r = 0;
      for (; r + 4 <= mr; r += 4) {
        double *dst = ap + r * kc + 4 * t;
        wasm_v128_store(dst, wasm_v128_load(src + r));
        wasm_v128_store(dst + 2, wasm_v128_load(src + r + 2));
      }
      for (; r < quads * 4; r++) ap[(r / 4) * 4 * kc + 4 * t + r % 4] = r < mr ? src[r] : 0.0;
    }
    return;
  }
  for (int q = 0; q < quads; q++)
    for (int t = 0; t < kc; t++)
      for (int r = 0; r < 4; r++) {
        int row = 4 * q + r;
        ap[q * 4 * kc + 4 * t + r] = row < mr ? a[row * sar + t * sak] : 0.0;
      }
}

// 4×4 tile: acc = op(A)'s 4 rows (row r, step t at a[r·ars + t·aks]) · Bp sliver over kc;
// C tile += alpha·acc (only mr×nr valid). Inlined with constant strides into its two callers.
static inline __attribute__((always_inline)) void kernel_4x4(int kc, const double *a, int ars, int aks,
                                                             const double *bp, double *c, int ldc, double alpha,
                                                             int mr, int nr) {
  f64x2 c00 = wasm_f64x2_splat(0), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
  const double *a0 = a, *a1 = a + ars, *a2 = a + 2 * ars, *a3 = a + 3 * ars;
  for (int t = 0; t < kc; t++) {
    f64x2 b0 = wasm_v128_load(bp + 4 * t);
    f64x2 b1 = wasm_v128_load(bp + 4 * t + 2);
    f64x2 x0 = wasm_v128_load64_splat(a0 + t * aks);
    f64x2 x1 = wasm_v128_load64_splat(a1 + t * aks);
    f64x2 x2 = wasm_v128_load64_splat(a2 + t * aks);
    f64x2 x3 = wasm_v128_load64_splat(a3 + t * aks);
    c00 = MADD(x0, b0, c00);
    c01 = MADD(x0, b1, c01);
    c10 = MADD(x1, b0, c10);
    c11 = MADD(x1, b1, c11);
    c20 = MADD(x2, b0, c20);
    c21 = MADD(x2, b1, c21);
    c30 = MADD(x3, b0, c30);
    c31 = MADD(x3, b1, c31);
  }
  f64x2 al = wasm_f64x2_splat(alpha);
  store_row(c, al, c00, c01, nr);
  if (mr > 1) store_row(c + ldc, al, c10, c11, nr);
  if (mr > 2) store_row(c + 2 * ldc, al, c20, c21, nr);
  if (mr > 3) store_row(c + 3 * ldc, al, c30, c31, nr);
}

// The 4×4 tile from A's rows in place (4 whole rows, contiguous along k: row stride sar).
static void kernel_rows(int kc, const double *a, int sar, const double *bp, double *c, int ldc, double alpha, int nr) {
  kernel_4x4(kc, a, sar, 1, bp, c, ldc, alpha, 4, nr);
}

// The 4×4 tile from a packed micro-panel.
static void kernel_packed(int kc, const double *ap, const double *bp, double *c, int ldc, double alpha, int mr,
                          int nr) {
  kernel_4x4(kc, ap, 1, 4, bp, c, ldc, alpha, mr, nr);
}

static void gemm_offset(int m, int n, int k, double alpha, const double *a, int sar, int sak, const double *b,
                        int sbk, int sbj, double *c, int ldc, int tri, int toff, double *work);

EXPORT(gemm)
void gemm(int m, int n, int k, double alpha, const double *a, int sar, int sak, const double *b, int sbk,
          int sbj, double *c, int ldc, int tri, double *work) {
  gemm_offset(m, n, k, alpha, a, sar, sak, b, sbk, sbj, c, ldc, tri, 0, work);
}

// As gemm, with the triangle's diagonal at column i + toff of row i.
static void gemm_offset(int m, int n, int k, double alpha, const double *a, int sar, int sak, const double *b,
                        int sbk, int sbj, double *c, int ldc, int tri, int toff, double *work) {
  for (int k0 = 0; k0 < k; k0 += KC) {
    int kc = imin(KC, k - k0);
    for (int j0 = 0; j0 < n; j0 += NC) {
      int nc = imin(NC, n - j0);
      if (tri == 2 && j0 > m + toff + 3) continue;
      pack_b(b + k0 * sbk + j0 * sbj, sbk, sbj, kc, nc, work);
      double *ap = work + KC * NC;
      for (int ib = 0; ib < m; ib += MC) {
        int mb = imin(MC, m - ib);
        // Rows contiguous along k are read in place, except a last quad of fewer than 4 rows;
        // a transposed A is packed, the whole block of rows at once.
        int inPlace = sak == 1;
        int packed = 0;
        for (int i = ib; i < ib + mb; i += 4) {
          int mr = imin(4, m - i);
          // Tiles of this row block inside the triangle: columns [jlo, jhi) of the block.
          int jlo = 0, jhi = nc;
          if (tri == 1) jlo = imin(nc, imax(0, (i + toff - j0) & ~3));
          if (tri == 2) jhi = imax(0, imin(nc, i + toff + 4 - j0));
          if (jlo >= jhi) continue;
          const double *ai = a + i * sar + k0 * sak;
          const double *pi = ap + (i - ib) * kc;
          if (inPlace && mr < 4) {
            pack_a(ai, sar, sak, kc, mr, ap);
            pi = ap;
          } else if (!inPlace && !packed) {
            pack_a(a + ib * sar + k0 * sak, sar, sak, kc, mb, ap);
            packed = 1;
          }
          for (int j = jlo; j < jhi; j += 4) {
            int gj = j0 + j;
            if (tri == 1 && gj + 3 < i + toff) continue;
            if (tri == 2 && gj > i + toff + 3) continue;
            double *ct = c + i * ldc + gj;
            int nr = imin(4, nc - j);
            if (inPlace && mr == 4)
              kernel_rows(kc, ai, sar, work + j * kc, ct, ldc, alpha, nr);
            else
              kernel_packed(kc, pi, work + j * kc, ct, ldc, alpha, mr, nr);
          }
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// The largest |x_i| of x[0, n), or NaN when some x_i is not finite (the engine's scaling check).
// pmax is one instruction but drops NaNs, so x·0 (NaN for ±∞ and NaN) is summed beside it.
EXPORT(max_abs)
double max_abs(const double *x, int n) {
  f64x2 zero = wasm_f64x2_splat(0), m0 = zero, m1 = zero, bad = zero;
  int i = 0;
  for (; i + 4 <= n; i += 4) {
    f64x2 v0 = wasm_v128_load(x + i), v1 = wasm_v128_load(x + i + 2);
    m0 = wasm_f64x2_pmax(m0, wasm_f64x2_abs(v0));
    m1 = wasm_f64x2_pmax(m1, wasm_f64x2_abs(v1));
    bad = wasm_f64x2_add(bad, wasm_f64x2_add(wasm_f64x2_mul(v0, zero), wasm_f64x2_mul(v1, zero)));
  }
  m0 = wasm_f64x2_pmax(m0, m1);
  double m = wasm_f64x2_extract_lane(m0, 0), m2 = wasm_f64x2_extract_lane(m0, 1), b = hsum(bad);
  if (m2 > m) m = m2;
  for (; i < n; i++) {
    double a = dabs(x[i]);
    if (a > m) m = a;
    b += x[i] * 0.0;
  }
  return b == 0 ? m : b;
}

// ---------------------------------------------------------------------------------------------
// Gram matrix of the smaller side, rows [i0, i1): C = W·Wᵀ (n = rows) or WᵀW (n = cols, flags bit 0).
// flags bit 1: the lower triangle (what the two-stage reduction reads), else the upper one (the
// one-stage reduction's); tiles on the diagonal fill some of the other triangle too. C must be
// zeroed by the caller.
EXPORT(gram_rows)
void gram_rows(const double *w, int rows, int cols, int flags, double *c, int i0, int i1, double *work) {
  int ofColumns = flags & 1, lower = flags & 2;
  int n = ofColumns ? cols : rows;
  int len = ofColumns ? rows : cols;
  if (i1 <= i0) return;
  // op(A) = rows [i0, i1) of W (or columns of W, read transposed); op(B) = its transpose.
  const double *a = ofColumns ? w + i0 : w + i0 * cols;
  int sar = ofColumns ? 1 : cols, sak = ofColumns ? cols : 1;
  if (lower)
    gemm_offset(i1 - i0, i1, len, 1.0, a, sar, sak, w, sak, sar, c + i0 * n, n, 2, i0, work);
  else
    gemm(i1 - i0, n - i0, len, 1.0, a, sar, sak, a, sak, sar, c + i0 * n + i0, n, 1, work);
}

// ---------------------------------------------------------------------------------------------
// Vector helpers.
static double dot(const double *x, const double *y, int n) {
  f64x2 s0 = wasm_f64x2_splat(0), s1 = s0;
  int i = 0;
  for (; i + 3 < n; i += 4) {
    s0 = MADD(wasm_v128_load(x + i), wasm_v128_load(y + i), s0);
    s1 = MADD(wasm_v128_load(x + i + 2), wasm_v128_load(y + i + 2), s1);
  }
  s0 = wasm_f64x2_add(s0, s1);
  double s = wasm_f64x2_extract_lane(s0, 0) + wasm_f64x2_extract_lane(s0, 1);
  for (; i < n; i++) s += x[i] * y[i];
  return s;
}

static void axpy(double alpha, const double *x, double *y, int n) {
  f64x2 a = wasm_f64x2_splat(alpha);
  int i = 0;
  for (; i + 1 < n; i += 2) wasm_v128_store(y + i, MADD(a, wasm_v128_load(x + i), wasm_v128_load(y + i)));
  for (; i < n; i++) y[i] += alpha * x[i];
}

// Householder reflector for x (length len, stride inc): x[0] untouched, x[1..] ← v[1..];
// returns tau, *beta gets the new x[0].
static double householder(double *x, int len, int inc, double *beta) {
  double alpha = x[0], scale = 0;
  for (int i = 1; i < len; i++) scale = scale > dabs(x[i * inc]) ? scale : dabs(x[i * inc]);
  if (scale == 0) {
    *beta = alpha;
    return 0;
  }
  double ss = 0, rscale = 1 / scale;
  for (int i = 1; i < len; i++) {
    double t = x[i * inc] * rscale;
    ss += t * t;
  }
  double xnorm = scale * dsqrt(ss);
  double h = dsqrt(alpha * alpha + xnorm * xnorm);
  if (!(h < __builtin_inf())) {
    double as = dabs(alpha) / scale;
    h = scale * dsqrt(as * as + ss);
  }
  double b = alpha >= 0 ? -h : h;
  double inv = 1 / (alpha - b);
  for (int i = 1; i < len; i++) x[i * inc] *= inv;
  *beta = b;
  return (b - alpha) / b;
}

// L ← (I − τ·v·vᵀ)·L for the len×w block whose row i is l + i·ld: sums = Lᵀ·v (four rows per
// pass, so that the accumulation chains stay short), then L_i −= τ·v_i·sums.
static void reflect_rows(double *l, int ld, int len, int w, const double *v, double tau, double *sums) {
  for (int c = 0; c < w; c++) sums[c] = 0;
  int i = 0;
  for (; i + 3 < len; i += 4) {
    const double *r0 = l + i * ld, *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
    f64x2 v0 = wasm_f64x2_splat(v[i]), v1 = wasm_f64x2_splat(v[i + 1]);
    f64x2 v2 = wasm_f64x2_splat(v[i + 2]), v3 = wasm_f64x2_splat(v[i + 3]);
    int c = 0;
    for (; c + 1 < w; c += 2) {
      f64x2 a = MADD(v0, wasm_v128_load(r0 + c), MADD(v1, wasm_v128_load(r1 + c), wasm_v128_load(sums + c)));
      wasm_v128_store(sums + c, MADD(v2, wasm_v128_load(r2 + c), MADD(v3, wasm_v128_load(r3 + c), a)));
    }
    for (; c < w; c++) sums[c] += v[i] * r0[c] + v[i + 1] * r1[c] + v[i + 2] * r2[c] + v[i + 3] * r3[c];
  }
  for (; i < len; i++) axpy(v[i], l + i * ld, sums, w);
  for (i = 0; i < len; i++) axpy(-tau * v[i], sums, l + i * ld, w);
}

// N ← N·(I − τ·v·vᵀ) for the rows×len block whose row i is x + i·ld: t_i = N_i·v for two rows at
// a time, then N_i −= τ·t_i·vᵀ.
static void reflect_columns(double *x, int ld, int rows, int len, const double *v, double tau) {
  int i = 0;
  for (; i + 1 < rows; i += 2) {
    double *r0 = x + i * ld, *r1 = r0 + ld;
    f64x2 a0 = wasm_f64x2_splat(0), a1 = a0, b0 = a0, b1 = a0;
    int c = 0;
    for (; c + 3 < len; c += 4) {
      f64x2 va = wasm_v128_load(v + c), vb = wasm_v128_load(v + c + 2);
      a0 = MADD(wasm_v128_load(r0 + c), va, a0);
      b0 = MADD(wasm_v128_load(r0 + c + 2), vb, b0);
      a1 = MADD(wasm_v128_load(r1 + c), va, a1);
      b1 = MADD(wasm_v128_load(r1 + c + 2), vb, b1);
    }
    a0 = wasm_f64x2_add(a0, b0);
    a1 = wasm_f64x2_add(a1, b1);
    double t0 = wasm_f64x2_extract_lane(a0, 0) + wasm_f64x2_extract_lane(a0, 1);
    double t1 = wasm_f64x2_extract_lane(a1, 0) + wasm_f64x2_extract_lane(a1, 1);
    for (; c < len; c++) {
      t0 += r0[c] * v[c];
      t1 += r1[c] * v[c];
    }
    axpy(-tau * t0, v, r0, len);
    axpy(-tau * t1, v, r1, len);
  }
  for (; i < rows; i++) axpy(-tau * dot(x + i * ld, v, len), v, x + i * ld, len);
}

// Given p = D·v for a reflector H = I − τ·v·vᵀ, turns p into w = τ·p − ½τ²(vᵀp)·v, so that
// H·D·H = D − v·wᵀ − w·vᵀ.
static void two_sided_update_vector(double *p, const double *v, int len, double tau) {
  double pv = 0;
  for (int i = 0; i < len; i++) {
    p[i] *= tau;
    pv += p[i] * v[i];
  }
  double half = 0.5 * tau * pv;
  for (int i = 0; i < len; i++) p[i] -= half * v[i];
}

// T of a block reflector I − V·T·Vᵀ = H_0·H_1⋯H_{nb−1} (forward, columnwise), from its
// diagonal τ (already in t) and V (m×nb, rows of nb, zeros above each reflector's 1):
// T[0:c, c] = −τ_c·T[0:c, 0:c]·(Vᵀv_c)[0:c]. mm: nb² doubles, sc: nb.
static void block_reflector_t(const double *v, int m, int nb, double *t, double *mm, double *sc, double *gw) {
  for (int i = 0; i < nb * nb; i++) mm[i] = 0;
  gemm(nb, nb, m, 1.0, v, 1, nb, v, nb, 1, mm, nb, 0, gw);  // VᵀV
  for (int c = 0; c < nb; c++) {
    double tc = t[c * nb + c];
    for (int q = 0; q < c; q++) {
      double sum = 0;
      for (int r = q; r < c; r++) sum += t[q * nb + r] * mm[r * nb + c];
      sc[q] = -tc * sum;
    }
    for (int q = 0; q < c; q++) t[q * nb + c] = sc[q];
    for (int q = c + 1; q < nb; q++) t[q * nb + c] = 0;
  }
}

// ---------------------------------------------------------------------------------------------
// Blocked one-stage tridiagonalisation (LAPACK's dsytrd/dlatrd scheme) on the upper triangle,
// row-major (row j holds A[j][j..n), i.e. column j of the lower triangle): panels of nb columns;
// inside a panel each reflector needs one product with the trailing matrix (symv_upper), the
// panel's earlier reflectors entering through corrections with V and W; after the panel the
// trailing matrix gets A −= V·Wᵀ + W·Vᵀ in GEMM. Half the flops stay matrix–vector, but the
// back-transformation is one Q instead of the two-stage Q1·Q2 (half the flops for all vectors).

// p = A·v for the upper-stored m×m block at a (row stride ld): each row read once, four at a
// time, for both its dot product and its transposed contribution (four independent dot chains:
// with two, the loop waited on the fused multiply-add's latency).
static void symv_upper(const double *a, int ld, int m, const double *v, double *p) {
  for (int i = 0; i < m; i++) p[i] = 0;
  int i = 0;
  for (; i + 3 < m; i += 4) {
    const double *r0 = a + i * ld, *r1 = r0 + ld, *r2 = r1 + ld, *r3 = r2 + ld;
    // The 4×4 diagonal block, symmetric from its upper half (no local arrays: see band_chase).
    for (int q = 0; q < 4; q++)
      for (int c = 0; c < 4; c++) {
        int lo = q < c ? q : c, hi = q < c ? c : q;
        p[i + q] += a[(i + lo) * ld + i + hi] * v[i + c];
      }
    f64x2 a0 = wasm_f64x2_splat(0), a1 = a0, a2 = a0, a3 = a0;
    f64x2 w0 = wasm_f64x2_splat(v[i]), w1 = wasm_f64x2_splat(v[i + 1]);
    f64x2 w2 = wasm_f64x2_splat(v[i + 2]), w3 = wasm_f64x2_splat(v[i + 3]);
    int k = i + 4;
    double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    if ((m - k) & 1) {  // one scalar column first, the rest in pairs
      double vk = v[k];
      s0 = r0[k] * vk, s1 = r1[k] * vk, s2 = r2[k] * vk, s3 = r3[k] * vk;
      p[k] += v[i] * r0[k] + v[i + 1] * r1[k] + v[i + 2] * r2[k] + v[i + 3] * r3[k];
      k++;
    }
    for (; k < m; k += 2) {
      f64x2 x0 = wasm_v128_load(r0 + k), x1 = wasm_v128_load(r1 + k);
      f64x2 x2 = wasm_v128_load(r2 + k), x3 = wasm_v128_load(r3 + k), vk = wasm_v128_load(v + k);
      a0 = MADD(x0, vk, a0), a1 = MADD(x1, vk, a1), a2 = MADD(x2, vk, a2), a3 = MADD(x3, vk, a3);
      f64x2 pk = MADD(w0, x0, wasm_v128_load(p + k));
      wasm_v128_store(p + k, MADD(w3, x3, MADD(w2, x2, MADD(w1, x1, pk))));
    }
    p[i] += s0 + hsum(a0);
    p[i + 1] += s1 + hsum(a1);
    p[i + 2] += s2 + hsum(a2);
    p[i + 3] += s3 + hsum(a3);
  }
  for (; i < m; i++) {
    const double *row = a + i * ld;
    p[i] += row[i] * v[i] + dot(row + i + 1, v + i + 1, m - i - 1);
    axpy(v[i], row + i + 1, p + i + 1, m - i - 1);
  }
}

// V of the one-stage panel [j0, j0+w) into v (rows j0+1 … n−1 as rows of nb): reflector l lives
// in row j0+l of a past its implicit 1 at column j0+l+1; zeros above that 1 and in columns ≥ w.
static void one_stage_v(const double *a, int n, int nb, int j0, int w, double *v) {
  for (int i = 0; i < n - j0 - 1; i++)
    for (int l = 0; l < nb; l++) {
      int row = j0 + 1 + i, top = j0 + l + 1;
      v[i * nb + l] = l >= w || row < top ? 0 : row == top ? 1.0 : a[(j0 + l) * n + row];
    }
}

// Panel [j0, j0+w) of the blocked reduction. wbuf: W's columns as rows (nb×n); tstore: the
// panel's T (nb×nb, upper) for apply_one_stage; vt: nb·n doubles; p: max(n, nb) doubles; mm: nb².
static void one_stage_panel(double *a, int n, int nb, int j0, int w, double *d, double *e, double *tau,
                            double *wbuf, double *t, double *vt, double *p, double *mm, double *gw) {
  for (int c = 0; c < w; c++) {
    int j = j0 + c, len = n - j;
    double *col = a + j * n;
    // Column j with the panel's earlier reflectors: −= Σ W_l[j]·V_l + V_l[j]·W_l (rows j…n).
    for (int l = 0; l < c; l++) {
      const double *vl = a + (j0 + l) * n, *wl = wbuf + l * n;
      axpy(-wl[j], vl + j, col + j, len);
      axpy(-vl[j], wl + j, col + j, len);
    }
    d[j] = col[j];
    double beta;
    double tc = householder(col + j + 1, len - 1, 1, &beta);
    e[j] = beta;
    tau[j] = tc;
    col[j + 1] = 1;
    double *wc = wbuf + c * n;
    for (int i = 0; i < n; i++) wc[i] = 0;
    if (tc == 0) continue;
    const double *v = col + j + 1;
    int m = len - 1, s = j + 1;
    symv_upper(a + s * n + s, n, m, v, wc + s);
    // The trailing block still lacks this panel's earlier updates: p −= V·(Wᵀv) + W·(Vᵀv).
    for (int l = 0; l < c; l++) {
      const double *vl = a + (j0 + l) * n + s, *wl = wbuf + l * n + s;
      double wv = dot(wl, v, m), vv = dot(vl, v, m);
      axpy(-wv, vl, wc + s, m);
      axpy(-vv, wl, wc + s, m);
    }
    two_sided_update_vector(wc + s, v, m, tc);
  }
  // Trailing matrix rows [r0, n): A −= V·Wᵀ + W·Vᵀ (upper tiles only).
  int r0 = j0 + w, m2 = n - r0;
  if (m2 > 0) {
    double *c = a + r0 * n + r0;
    gemm(m2, m2, w, -1.0, a + j0 * n + r0, 1, n, wbuf + r0, n, 1, c, n, 1, gw);
    gemm(m2, m2, w, -1.0, wbuf + r0, 1, n, a + j0 * n + r0, n, 1, c, n, 1, gw);
  }
  // The panel's T from its V.
  one_stage_v(a, n, nb, j0, w, vt);
  for (int c = 0; c < nb; c++) t[c * nb + c] = c < w ? tau[j0 + c] : 0;
  block_reflector_t(vt, n - j0 - 1, nb, t, mm, p, gw);
  for (int c = 0; c < w; c++) a[(j0 + c) * n + j0 + c + 1] = e[j0 + c];
}

// Doubles of tridiagonalize_blocked's workspace.
EXPORT(one_stage_work_doubles)
int one_stage_work_doubles(int n, int nb) { return 2 * nb * n + imax(n, nb) + nb * nb + gemm_workspace_doubles(); }

// The whole reduction: d, e, tau (n each), the panels' T factors into tstore (⌈(n−2)/nb⌉·nb²).
EXPORT(tridiagonalize_blocked)
void tridiagonalize_blocked(double *a, int n, int nb, double *d, double *e, double *tau, double *tstore,
                            double *work) {
  double *wbuf = work, *vt = wbuf + nb * n, *p = vt + nb * n, *mm = p + imax(n, nb), *gw = mm + nb * nb;
  int q = 0;
  for (int j0 = 0; j0 < n - 2; j0 += nb, q++)
    one_stage_panel(a, n, nb, j0, imin(nb, n - 2 - j0), d, e, tau, wbuf, tstore + q * nb * nb, vt, p, mm, gw);
  for (int j = imax(n - 2, 0); j < n; j++) {
    d[j] = a[j * n + j];
    e[j] = j + 1 < n ? a[j * n + j + 1] : 0;
    tau[j] = 0;
  }
}

// x ← Q·x (or Qᵀ·x) for the blocked one-stage reduction; x is n×count with row stride ldx.
// work: apply_work_doubles(n, nb, count) doubles.
EXPORT(apply_one_stage)
void apply_one_stage(const double *a, int n, int nb, const double *tstore, double *x, int ldx, int count,
                     int transpose, double *work) {
  double *vbuf = work, *y = vbuf + n * nb, *y2 = y + nb * count, *gw = y2 + nb * count;
  int panels = n > 2 ? (n - 2 + nb - 1) / nb : 0;
  for (int s = 0; s < panels; s++) {
    int q = transpose ? s : panels - 1 - s, j0 = q * nb, w = imin(nb, n - 2 - j0), r0 = j0 + 1, m = n - r0;
    const double *t = tstore + q * nb * nb;
    one_stage_v(a, n, nb, j0, w, vbuf);
    for (int i = 0; i < nb * count; i++) y[i] = y2[i] = 0;
    gemm(nb, count, m, 1.0, vbuf, 1, nb, x + r0 * ldx, ldx, 1, y, count, 0, gw);
    gemm(nb, count, nb, 1.0, t, transpose ? 1 : nb, transpose ? nb : 1, y, count, 1, y2, count, 0, gw);
    gemm(m, count, nb, -1.0, vbuf, nb, 1, y2, count, 1, x + r0 * ldx, ldx, 0, gw);
  }
}

// ---------------------------------------------------------------------------------------------
// Two-stage reduction for eigenvalues. Stage 1: dense → band of half-width nb, on the lower
// triangle of a (full n×n storage), panel QR + symmetric rank-2nb updates through gemm.

// Stage 1 runs panel by panel: band_panel (one thread), band_symm_part (one part per thread),
// band_symm_sum and band_w (one thread), band_update_rows (rows split). The shared scratch `work`
// holds u, x, v (m×nb each), t, mm, tm (nb×nb), 2·nb more, vw = [V W] and wv = [W V] (m×2nb
// each), then u by column quads (n×nb) and one n×nb output per part:
// (8 + parts)·n·nb + 3·nb·nb + 2·nb doubles; every thread brings its own gemm workspace gw.
// nb is a multiple of 4, at most 64.

#define STAGE1_SCRATCH                                                                         \
  double *u = work, *x = u + n * nb, *v = x + n * nb, *t = v + n * nb, *mm = t + nb * nb,    \
         *tm = mm + nb * nb, *sc = tm + nb * nb, *vw = sc + 2 * nb, *wv = vw + 2 * n * nb;    \
  double *uq = wv + 2 * n * nb, *ys = uq + n * nb;                                          \
  (void)u, (void)x, (void)v, (void)t, (void)mm, (void)tm, (void)sc, (void)vw, (void)wv;       \
  (void)uq, (void)ys;

EXPORT(band_panel_count) int band_panel_count(int n, int nb) {
  int panels = 0;
  for (int j0 = 0; j0 + nb < n - 1; j0 += nb) panels++;
  return panels;
}

// QR of panel p's block below the band; T and u = V·T into the scratch; T also to tstore if set.
// When tstore is set, T goes there and Vᵀ above the diagonal, for apply_two_stage.
EXPORT(band_panel)
void band_panel(double *a, int n, int nb, int p, double *work, double *tstore, double *gw) {
  STAGE1_SCRATCH
  int j0 = p * nb, r0 = j0 + nb, m = n - r0, w = imin(nb, m);
  double *panel = a + r0 * n + j0;
  double *betas = sc + nb;
  // QR on a contiguous copy (rows of nb), written back below.
  for (int i = 0; i < m; i++)
    for (int c = 0; c < nb; c++) v[i * nb + c] = panel[i * n + c];
  for (int c = 0; c < w; c++) {
    double tc = householder(v + c * nb + c, m - c, nb, &betas[c]);
    t[c * nb + c] = tc;
    v[c * nb + c] = 1;
    if (tc != 0 && c + 1 < nb) {
      // Remaining columns c+1..nb-1: P ← (I − τ·v·vᵀ)·P, rows contiguous; v copied into x.
      for (int i = c; i < m; i++) x[i] = v[i * nb + c];
      reflect_rows(v + c * nb + c + 1, nb, m - c, nb - c - 1, x + c, tc, sc);
    }
  }
  for (int c = w; c < nb; c++) t[c * nb + c] = 0;
  // Back to the matrix: R above the diagonal, β on it, the reflectors below (apply_panel reads
  // their copy above the diagonal instead).
  for (int i = 0; i < m; i++)
    for (int c = 0; c < nb; c++) {
      double x0 = v[i * nb + c];
      if (c >= w || i < c) {
        panel[i * n + c] = x0;
        v[i * nb + c] = 0;
      } else if (i == c) {
        panel[i * n + c] = betas[c];
        v[i * nb + c] = 1;
      } else {
        panel[i * n + c] = x0;
      }
    }
  block_reflector_t(v, m, nb, t, mm, sc, gw);
  if (tstore) {
    for (int i = 0; i < nb * nb; i++) tstore[p * nb * nb + i] = t[i];
    // Vᵀ also where Vᵀ belongs, above the diagonal (row j0 + c, columns r0…n), which the two-stage
    // reduction never reads: apply_panel then reads contiguous rows instead of nb doubles from
    // each of m rows n doubles apart (for a few vectors that strided read was most of the
    // back-transformation: 1024², one vector, 3.8 ms).
    for (int c = 0; c < nb; c++) {
      double *row = a + (j0 + c) * n + r0;
      for (int i = 0; i < m; i++) row[i] = v[i * nb + c];
    }
  }
  for (int i = 0; i < m * nb; i++) u[i] = 0;
  gemm(m, nb, nb, 1.0, v, nb, 1, t, nb, 1, u, nb, 0, gw);
  // u by column quads for band_symm_part: quad q holds rows of 4 at uq + 4·q·m.
  for (int i = 0; i < m; i++)
    for (int c = 0; c < nb; c++) uq[(c & ~3) * m + 4 * i + (c & 3)] = u[i * nb + c];
}

// x = A22·u, A22 the lower-stored trailing matrix (m×m), in parts: part k of `parts` takes the
// stored rows [c_k, c_k+1) with c_k = m·√(k/parts) (equal areas of the triangle) and adds both
// what they give their own rows (A[i, 0..i]·u) and, read transposed, the rows above them
// (A[i, j]·u[i] to row j < i) into its own output ys + k·n·nb (by column quads, as uq): each
// stored value is read once. band_symm_sum adds the parts into x.
static int symm_cut(int m, int part, int parts) {
  if (part >= parts) return m;
  return (int)(m * dsqrt((double)part / parts)) & ~1;
}

EXPORT(band_symm_part)
void band_symm_part(double *a, int n, int nb, int p, double *work, int part, int parts, double *gw) {
  STAGE1_SCRATCH
  (void)gw;
  int r0 = p * nb + nb, m = n - r0;
  const double *a22 = a + r0 * n + r0;
  double *y = ys + part * n * nb;
  int i0 = symm_cut(m, part, parts), i1 = symm_cut(m, part + 1, parts);
  for (int i = 0; i < i1 * nb; i++) y[(i % nb & ~3) * m + 4 * (i / nb) + (i & 3)] = 0;
  for (int q = 0; q < nb; q += 4) {
    const double *uc = uq + q * m;  // rows of 4: u[j, q..q+4) at uc + 4j
    double *yc = y + q * m;
    int i = i0;
    for (; i + 1 < i1; i += 2) {
      const double *ra = a22 + i * n, *rb = ra + n;
      f64x2 ua0 = wasm_v128_load(uc + 4 * i), ua1 = wasm_v128_load(uc + 4 * i + 2);
      f64x2 ub0 = wasm_v128_load(uc + 4 * i + 4), ub1 = wasm_v128_load(uc + 4 * i + 6);
      f64x2 sa0 = wasm_f64x2_splat(0), sa1 = sa0, sb0 = sa0, sb1 = sa0;
      for (int j = 0; j < i; j++) {
        f64x2 xa = wasm_v128_load64_splat(ra + j), xb = wasm_v128_load64_splat(rb + j);
        f64x2 u0 = wasm_v128_load(uc + 4 * j), u1 = wasm_v128_load(uc + 4 * j + 2);
        sa0 = MADD(xa, u0, sa0);
        sa1 = MADD(xa, u1, sa1);
        sb0 = MADD(xb, u0, sb0);
        sb1 = MADD(xb, u1, sb1);
        double *yj = yc + 4 * j;
        wasm_v128_store(yj, MADD(xb, ub0, MADD(xa, ua0, wasm_v128_load(yj))));
        wasm_v128_store(yj + 2, MADD(xb, ub1, MADD(xa, ua1, wasm_v128_load(yj + 2))));
      }
      // The 2×2 diagonal block [A[i][i], A[i+1][i]; A[i+1][i], A[i+1][i+1]].
      f64x2 dii = wasm_f64x2_splat(ra[i]), dji = wasm_f64x2_splat(rb[i]), djj = wasm_f64x2_splat(rb[i + 1]);
      sa0 = MADD(dii, ua0, MADD(dji, ub0, sa0));
      sa1 = MADD(dii, ua1, MADD(dji, ub1, sa1));
      sb0 = MADD(dji, ua0, MADD(djj, ub0, sb0));
      sb1 = MADD(dji, ua1, MADD(djj, ub1, sb1));
      double *yi = yc + 4 * i;
      wasm_v128_store(yi, wasm_f64x2_add(wasm_v128_load(yi), sa0));
      wasm_v128_store(yi + 2, wasm_f64x2_add(wasm_v128_load(yi + 2), sa1));
      wasm_v128_store(yi + 4, wasm_f64x2_add(wasm_v128_load(yi + 4), sb0));
      wasm_v128_store(yi + 6, wasm_f64x2_add(wasm_v128_load(yi + 6), sb1));
    }
    if (i < i1) {
      // The last row of an odd m.
      const double *ra = a22 + i * n;
      f64x2 ua0 = wasm_v128_load(uc + 4 * i), ua1 = wasm_v128_load(uc + 4 * i + 2);
      f64x2 sa0 = wasm_f64x2_splat(0), sa1 = sa0;
      for (int j = 0; j < i; j++) {
        f64x2 xa = wasm_v128_load64_splat(ra + j);
        sa0 = MADD(xa, wasm_v128_load(uc + 4 * j), sa0);
        sa1 = MADD(xa, wasm_v128_load(uc + 4 * j + 2), sa1);
        double *yj = yc + 4 * j;
        wasm_v128_store(yj, MADD(xa, ua0, wasm_v128_load(yj)));
        wasm_v128_store(yj + 2, MADD(xa, ua1, wasm_v128_load(yj + 2)));
      }
      f64x2 dii = wasm_f64x2_splat(ra[i]);
      double *yi = yc + 4 * i;
      wasm_v128_store(yi, wasm_f64x2_add(wasm_v128_load(yi), MADD(dii, ua0, sa0)));
      wasm_v128_store(yi + 2, wasm_f64x2_add(wasm_v128_load(yi + 2), MADD(dii, ua1, sa1)));
    }
  }
}

// x (m×nb) = the sum of the parts' outputs (part k covers rows [0, c_k+1)).
EXPORT(band_symm_sum)
void band_symm_sum(double *a, int n, int nb, int p, double *work, int parts) {
  STAGE1_SCRATCH
  (void)a;
  int m = n - (p * nb + nb);
  for (int i = 0; i < m * nb; i++) x[i] = 0;
  for (int k = 0; k < parts; k++) {
    const double *y = ys + k * n * nb;
    int rows = symm_cut(m, k + 1, parts);
    for (int i = 0; i < rows; i++)
      for (int c = 0; c < nb; c++) x[i * nb + c] += y[(c & ~3) * m + 4 * i + (c & 3)];
  }
}

// u ← W = x − ½·V·(Tᵀ·(Vᵀ·x)).
EXPORT(band_w)
void band_w(double *a, int n, int nb, int p, double *work, double *gw) {
  STAGE1_SCRATCH
  (void)a;
  int m = n - (p * nb + nb);
  for (int i = 0; i < nb * nb; i++) mm[i] = 0;
  gemm(nb, nb, m, 1.0, v, 1, nb, x, nb, 1, mm, nb, 0, gw);
  for (int r = 0; r < nb; r++)
    for (int q = 0; q < nb; q++) {
      double sum = 0;
      for (int k = 0; k <= r; k++) sum += t[k * nb + r] * mm[k * nb + q];
      tm[r * nb + q] = sum;
    }
  for (int i = 0; i < m * nb; i++) u[i] = x[i];
  gemm(m, nb, nb, -0.5, v, nb, 1, tm, nb, 1, u, nb, 0, gw);
  for (int i = 0; i < m; i++)
    for (int c = 0; c < nb; c++) {
      vw[i * 2 * nb + c] = wv[i * 2 * nb + nb + c] = v[i * nb + c];
      vw[i * 2 * nb + nb + c] = wv[i * 2 * nb + c] = u[i * nb + c];
    }
}

// Rows [i0, i1) of the lower triangle of A22 −= V·Wᵀ + W·Vᵀ.
EXPORT(band_update_rows)
void band_update_rows(double *a, int n, int nb, int p, double *work, int i0, int i1, double *gw) {
  STAGE1_SCRATCH
  int r0 = p * nb + nb, m = n - r0;
  double *a22 = a + r0 * n + r0;
  if (i1 > m) i1 = m;
  if (i1 <= i0) return;
  gemm_offset(i1 - i0, i1, 2 * nb, -1.0, vw + i0 * 2 * nb, 2 * nb, 1, wv, 1, 2 * nb, a22 + i0 * n, n, 2, i0, gw);
}

// y = D·v for the symmetric len×len block D whose lower triangle is stored by rows: row p holds
// D[p][0..p] at d + p·ld. One pass: each row gives y[p] (a dot) and adds to y[0..p) (an axpy).
static void symv_lower_rows(const double *d, int ld, int len, const double *v, double *y) {
  for (int p = 0; p < len; p++) y[p] = 0;
  for (int p = 0; p < len; p++) {
    const double *row = d + p * ld;
    f64x2 vp = wasm_f64x2_splat(v[p]);
    f64x2 acc = wasm_f64x2_splat(0);
    int q = 0;
    for (; q + 1 < p; q += 2) {
      f64x2 r = wasm_v128_load(row + q);
      acc = MADD(r, wasm_v128_load(v + q), acc);
      wasm_v128_store(y + q, MADD(vp, r, wasm_v128_load(y + q)));
    }
    double sum = wasm_f64x2_extract_lane(acc, 0) + wasm_f64x2_extract_lane(acc, 1);
    for (; q < p; q++) {
      sum += row[q] * v[q];
      y[q] += v[p] * row[q];
    }
    y[p] += sum + row[p] * v[p];
  }
}

// D −= v·wᵀ + w·vᵀ on the lower triangle stored as in symv_lower_rows.
static void syr2_lower_rows(double *d, int ld, int len, const double *v, const double *w) {
  for (int p = 0; p < len; p++) {
    double *row = d + p * ld;
    f64x2 vp = wasm_f64x2_splat(-v[p]), wp = wasm_f64x2_splat(-w[p]);
    int q = 0;
    for (; q + 1 <= p; q += 2)
      wasm_v128_store(row + q, MADD(vp, wasm_v128_load(w + q), MADD(wp, wasm_v128_load(v + q), wasm_v128_load(row + q))));
    for (; q <= p; q++) row[q] -= v[p] * w[q] + w[p] * v[q];
  }
}

// Stage 2: band (half-width nb, lower triangle of a) → tridiagonal by bulge chasing, in a
// compact copy whose rows run forward: row i holds A[i][i−2nb … i], so that every block the
// chase touches is a set of contiguous row pieces.
#define BAND(i, j) band[(i) * bw + (j) - (i) + 2 * nb]

// The band of a (n×n, lower triangle) into `band` (n·(2nb+1) doubles).
EXPORT(band_copy)
void band_copy(const double *a, int n, int nb, double *band) {
  int bw = 2 * nb + 1;
  for (int i = 0; i < n * bw; i++) band[i] = 0;
  for (int i = 0; i < n; i++)
    for (int k = 0; k <= nb && k <= i; k++) BAND(i, i - k) = a[i * n + i - k];
}

// Steps of sweep j (each a reflector of length ≥ 2 at rows j+1+b·nb).
static int chase_steps(int n, int nb, int j) { return j <= n - 3 ? (n - 3 - j) / nb + 1 : 0; }

// Step b of sweep j: annihilates column col below row s (s = j+1+b·nb) and chases the bulge;
// touches rows [s, s+len+nb) of the band. Records the reflector as (s, τ, v[0..nb)) in refl[index]
// when refl is not null. scratch: 3·nb doubles.
static void chase_step(double *band, int n, int nb, int j, int b, double *refl, int index, double *scratch) {
  int bw = 2 * nb + 1;
  double *v = scratch, *wv = v + nb, *sums = wv + nb;
  int s = j + 1 + b * nb;
  int len = imin(nb, n - s);
  int col = b == 0 ? j : s - nb;
  for (int i = 0; i < len; i++) v[i] = BAND(s + i, col);
  double beta;
  double tau = householder(v, len, 1, &beta);
  v[0] = 1;
  if (tau != 0) {
    // Left block rows [s, s+len), columns (col, s): L ← H·L, row by row.
    int w = s - col - 1;
    if (w > 0) reflect_rows(&BAND(s, col + 1), 2 * nb, len, w, v, tau, sums);
    // Diagonal block: D ← H·D·H via w = τD·v − ½τ²(vᵀDv)·v, D −= v·wᵀ + w·vᵀ, on the lower
    // triangle in place (row p of the block starts 2nb doubles after row p−1).
    symv_lower_rows(&BAND(s, s), 2 * nb, len, v, wv);
    two_sided_update_vector(wv, v, len, tau);
    syr2_lower_rows(&BAND(s, s), 2 * nb, len, v, wv);
    // Block below: rows [s+len, s+len+nb) ∩ [0, n), columns [s, s+len): N ← N·H.
    int r1 = s + len, r2 = imin(s + len + nb, n);
    if (r2 > r1) reflect_columns(&BAND(r1, s), 2 * nb, r2 - r1, len, v, tau);
  }
  BAND(s, col) = beta;
  for (int i = 1; i < len; i++) BAND(s + i, col) = 0;
  if (refl) {
    double *r = refl + (long)index * (nb + 2);
    r[0] = s;
    r[1] = tau;
    for (int i = 0; i < nb; i++) r[2 + i] = i < len ? v[i] : 0;
  }
}

// With several threads the sweeps are dealt CHASE_GROUP at a time: a thread runs its group as a
// wavefront (step b of sweep j+1 right after step b+3 of sweep j), so that the rows a group works
// on pass to the next thread once per group rather than once per sweep. Measured at n = 2048, two
// threads: 4 or 8 best (0.070 s against 0.093 one sweep at a time and 0.095 on one thread); 16
// and 64 slower (the wavefront's rows outgrow the L2 cache). One thread goes sweep by sweep.
#define CHASE_GROUP 8

// Groups q ≡ part (mod parts) of the chase; with parts > 1 the other threads run the others on
// the same band at the same time. Step b of sweep j touches the rows that steps b−1 … b+2 of
// sweep j−1 touch and no later ones, so the first sweep of a group waits until progress[j−1]
// (steps done by the previous group's last sweep, published after each step) reaches b+3 or the
// end of that sweep. progress holds n + 1 ints, zeroed by the caller; progress[n] ≠ 0 (set by a
// failing thread) makes the others return −1. Returns 0, or −1 when stopped that way.
// scratch: 3·nb doubles.
EXPORT(band_chase)
int band_chase(double *band, int n, int nb, double *refl, int part, int parts, int *progress, double *scratch) {
  // No local arrays: two instances share the memory, and with it a shadow stack.
  int sweeps = n - 2, index = 0;  // index: reflectors of the sweeps before the group
  int group = parts > 1 ? CHASE_GROUP : 1;
  for (int q = 0; q * group < sweeps; q++) {
    int j0 = q * group, j1 = imin(j0 + group, sweeps);
    int first = index;
    for (int j = j0; j < j1; j++) index += chase_steps(n, nb, j);
    if (q % parts != part) continue;
    int waitOn = parts > 1 && j0 > 0 ? j0 - 1 : -1;
    int before = waitOn >= 0 ? chase_steps(n, nb, waitOn) : 0;
    int times = 3 * (j1 - j0 - 1) + chase_steps(n, nb, j0);
    for (int t = 0; t < times; t++) {
      int offset = first;  // reflectors of the sweeps j0 … j−1
      for (int j = j0; j < j1 && t - 3 * (j - j0) >= 0; j++) {
        int b = t - 3 * (j - j0), steps = chase_steps(n, nb, j);
        if (b < steps) {
          if (j == j0 && waitOn >= 0) {
            int need = imin(b + 3, before);
            while (__atomic_load_n(&progress[waitOn], __ATOMIC_ACQUIRE) < need)
              if (__atomic_load_n(&progress[n], __ATOMIC_ACQUIRE)) return -1;
          }
          chase_step(band, n, nb, j, b, refl, offset + b, scratch);
          if (parts > 1 && j == j1 - 1) __atomic_store_n(&progress[j], b + 1, __ATOMIC_RELEASE);
        }
        offset += steps;
      }
    }
  }
  return 0;
}

// d, e of the tridiagonal band after the chase.
EXPORT(band_extract)
void band_extract(const double *band, int n, int nb, double *d, double *e) {
  int bw = 2 * nb + 1;
  for (int i = 0; i < n; i++) d[i] = BAND(i, i);
  for (int i = 0; i + 1 < n; i++) e[i] = BAND(i + 1, i);
  if (n > 0) e[n - 1] = 0;
}

// Two-stage back-transformation. x is n×count (column k is vector k).
static void apply_band_reflector(const double *h, int n, int nb, double *x, int ldx, int count, double *wv) {
  int s = (int)h[0], len = imin(nb, n - s);
  double tau = h[1];
  const double *v = h + 2;
  if (tau == 0) return;
  if (count <= 4) {
    // Few vectors (the refinement of a handful of small values): column by column, no scratch.
    for (int k = 0; k < count; k++) {
      double *xk = x + s * ldx + k;
      double t = 0;
      for (int i = 0; i < len; i++) t += v[i] * xk[i * ldx];
      t *= tau;
      for (int i = 0; i < len; i++) xk[i * ldx] -= t * v[i];
    }
    return;
  }
  // Slices of 16 columns with w = vᵀ·x kept in registers (8 independent FMA chains), then
  // x −= τ·v·w; the columns past the last whole slice as above.
  double *x0 = x + s * ldx;
  int k = 0;
  f64x2 mt = wasm_f64x2_splat(-tau);
  for (; k + 16 <= count; k += 16) {
    f64x2 w0 = wasm_f64x2_splat(0), w1 = w0, w2 = w0, w3 = w0, w4 = w0, w5 = w0, w6 = w0, w7 = w0;
    for (int i = 0; i < len; i++) {
      const double *xi = x0 + i * ldx + k;
      f64x2 vi = wasm_f64x2_splat(v[i]);
      w0 = MADD(vi, wasm_v128_load(xi), w0);
      w1 = MADD(vi, wasm_v128_load(xi + 2), w1);
      w2 = MADD(vi, wasm_v128_load(xi + 4), w2);
      w3 = MADD(vi, wasm_v128_load(xi + 6), w3);
      w4 = MADD(vi, wasm_v128_load(xi + 8), w4);
      w5 = MADD(vi, wasm_v128_load(xi + 10), w5);
      w6 = MADD(vi, wasm_v128_load(xi + 12), w6);
      w7 = MADD(vi, wasm_v128_load(xi + 14), w7);
    }
    w0 = wasm_f64x2_mul(w0, mt), w1 = wasm_f64x2_mul(w1, mt), w2 = wasm_f64x2_mul(w2, mt);
    w3 = wasm_f64x2_mul(w3, mt), w4 = wasm_f64x2_mul(w4, mt), w5 = wasm_f64x2_mul(w5, mt);
    w6 = wasm_f64x2_mul(w6, mt), w7 = wasm_f64x2_mul(w7, mt);
    for (int i = 0; i < len; i++) {
      double *xi = x0 + i * ldx + k;
      f64x2 vi = wasm_f64x2_splat(v[i]);
      wasm_v128_store(xi, MADD(vi, w0, wasm_v128_load(xi)));
      wasm_v128_store(xi + 2, MADD(vi, w1, wasm_v128_load(xi + 2)));
      wasm_v128_store(xi + 4, MADD(vi, w2, wasm_v128_load(xi + 4)));
      wasm_v128_store(xi + 6, MADD(vi, w3, wasm_v128_load(xi + 6)));
      wasm_v128_store(xi + 8, MADD(vi, w4, wasm_v128_load(xi + 8)));
      wasm_v128_store(xi + 10, MADD(vi, w5, wasm_v128_load(xi + 10)));
      wasm_v128_store(xi + 12, MADD(vi, w6, wasm_v128_load(xi + 12)));
      wasm_v128_store(xi + 14, MADD(vi, w7, wasm_v128_load(xi + 14)));
    }
  }
  if (k == count) return;
  int rest = count - k;
  for (int q = 0; q < rest; q++) wv[q] = 0;
  for (int i = 0; i < len; i++) axpy(v[i], x0 + i * ldx + k, wv, rest);
  for (int i = 0; i < len; i++) axpy(-tau * v[i], wv, x0 + i * ldx + k, rest);
}

// x ← H2·H1·x for two reflectors whose rows are one apart (neighbouring sweeps, same step), in
// one pass: w1 = v1ᵀx, w2 = v2ᵀx − τ1(v2ᵀv1)·w1, x −= τ1·v1·w1ᵀ + τ2·v2·w2ᵀ. Every row of x is
// loaded and stored once for both (two fused multiply-adds per load), which a single
// reflector's pass cannot do. u: 2·(nb+1) doubles.
static void apply_reflector_pair(const double *h1, const double *h2, int n, int nb, double *x, int ldx, int count,
                                 double *u) {
  int s1 = (int)h1[0], s2 = (int)h2[0], len1 = imin(nb, n - s1), len2 = imin(nb, n - s2);
  int lo = imin(s1, s2), rows = imax(s1 + len1, s2 + len2) - lo;
  double *u1 = u, *u2 = u + rows;
  for (int r = 0; r < rows; r++) u1[r] = u2[r] = 0;
  for (int i = 0; i < len1; i++) u1[s1 - lo + i] = h1[2 + i];
  for (int i = 0; i < len2; i++) u2[s2 - lo + i] = h2[2 + i];
  double t1 = h1[1], t2 = h2[1], c = t1 * dot(u2, u1, rows);
  double *x0 = x + lo * ldx;
  f64x2 mt1 = wasm_f64x2_splat(-t1), mt2 = wasm_f64x2_splat(-t2), cc = wasm_f64x2_splat(c);
  int k = 0;
  for (; k + 8 <= count; k += 8) {
    f64x2 a0 = wasm_f64x2_splat(0), a1 = a0, a2 = a0, a3 = a0, b0 = a0, b1 = a0, b2 = a0, b3 = a0;
    for (int r = 0; r < rows; r++) {
      const double *xr = x0 + r * ldx + k;
      f64x2 p = wasm_f64x2_splat(u1[r]), q = wasm_f64x2_splat(u2[r]);
      f64x2 x0v = wasm_v128_load(xr), x1v = wasm_v128_load(xr + 2);
      f64x2 x2v = wasm_v128_load(xr + 4), x3v = wasm_v128_load(xr + 6);
      a0 = MADD(p, x0v, a0), a1 = MADD(p, x1v, a1), a2 = MADD(p, x2v, a2), a3 = MADD(p, x3v, a3);
      b0 = MADD(q, x0v, b0), b1 = MADD(q, x1v, b1), b2 = MADD(q, x2v, b2), b3 = MADD(q, x3v, b3);
    }
    // b ← −τ2·(b − c·a), a ← −τ1·a
    b0 = wasm_f64x2_mul(mt2, wasm_f64x2_sub(b0, wasm_f64x2_mul(cc, a0)));
    b1 = wasm_f64x2_mul(mt2, wasm_f64x2_sub(b1, wasm_f64x2_mul(cc, a1)));
    b2 = wasm_f64x2_mul(mt2, wasm_f64x2_sub(b2, wasm_f64x2_mul(cc, a2)));
    b3 = wasm_f64x2_mul(mt2, wasm_f64x2_sub(b3, wasm_f64x2_mul(cc, a3)));
    a0 = wasm_f64x2_mul(mt1, a0), a1 = wasm_f64x2_mul(mt1, a1);
    a2 = wasm_f64x2_mul(mt1, a2), a3 = wasm_f64x2_mul(mt1, a3);
    for (int r = 0; r < rows; r++) {
      double *xr = x0 + r * ldx + k;
      f64x2 p = wasm_f64x2_splat(u1[r]), q = wasm_f64x2_splat(u2[r]);
      wasm_v128_store(xr, MADD(q, b0, MADD(p, a0, wasm_v128_load(xr))));
      wasm_v128_store(xr + 2, MADD(q, b1, MADD(p, a1, wasm_v128_load(xr + 2))));
      wasm_v128_store(xr + 4, MADD(q, b2, MADD(p, a2, wasm_v128_load(xr + 4))));
      wasm_v128_store(xr + 6, MADD(q, b3, MADD(p, a3, wasm_v128_load(xr + 6))));
    }
  }
  for (; k < count; k++) {
    double w1 = 0, w2 = 0;
    for (int r = 0; r < rows; r++) {
      double xv = x0[r * ldx + k];
      w1 += u1[r] * xv;
      w2 += u2[r] * xv;
    }
    w2 = -t2 * (w2 - c * w1);
    w1 = -t1 * w1;
    for (int r = 0; r < rows; r++) x0[r * ldx + k] += u1[r] * w1 + u2[r] * w2;
  }
}

// All band reflectors on x (n rows of stride ldx, count columns). Reflector H(j, b), step b of
// sweep j, acts on rows [s, s+nb) with s = j+1+b·nb: those of one sweep are disjoint, and H(j+1, b)
// meets only H(j, b) and H(j, b+1). So the sweeps [j0, j1) of a group multiply out as
// G_B⋯G_1·G_0 with G_b = H(j0, b)⋯H(j1−1, b), whose reflectors share all but a few of the
// SWEEPS+nb−1 rows they touch: applied group by group to a chunk of columns, each reflector
// finds its rows in L1, and neighbours go in pairs (apply_reflector_pair). All 1024 vectors of a
// 1024² matrix: 0.46 s reflector by reflector in creation order, 0.17 s grouped, 0.13 s in pairs.
#define SWEEPS 16
static void apply_band_reflectors(const double *refl, int n, int nb, double *x, int ldx, int count, int transpose,
                                  double *wv) {
  const int CHUNK = 64;
  int sweeps = imax(n - 2, 0), groups = (sweeps + SWEEPS - 1) / SWEEPS;
  for (int k0 = 0; k0 < count; k0 += CHUNK) {
    int kc = imin(CHUNK, count - k0);
    int bound = 0;  // reflectors of the sweeps before the group (transpose) or up to its end
    if (!transpose)
      for (int j = 0; j < sweeps; j++) bound += chase_steps(n, nb, j);
    for (int g = 0; g < groups; g++) {
      int q = transpose ? g : groups - 1 - g;
      int j0 = q * SWEEPS, j1 = imin(j0 + SWEEPS, sweeps), inGroup = 0;
      for (int j = j0; j < j1; j++) inGroup += chase_steps(n, nb, j);
      int first = transpose ? bound : bound - inGroup;  // index of H(j0, 0)
      int steps = chase_steps(n, nb, j0);                // the group's first sweep is its longest
      for (int t = 0; t < steps; t++) {
        int b = transpose ? steps - 1 - t : t;
        // The group's reflectors of step b in the order they apply: sweeps descending for Q,
        // ascending for Qᵀ; offset is the index of the sweep's first reflector.
        int offset = transpose ? first : first + inGroup;
        const double *pending = 0;
        for (int i = 0; i < j1 - j0; i++) {
          int j = transpose ? j0 + i : j1 - 1 - i, steps_j = chase_steps(n, nb, j);
          if (!transpose) offset -= steps_j;
          const double *h = b < steps_j ? refl + (long)(offset + b) * (nb + 2) : 0;
          if (transpose) offset += steps_j;
          if (!h) continue;
          if (!pending) {
            pending = h;
          } else {
            apply_reflector_pair(pending, h, n, nb, x + k0, ldx, kc, wv);
            pending = 0;
          }
        }
        if (pending) apply_band_reflector(pending, n, nb, x + k0, ldx, kc, wv);
      }
      bound = transpose ? bound + inGroup : bound - inGroup;
    }
  }
}

// The band reflectors on x (n×count, row stride ldx). Up to nb vectors are first transposed into
// `rows` (count×n, room for n·nb doubles), where each reflector meets contiguous pieces of every
// vector (dot and axpy of length nb); more vectors go through the column-chunked version.
static void apply_band_reflectors_any(const double *refl, int nrefl, int n, int nb, double *x, int ldx, int count,
                                      int transpose, double *wv, double *rows) {
  if (count > nb) {
    apply_band_reflectors(refl, n, nb, x, ldx, count, transpose, wv);
    return;
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < count; k++) rows[k * n + i] = x[i * ldx + k];
  for (int step = 0; step < nrefl; step++) {
    const double *h = refl + (long)(transpose ? step : nrefl - 1 - step) * (nb + 2);
    int s = (int)h[0], len = imin(nb, n - s);
    double tau = h[1];
    if (tau == 0) continue;
    for (int k = 0; k < count; k++) {
      double *z = rows + k * n + s;
      axpy(-tau * dot(h + 2, z, len), h + 2, z, len);
    }
  }
  for (int i = 0; i < n; i++)
    for (int k = 0; k < count; k++) x[i * ldx + k] = rows[k * n + i];
}

// x[r0:] ← (I − V·T·Vᵀ)·x[r0:] for panel p, or with Tᵀ (the transpose).
static void apply_panel(const double *a, int n, int nb, const double *tstore, int p, double *x, int ldx, int count,
                        int transpose, double *y, double *y2, double *gw) {
  int j0 = p * nb, r0 = j0 + nb, m = n - r0;
  const double *t = tstore + p * nb * nb;
  // Vᵀ (nb×m, unit upper trapezoidal) as band_panel mirrored it: row c at a + (j0 + c)·n + r0.
  const double *vt = a + j0 * n + r0;
  for (int i = 0; i < nb * count; i++) y[i] = 0;
  gemm(nb, count, m, 1.0, vt, n, 1, x + r0 * ldx, ldx, 1, y, count, 0, gw);
  for (int pr = 0; pr < nb; pr++) {
    double *dst = y2 + pr * count;
    for (int k = 0; k < count; k++) dst[k] = 0;
    for (int q = 0; q < nb; q++) {
      double tv = transpose ? (q <= pr ? t[q * nb + pr] : 0) : (q >= pr ? t[pr * nb + q] : 0);
      if (tv != 0) axpy(tv, y + q * count, dst, count);
    }
  }
  gemm(m, count, nb, -1.0, vt, 1, n, y2, count, 1, x + r0 * ldx, ldx, 0, gw);
}

// Doubles of the workspace of apply_two_stage and of apply_one_stage for count vectors.
EXPORT(apply_work_doubles)
int apply_work_doubles(int n, int nb, int count) {
  return n * nb + 2 * nb * count + imax(count, 2 * nb + 2) + gemm_workspace_doubles();
}

// x ← Q·x (or Qᵀ·x) for Q = Q1·Q2 of the two-stage reduction (stage 1 with tstore, then
// band_chase with refl); x is n×count with row stride ldx. work: apply_work_doubles(n, nb, count).
EXPORT(apply_two_stage)
void apply_two_stage(const double *a, int n, int nb, const double *tstore, const double *refl, int nrefl, double *x,
                     int ldx, int count, int transpose, double *work) {
  double *vbuf = work, *y = vbuf + n * nb, *y2 = y + nb * count, *wv = y2 + nb * count;
  double *gw = wv + imax(count, 2 * nb + 2);
  int panels = band_panel_count(n, nb);
  if (!transpose) {
    apply_band_reflectors_any(refl, nrefl, n, nb, x, ldx, count, 0, wv, vbuf);
    for (int p = panels - 1; p >= 0; p--) apply_panel(a, n, nb, tstore, p, x, ldx, count, 0, y, y2, gw);
  } else {
    for (int p = 0; p < panels; p++) apply_panel(a, n, nb, tstore, p, x, ldx, count, 1, y, y2, gw);
    apply_band_reflectors_any(refl, nrefl, n, nb, x, ldx, count, 1, wv, vbuf);
  }
}

// ---------------------------------------------------------------------------------------------
// Eigenvalues of the symmetric tridiagonal matrix with diagonal d[0..n) and off-diagonal
// e[0..n−1) by the square-root-free implicit QL iteration of Pal, Walker and Kahan (the scheme of
// LAPACK's dsterf): it iterates on e², so each step costs two divisions and no square root.
// A block splits where e[m]² ≤ ε²·(|d[m]| + |d[m+1]|)², the same test as the TypeScript QL.
// On return d holds the eigenvalues (unsorted) and e is overwritten. Returns 0, or −1 when the
// iteration did not converge (the caller falls back to the TypeScript QL).

// Eigenvalues of [[a, b], [b, c]]: the larger-magnitude one from the sum, the other from the determinant.
static void eigenvalues_2x2(double a, double b, double c, double *rt1, double *rt2) {
  double sm = a + c, adf = dabs(a - c), ab = dabs(b + b);
  double acmx = dabs(a) > dabs(c) ? a : c, acmn = dabs(a) > dabs(c) ? c : a;
  double rt;
  if (adf > ab) rt = adf * dsqrt(1 + (ab / adf) * (ab / adf));
  else if (adf < ab) rt = ab * dsqrt(1 + (adf / ab) * (adf / ab));
  else rt = ab * 1.4142135623730951;
  if (sm == 0) {
    *rt1 = 0.5 * rt;
    *rt2 = -0.5 * rt;
    return;
  }
  *rt1 = 0.5 * (sm < 0 ? sm - rt : sm + rt);
  *rt2 = (acmx / *rt1) * acmn - (b / *rt1) * b;
}

// 2^k for an integer k in [−1022, 1023].
static double power_of_two(int k) {
  union {
    unsigned long long bits;
    double value;
  } u;
  u.bits = (unsigned long long)(k + 1023) << 52;
  return u.value;
}

// The binary exponent of a normal positive x (x = f·2^k with 1 ≤ f < 2).
static int exponent_of(double x) {
  union {
    double value;
    unsigned long long bits;
  } u;
  u.value = x;
  return (int)((u.bits >> 52) & 0x7ff) - 1023;
}

EXPORT(tridiagonal_eigenvalues)
int tridiagonal_eigenvalues(double *d, double *e, int n) {
  if (n <= 1) return 0;
  const double eps = 2.220446049250313e-16, eps2 = eps * eps;
  // Scale by a power of two (exact) so that the largest entry is near 1: the squares of e neither
  // overflow nor underflow needlessly.
  double big = 0;
  for (int i = 0; i < n; i++) big = big > dabs(d[i]) ? big : dabs(d[i]);
  for (int i = 0; i + 1 < n; i++) big = big > dabs(e[i]) ? big : dabs(e[i]);
  if (big == 0) return 0;
  if (!(big < __builtin_inf())) return -1;
  int k = big >= 2.2250738585072014e-308 ? -exponent_of(big) : 0;
  double scale = power_of_two(k < -1000 ? -1000 : k > 1000 ? 1000 : k);
  for (int i = 0; i < n; i++) d[i] *= scale;
  for (int i = 0; i + 1 < n; i++) e[i] = (e[i] * scale) * (e[i] * scale);
  e[n - 1] = 0;
  int iterations = 0, limit = 30 * n;
  int l = 0;
  while (l < n) {
    int m = l;
    for (; m < n - 1; m++) {
      double s = dabs(d[m]) + dabs(d[m + 1]);
      if (e[m] <= eps2 * s * s) break;
    }
    if (m < n - 1) e[m] = 0;
    if (m == l) {
      l++;
      continue;
    }
    if (m == l + 1) {
      eigenvalues_2x2(d[l], dsqrt(e[l]), d[l + 1], &d[l], &d[l + 1]);
      e[l] = 0;
      l += 2;
      continue;
    }
    if (++iterations > limit) return -1;
    // Shift: the eigenvalue of the leading 2×2 block nearer to d[l].
    double rte = dsqrt(e[l]);
    double sigma = (d[l + 1] - d[l]) / (2 * rte);
    double as = dabs(sigma);
    double r = as > 1e150 ? as : dsqrt(sigma * sigma + 1);
    sigma = d[l] - rte / (sigma + (sigma >= 0 ? r : -r));
    double c = 1, s = 0, gamma = d[m] - sigma, p = gamma * gamma;
    for (int i = m - 1; i >= l; i--) {
      double bb = e[i];
      r = p + bb;
      if (i != m - 1) e[i + 1] = s * r;
      double oldc = c, oldgamma = gamma, alpha = d[i];
      double rinv = 1 / r;
      c = p * rinv;
      s = bb * rinv;
      gamma = c * (alpha - sigma) - s * oldgamma;
      d[i + 1] = oldgamma + (alpha - gamma);
      p = c != 0 ? (gamma * gamma) / c : oldc * bb;
    }
    e[l] = s * p;
    d[l] = sigma + gamma;
  }
  double unscale = power_of_two(k < -1000 ? 1000 : k > 1000 ? -1000 : -k);
  for (int i = 0; i < n; i++) d[i] *= unscale;
  return 0;
}

// ---------------------------------------------------------------------------------------------
// y (count×len) = x (count×n) mapped to the long side: Wᵀ·x_j (ofColumns = 0) or W·x_j (ofColumns = 1).
EXPORT(map_to_long_side)
void map_to_long_side(const double *w, int rows, int cols, int ofColumns, const double *x, int count, double *y,
                      double *work) {
  if (count <= 4) {
    // A handful of vectors: one pass over W without packing it (y must be zeroed by the caller).
    int n = ofColumns ? cols : rows;
    for (int i = 0; i < rows; i++) {
      const double *wi = w + i * cols;
      for (int p = 0; p < count; p++) {
        if (!ofColumns) axpy(x[p * n + i], wi, y + p * cols, cols);
        else y[p * rows + i] += dot(wi, x + p * n, cols);
      }
    }
    return;
  }
  if (!ofColumns) gemm(count, cols, rows, 1.0, x, rows, 1, w, cols, 1, y, cols, 0, work);
  else gemm(count, rows, cols, 1.0, x, cols, 1, w, 1, cols, y, rows, 0, work);
}

// ---------------------------------------------------------------------------------------------
// The approximation's products (approximate.ts through wasmApproximate.ts): C·x for p vectors at
// once, C the Gram matrix of the smaller side, W read a block of rows at a time. B is a block of rb
// rows × cols (row-major). The p vectors are interleaved with an even stride P (element j of
// vector q at x[j·P + q], padding lanes zero), so that each element of B loaded serves all of them;
// one vector is stored plainly (P = 1) and vectorised along the row instead. Columns go in tiles of
// APPROX_TILE, so that a tile of the vectors stays in L1 while every row of the block passes over it.
// The tall case (cols < rows) is Z += Bᵀ(B·X) per block (approx_times then approx_transpose_add); the
// wide one is U = Wᵀx over all blocks (approx_transpose_add), then y = W·U (approx_times).

#define APPROX_TILE 256

// t[r·P + q] += Σ_{j<jn} b[r·ldb + j]·x[j·P + q] for rows r < 4 and q < 4.
static void approx_times_4x4(const double *b, int ldb, const double *x, int P, int jn, double *t) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  double *t0 = t, *t1 = t + P, *t2 = t + 2 * P, *t3 = t + 3 * P;
  f64x2 a00 = wasm_v128_load(t0), a01 = wasm_v128_load(t0 + 2);
  f64x2 a10 = wasm_v128_load(t1), a11 = wasm_v128_load(t1 + 2);
  f64x2 a20 = wasm_v128_load(t2), a21 = wasm_v128_load(t2 + 2);
  f64x2 a30 = wasm_v128_load(t3), a31 = wasm_v128_load(t3 + 2);
  for (int j = 0; j < jn; j++) {
    const double *xj = x + j * P;
    f64x2 x0 = wasm_v128_load(xj), x1 = wasm_v128_load(xj + 2);
    f64x2 w = wasm_v128_load64_splat(b0 + j);
    a00 = MADD(w, x0, a00);
    a01 = MADD(w, x1, a01);
    w = wasm_v128_load64_splat(b1 + j);
    a10 = MADD(w, x0, a10);
    a11 = MADD(w, x1, a11);
    w = wasm_v128_load64_splat(b2 + j);
    a20 = MADD(w, x0, a20);
    a21 = MADD(w, x1, a21);
    w = wasm_v128_load64_splat(b3 + j);
    a30 = MADD(w, x0, a30);
    a31 = MADD(w, x1, a31);
  }
  wasm_v128_store(t0, a00);
  wasm_v128_store(t0 + 2, a01);
  wasm_v128_store(t1, a10);
  wasm_v128_store(t1 + 2, a11);
  wasm_v128_store(t2, a20);
  wasm_v128_store(t2 + 2, a21);
  wasm_v128_store(t3, a30);
  wasm_v128_store(t3 + 2, a31);
}

// As approx_times_4x4 for q < 2 (two steps of j per iteration: eight independent sums).
static void approx_times_4x2(const double *b, int ldb, const double *x, int P, int jn, double *t) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  f64x2 z = wasm_f64x2_splat(0);
  f64x2 a0 = wasm_v128_load(t), a1 = wasm_v128_load(t + P), a2 = wasm_v128_load(t + 2 * P),
        a3 = wasm_v128_load(t + 3 * P);
  f64x2 c0 = z, c1 = z, c2 = z, c3 = z;
  int j = 0;
  for (; j + 1 < jn; j += 2) {
    f64x2 x0 = wasm_v128_load(x + j * P), x1 = wasm_v128_load(x + (j + 1) * P);
    a0 = MADD(wasm_v128_load64_splat(b0 + j), x0, a0);
    c0 = MADD(wasm_v128_load64_splat(b0 + j + 1), x1, c0);
    a1 = MADD(wasm_v128_load64_splat(b1 + j), x0, a1);
    c1 = MADD(wasm_v128_load64_splat(b1 + j + 1), x1, c1);
    a2 = MADD(wasm_v128_load64_splat(b2 + j), x0, a2);
    c2 = MADD(wasm_v128_load64_splat(b2 + j + 1), x1, c2);
    a3 = MADD(wasm_v128_load64_splat(b3 + j), x0, a3);
    c3 = MADD(wasm_v128_load64_splat(b3 + j + 1), x1, c3);
  }
  if (j < jn) {
    f64x2 x0 = wasm_v128_load(x + j * P);
    a0 = MADD(wasm_v128_load64_splat(b0 + j), x0, a0);
    a1 = MADD(wasm_v128_load64_splat(b1 + j), x0, a1);
    a2 = MADD(wasm_v128_load64_splat(b2 + j), x0, a2);
    a3 = MADD(wasm_v128_load64_splat(b3 + j), x0, a3);
  }
  wasm_v128_store(t, wasm_f64x2_add(a0, c0));
  wasm_v128_store(t + P, wasm_f64x2_add(a1, c1));
  wasm_v128_store(t + 2 * P, wasm_f64x2_add(a2, c2));
  wasm_v128_store(t + 3 * P, wasm_f64x2_add(a3, c3));
}

// One row: t[q] += Σ_j b[j]·x[j·P + q] for q < P (the rows left over from groups of 4).
static void approx_times_row(const double *b, const double *x, int P, int jn, double *t) {
  for (int q = 0; q < P; q += 2) {
    f64x2 a = wasm_v128_load(t + q), c = wasm_f64x2_splat(0);
    int j = 0;
    for (; j + 1 < jn; j += 2) {
      a = MADD(wasm_v128_load64_splat(b + j), wasm_v128_load(x + j * P + q), a);
      c = MADD(wasm_v128_load64_splat(b + j + 1), wasm_v128_load(x + (j + 1) * P + q), c);
    }
    if (j < jn) a = MADD(wasm_v128_load64_splat(b + j), wasm_v128_load(x + j * P + q), a);
    wasm_v128_store(t + q, wasm_f64x2_add(a, c));
  }
}

// One vector (P = 1): t[r] += Σ_j b[r·ldb + j]·x[j] for 4 rows, along j in pairs.
static void approx_dot_4(const double *b, int ldb, const double *x, int jn, double *t) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  f64x2 z = wasm_f64x2_splat(0);
  f64x2 a0 = z, a1 = z, a2 = z, a3 = z, c0 = z, c1 = z, c2 = z, c3 = z;
  int j = 0;
  for (; j + 3 < jn; j += 4) {
    f64x2 x0 = wasm_v128_load(x + j), x1 = wasm_v128_load(x + j + 2);
    a0 = MADD(wasm_v128_load(b0 + j), x0, a0);
    c0 = MADD(wasm_v128_load(b0 + j + 2), x1, c0);
    a1 = MADD(wasm_v128_load(b1 + j), x0, a1);
    c1 = MADD(wasm_v128_load(b1 + j + 2), x1, c1);
    a2 = MADD(wasm_v128_load(b2 + j), x0, a2);
    c2 = MADD(wasm_v128_load(b2 + j + 2), x1, c2);
    a3 = MADD(wasm_v128_load(b3 + j), x0, a3);
    c3 = MADD(wasm_v128_load(b3 + j + 2), x1, c3);
  }
  double s0 = hsum(wasm_f64x2_add(a0, c0)), s1 = hsum(wasm_f64x2_add(a1, c1));
  double s2 = hsum(wasm_f64x2_add(a2, c2)), s3 = hsum(wasm_f64x2_add(a3, c3));
  for (; j < jn; j++) {
    s0 += b0[j] * x[j];
    s1 += b1[j] * x[j];
    s2 += b2[j] * x[j];
    s3 += b3[j] * x[j];
  }
  t[0] += s0;
  t[1] += s1;
  t[2] += s2;
  t[3] += s3;
}

// t[rb × P] = B·X (X: cols × P). With rb rows of B and the vectors in tiles of columns.
EXPORT(approx_times)
void approx_times(const double *b, int rb, int cols, const double *x, int P, double *t) {
  for (int i = 0; i < rb * P; i++) t[i] = 0;
  for (int j0 = 0; j0 < cols; j0 += APPROX_TILE) {
    int jn = imin(APPROX_TILE, cols - j0);
    const double *xt = x + j0 * P;
    for (int r = 0; r < rb; r += 4) {
      int mr = imin(4, rb - r);
      const double *br = b + r * cols + j0;
      double *tr = t + r * P;
      if (P == 1) {
        if (mr == 4) approx_dot_4(br, cols, xt, jn, tr);
        else
          for (int i = 0; i < mr; i++) tr[i] += dot(br + i * cols, xt, jn);
        continue;
      }
      if (mr < 4) {
        for (int i = 0; i < mr; i++) approx_times_row(br + i * cols, xt, P, jn, tr + i * P);
        continue;
      }
      int q = 0;
      for (; q + 4 <= P; q += 4) approx_times_4x4(br, cols, xt + q, P, jn, tr + q);
      if (q < P) approx_times_4x2(br, cols, xt + q, P, jn, tr + q);
    }
  }
}

// z[j·P + q] += Σ_{r<4} b[r·ldb + j]·t[r·P + q] for q < 4.
static void approx_tadd_4x4(const double *b, int ldb, const double *t, int P, int jn, double *z) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  f64x2 c00 = wasm_v128_load(t), c01 = wasm_v128_load(t + 2);
  f64x2 c10 = wasm_v128_load(t + P), c11 = wasm_v128_load(t + P + 2);
  f64x2 c20 = wasm_v128_load(t + 2 * P), c21 = wasm_v128_load(t + 2 * P + 2);
  f64x2 c30 = wasm_v128_load(t + 3 * P), c31 = wasm_v128_load(t + 3 * P + 2);
  for (int j = 0; j < jn; j++) {
    double *zj = z + j * P;
    f64x2 w0 = wasm_v128_load64_splat(b0 + j), w1 = wasm_v128_load64_splat(b1 + j);
    f64x2 w2 = wasm_v128_load64_splat(b2 + j), w3 = wasm_v128_load64_splat(b3 + j);
    f64x2 z0 = wasm_v128_load(zj), z1 = wasm_v128_load(zj + 2);
    z0 = MADD(w0, c00, z0);
    z1 = MADD(w0, c01, z1);
    z0 = MADD(w1, c10, z0);
    z1 = MADD(w1, c11, z1);
    z0 = MADD(w2, c20, z0);
    z1 = MADD(w2, c21, z1);
    z0 = MADD(w3, c30, z0);
    z1 = MADD(w3, c31, z1);
    wasm_v128_store(zj, z0);
    wasm_v128_store(zj + 2, z1);
  }
}

// As approx_tadd_4x4 for q < 2.
static void approx_tadd_4x2(const double *b, int ldb, const double *t, int P, int jn, double *z) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  f64x2 c0 = wasm_v128_load(t), c1 = wasm_v128_load(t + P), c2 = wasm_v128_load(t + 2 * P),
        c3 = wasm_v128_load(t + 3 * P);
  for (int j = 0; j < jn; j++) {
    double *zj = z + j * P;
    f64x2 u = MADD(wasm_v128_load64_splat(b0 + j), c0, wasm_v128_load(zj));
    f64x2 v = wasm_f64x2_mul(wasm_v128_load64_splat(b1 + j), c1);
    u = MADD(wasm_v128_load64_splat(b2 + j), c2, u);
    v = MADD(wasm_v128_load64_splat(b3 + j), c3, v);
    wasm_v128_store(zj, wasm_f64x2_add(u, v));
  }
}

// One row: z[j·P + q] += b[j]·t[q].
static void approx_tadd_row(const double *b, const double *t, int P, int jn, double *z) {
  for (int q = 0; q < P; q += 2) {
    f64x2 c = wasm_v128_load(t + q);
    for (int j = 0; j < jn; j++)
      wasm_v128_store(z + j * P + q, MADD(wasm_v128_load64_splat(b + j), c, wasm_v128_load(z + j * P + q)));
  }
}

// One vector (P = 1): z[j] += Σ_{r<4} t[r]·b[r·ldb + j].
static void approx_axpy_4(const double *b, int ldb, const double *t, int jn, double *z) {
  const double *b0 = b, *b1 = b + ldb, *b2 = b + 2 * ldb, *b3 = b + 3 * ldb;
  f64x2 c0 = wasm_f64x2_splat(t[0]), c1 = wasm_f64x2_splat(t[1]), c2 = wasm_f64x2_splat(t[2]),
        c3 = wasm_f64x2_splat(t[3]);
  int j = 0;
  for (; j + 1 < jn; j += 2) {
    f64x2 u = MADD(wasm_v128_load(b0 + j), c0, wasm_v128_load(z + j));
    f64x2 v = wasm_f64x2_mul(wasm_v128_load(b1 + j), c1);
    u = MADD(wasm_v128_load(b2 + j), c2, u);
    v = MADD(wasm_v128_load(b3 + j), c3, v);
    wasm_v128_store(z + j, wasm_f64x2_add(u, v));
  }
  for (; j < jn; j++) z[j] += (t[0] * b0[j] + t[1] * b1[j]) + (t[2] * b2[j] + t[3] * b3[j]);
}

// Z[cols × P] += Bᵀ·T (T: rb × P).
EXPORT(approx_transpose_add)
void approx_transpose_add(const double *b, int rb, int cols, const double *t, int P, double *z) {
  for (int j0 = 0; j0 < cols; j0 += APPROX_TILE) {
    int jn = imin(APPROX_TILE, cols - j0);
    double *zt = z + j0 * P;
    for (int r = 0; r < rb; r += 4) {
      int mr = imin(4, rb - r);
      const double *br = b + r * cols + j0;
      const double *tr = t + r * P;
      if (P == 1) {
        if (mr == 4) approx_axpy_4(br, cols, tr, jn, zt);
        else
          for (int i = 0; i < mr; i++) axpy(tr[i], br + i * cols, zt, jn);
        continue;
      }
      if (mr < 4) {
        for (int i = 0; i < mr; i++) approx_tadd_row(br + i * cols, tr + i * P, P, jn, zt);
        continue;
      }
      int q = 0;
      for (; q + 4 <= P; q += 4) approx_tadd_4x4(br, cols, tr + q, P, jn, zt + q);
      if (q < P) approx_tadd_4x2(br, cols, tr + q, P, jn, zt + q);
    }
  }
}

// The tall case's whole step for one block: Z += Bᵀ(B·X), with t (rb × P) as scratch.
EXPORT(approx_gram_block)
void approx_gram_block(const double *b, int rb, int cols, const double *x, int P, double *t, double *z) {
  approx_times(b, rb, cols, x, P, t);
  approx_transpose_add(b, rb, cols, t, P, z);
}

// Widens count little-endian elements at src to float64 at out: kind 0 float16, 1 bfloat16,
// 2 float32, 3 float64. float16 goes through float32 exactly and without any subnormal arithmetic
// (which x86 runs in microcode): the magnitude bits shifted into place and the exponent rebiased
// by 127 − 15 (normal numbers); zero and subnormals as (2⁻¹⁴ + frac·2⁻²⁴) − 2⁻¹⁴, which is exact;
// infinities and NaN rebiased once more to the full float32 exponent; then the sign.
static inline unsigned half_to_float_bits(unsigned h) {
  unsigned mag = (h & 0x7fff) << 13;
  union {
    unsigned u;
    float f;
  } v;
  v.u = mag + (112u << 23);
  if (mag < (0x400u << 13)) {
    v.u += 1u << 23;
    v.f -= 0x1p-14f;
  } else if (mag >= (0x7c00u << 13))
    v.u += 112u << 23;
  return v.u | ((h & 0x8000) << 16);
}

static inline void store_f32x4_as_f64(double *out, v128_t f) {
  wasm_v128_store(out, wasm_f64x2_promote_low_f32x4(f));
  wasm_v128_store(out + 2, wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(f, f, 2, 3, 0, 1)));
}

// mask ? a : b, lane by lane (masks are all ones or all zeros per lane, so both forms agree).
#ifdef RELAXED
#define SELECT(a, b, mask) wasm_i32x4_relaxed_laneselect(a, b, mask)
#else
#define SELECT(a, b, mask) wasm_v128_bitselect(a, b, mask)
#endif

static inline v128_t half4_to_f32x4(v128_t h) {
  v128_t mag = wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x7fff)), 13);
  v128_t o = wasm_i32x4_add(mag, wasm_i32x4_splat(112 << 23));
  v128_t sub = wasm_f32x4_sub(wasm_i32x4_add(o, wasm_i32x4_splat(1 << 23)), wasm_f32x4_splat(0x1p-14f));
  o = SELECT(sub, o, wasm_i32x4_lt(mag, wasm_i32x4_splat(0x400 << 13)));
  o = SELECT(wasm_i32x4_add(o, wasm_i32x4_splat(112 << 23)), o, wasm_i32x4_ge(mag, wasm_i32x4_splat(0x7c00 << 13)));
  return wasm_v128_or(o, wasm_i32x4_shl(wasm_v128_and(h, wasm_i32x4_splat(0x8000)), 16));
}

EXPORT(approx_widen)
void approx_widen(const void *src, int kind, int count, double *out) {
  int i = 0;
  if (kind == 0) {
    const unsigned short *h = src;
    for (; i + 8 <= count; i += 8) {
      v128_t v = wasm_v128_load(h + i);
      store_f32x4_as_f64(out + i, half4_to_f32x4(wasm_u32x4_extend_low_u16x8(v)));
      store_f32x4_as_f64(out + i + 4, half4_to_f32x4(wasm_u32x4_extend_high_u16x8(v)));
    }
    for (; i < count; i++) {
      union {
        unsigned u;
        float f;
      } v;
      v.u = half_to_float_bits(h[i]);
      out[i] = v.f;
    }
  } else if (kind == 1) {
    const unsigned short *h = src;
    for (; i + 8 <= count; i += 8) {
      v128_t v = wasm_v128_load(h + i);
      store_f32x4_as_f64(out + i, wasm_i32x4_shl(wasm_u32x4_extend_low_u16x8(v), 16));
      store_f32x4_as_f64(out + i + 4, wasm_i32x4_shl(wasm_u32x4_extend_high_u16x8(v), 16));
    }
    for (; i < count; i++) {
      union {
        unsigned u;
        float f;
      } v;
      v.u = (unsigned)h[i] << 16;
      out[i] = v.f;
    }
  } else if (kind == 2) {
    const float *f = src;
    for (; i + 4 <= count; i += 4) store_f32x4_as_f64(out + i, wasm_v128_load(f + i));
    for (; i < count; i++) out[i] = f[i];
  } else {
    const double *d = src;
    for (; i < count; i++) out[i] = d[i];
  }
}

// Σ b[i]² over count elements (‖W‖²_F block by block).
EXPORT(approx_sum_squares)
double approx_sum_squares(const double *b, int count) { return dot(b, b, count); }
