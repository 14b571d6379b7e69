import { gramOfSmallerSide } from './gram';
import { computeSingularValues, computeSvd, type Kernels, type Reduction } from './pipeline';
import { applyQ, tridiagonalize, type Reflectors } from './tridiagonalize';
import type { SpectrumEngine } from './types';

interface JsReduction extends Reduction {
  reflectors: Reflectors;
}

/** The heavy steps in plain TypeScript (the fallback, and the reference for the wasm kernels). */
export const jsKernels: Kernels = {
  reduce(a, rows, cols) {
    const { c, n, ofColumns } = gramOfSmallerSide(a, rows, cols);
    const t = tridiagonalize(c, n);
    return { n, ofColumns, d: t.d, e: t.e, reflectors: t.reflectors } as JsReduction;
  },
  backTransform(r, x, k, transpose = false) {
    const n = r.n;
    for (let p = 0; p < k; p++)
      applyQ((r as JsReduction).reflectors, x.subarray(p * n, (p + 1) * n), transpose);
  },
  mapToLongSide(a, rows, cols, ofColumns, x, k) {
    const n = ofColumns ? cols : rows;
    const long = ofColumns ? rows : cols;
    const y = new Float64Array(k * long);
    if (ofColumns) {
      for (let i = 0; i < rows; i++) {
        const row = i * cols;
        for (let p = 0; p < k; p++) {
          let s = 0;
          for (let j = 0; j < cols; j++) s += a[row + j] * x[p * n + j];
          y[p * long + i] = s;
        }
      }
    } else {
      for (let i = 0; i < rows; i++) {
        const row = i * cols;
        for (let p = 0; p < k; p++) {
          const xi = x[p * n + i];
          if (xi === 0) continue;
          const off = p * long;
          for (let j = 0; j < cols; j++) y[off + j] += xi * a[row + j];
        }
      }
    }
    return y;
  },
  release() {},
};

/** The pure TypeScript engine: Gram matrix, Householder tridiagonalisation, implicit QL, inverse iteration. */
export function createJsEngine(): SpectrumEngine {
  return {
    kind: 'js',
    singularValues: (a, rows, cols) => computeSingularValues(jsKernels, a, rows, cols),
    svd: (a, rows, cols, indices) => computeSvd(jsKernels, a, rows, cols, indices),
    inputBuffer: (rows, cols) => new Float64Array(rows * cols),
  };
}
