/** The Gram matrix of the smaller side of a row-major `rows × cols` matrix W. */
export interface Gram {
  /** n×n, row-major, symmetric (both triangles filled). */
  c: Float64Array;
  n: number;
  /** false: C = W·Wᵀ (n = rows ≤ cols); true: C = Wᵀ·W (n = cols < rows). */
  ofColumns: boolean;
}

/** Length of the chunk of the long dimension packed at a time (keeps the panel in cache). */
const CHUNK = 128;

/**
 * C = W·Wᵀ when rows ≤ cols, else WᵀW. Works on chunks of the long dimension: each chunk is packed
 * into a panel whose n vectors are contiguous, then C += panel·panelᵀ on the upper triangle.
 */
export function gramOfSmallerSide(a: Float64Array, rows: number, cols: number): Gram {
  const ofColumns = cols < rows;
  const n = ofColumns ? cols : rows;
  const long = ofColumns ? rows : cols;
  const c = new Float64Array(n * n);
  const panel = new Float64Array(n * CHUNK);
  for (let k0 = 0; k0 < long; k0 += CHUNK) {
    const kb = Math.min(CHUNK, long - k0);
    packPanel(a, cols, ofColumns, n, k0, kb, panel);
    addPanelProduct(panel, n, kb, c);
  }
  mirrorUpperToLower(c, n);
  return { c, n, ofColumns };
}

/** panel[i·kb + t] = x_i[k0 + t], where x_i is row i (or column i when ofColumns) of W. */
function packPanel(
  a: Float64Array,
  cols: number,
  ofColumns: boolean,
  n: number,
  k0: number,
  kb: number,
  panel: Float64Array,
): void {
  if (!ofColumns) {
    for (let i = 0; i < n; i++) panel.set(a.subarray(i * cols + k0, i * cols + k0 + kb), i * kb);
    return;
  }
  for (let t = 0; t < kb; t++) {
    const row = (k0 + t) * cols;
    for (let i = 0; i < n; i++) panel[i * kb + t] = a[row + i];
  }
}

function addPanelProduct(panel: Float64Array, n: number, kb: number, c: Float64Array): void {
  for (let i = 0; i < n; i++) {
    const pi = i * kb;
    for (let j = i; j < n; j++) {
      const pj = j * kb;
      let s0 = 0;
      let s1 = 0;
      let t = 0;
      for (; t + 1 < kb; t += 2) {
        s0 += panel[pi + t] * panel[pj + t];
        s1 += panel[pi + t + 1] * panel[pj + t + 1];
      }
      if (t < kb) s0 += panel[pi + t] * panel[pj + t];
      c[i * n + j] += s0 + s1;
    }
  }
}

export function mirrorUpperToLower(c: Float64Array, n: number): void {
  for (let i = 1; i < n; i++) for (let j = 0; j < i; j++) c[i * n + j] = c[j * n + i];
}
