/** Density histograms and curves for charts. */

export interface DensityHistogram {
  /** Bin edges, length bins + 1. */
  edges: number[];
  /** count / (total · width) per bin, so that it integrates to the fraction of values inside. */
  density: number[];
}

/** Histogram of `values` on [lo, hi] with equal bins; the last bin is closed; values outside are ignored. */
export function densityHistogram(
  values: ArrayLike<number>,
  bins: number,
  lo: number,
  hi: number,
  total = values.length,
): DensityHistogram {
  if (!(hi > lo)) {
    const pad = lo === 0 ? 0.5 : Math.abs(lo) * 0.05;
    lo -= pad;
    hi += pad;
  }
  const width = (hi - lo) / bins;
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (!(v >= lo && v <= hi)) continue;
    counts[Math.min(bins - 1, Math.floor((v - lo) / width))]++;
  }
  const edges = Array.from({ length: bins + 1 }, (_, k) => (k === bins ? hi : lo + k * width));
  const density = counts.map((c) => (total > 0 ? c / (total * width) : 0));
  return { edges, density };
}

/** Evaluates f on `points` equally spaced points of [lo, hi]. */
export function sampleCurve(
  f: (x: number) => number,
  lo: number,
  hi: number,
  points: number,
): { x: number[]; y: number[] } {
  const x: number[] = [];
  const y: number[] = [];
  for (let i = 0; i < points; i++) {
    const t = points === 1 ? lo : lo + ((hi - lo) * i) / (points - 1);
    x.push(t);
    y.push(f(t));
  }
  return { x, y };
}
