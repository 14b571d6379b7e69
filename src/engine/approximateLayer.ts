// Layers above the exact-size limit (RMT.md §10): Lanczos top-k singular values plus a stochastic
// Lanczos quadrature (SLQ) estimate of the density, and only the statistics that are honest to
// compute from those. Everything else is listed in `approximate.unavailable`, with the reason.
import { approximateSpectrum } from '../linalg';
import { frobeniusSquared as squaredNorm, type RowBlocks } from '../linalg/approximate';
import type { ApproximationReport, Histogram, LayerReport, MpReport } from './report';
import { bbpStrength, bbpThreshold, mpNuEdges, mpStandardNuCdf, twThreshold } from '../rmt/marchenkoPastur';
import { layerVerdict } from '../rmt/verdict';

/** Resolved top singular values (as many as Porter–Thomas would test at the top) [ours]. */
export const APPROX_TOP_K = 100;
/** SLQ probes and Lanczos steps per probe [ours]. */
export const APPROX_PROBES = 8;
export const APPROX_PROBE_STEPS = 60;

export interface ApproximateInput {
  name: string;
  tensor: string;
  dtype: string;
  layout: string;
  rows: number;
  cols: number;
  /** W a block of rows at a time: it is never needed whole. */
  blocks: RowBlocks;
}

export interface ApproximateSettings {
  twLevel: number;
  exactLimit: number;
  seed: number;
}

/** A piecewise-linear CDF through the SLQ nodes (midpoint rule), ascending nodes, weights summing to 1. */
export function densityCdf(nodes: Float64Array, weights: Float64Array): (x: number) => number {
  const xs: number[] = [];
  const fs: number[] = [];
  let cumulative = 0;
  for (let i = 0; i < nodes.length; i++) {
    const mid = cumulative + weights[i] / 2;
    cumulative += weights[i];
    if (xs.length > 0 && nodes[i] === xs[xs.length - 1]) fs[fs.length - 1] = mid;
    else {
      xs.push(nodes[i]);
      fs.push(mid);
    }
  }
  const total = cumulative > 0 ? cumulative : 1;
  return (x: number) => {
    if (xs.length === 0 || x < xs[0]) return 0;
    if (x >= xs[xs.length - 1]) return 1;
    let lo = 0;
    let hi = xs.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (xs[mid] <= x) lo = mid;
      else hi = mid;
    }
    const t = (x - xs[lo]) / (xs[hi] - xs[lo]);
    return (fs[lo] + t * (fs[hi] - fs[lo])) / total;
  };
}

/** Median of a CDF by bisection on [lo, hi]. */
function quantile(cdf: (x: number) => number, p: number, lo: number, hi: number): number {
  for (let i = 0; i < 100; i++) {
    const mid = (lo + hi) / 2;
    if (cdf(mid) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

/**
 * Uncalibrated MP misfit level for the SLQ density's KS distance [ours]: 0.02 for the quadrature's
 * resolution plus 4 standard deviations of the Rademacher-probe noise of a CDF value,
 * √(2F(1−F)/(N·probes)) ≤ √(0.5/(N·probes)).
 */
export function densityKsLevel(n: number, probes: number): number {
  return 0.02 + 4 * Math.sqrt(0.5 / (n * probes));
}

export function analyzeApproximate(
  input: ApproximateInput,
  settings: ApproximateSettings,
  esdChart: (histogram: Histogram, mp: MpReport, n: number, m: number) => LayerReport['esd'],
  esdBins: number,
  /** Why the layer is approximated (sizePolicy.ts), for the verdict's reasons. */
  reason: string,
): { report: LayerReport; singularValues: Float64Array } {
  const { rows, cols, blocks } = input;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const q = n / m;
  const k = Math.min(APPROX_TOP_K, n);
  // ‖W‖²_F is exact from the data: it is the density's second moment times N.
  const frobeniusSquared = squaredNorm(blocks);
  if (!Number.isFinite(frobeniusSquared)) throw new Error(`${input.name}: non-finite values`);
  const spectrum = approximateSpectrum(blocks, rows, cols, {
    k,
    probes: APPROX_PROBES,
    probeSteps: APPROX_PROBE_STEPS,
    seed: settings.seed + 1,
  });
  const top = spectrum.top;
  const { nodes, weights } = spectrum.density;
  const cdf = densityCdf(nodes, weights);

  const spectralNorm = top.length > 0 ? top[0] : 0;
  const nodeMax = nodes.length > 0 ? nodes[nodes.length - 1] : 0;

  // MP fit (RMT.md §2): median matching on the SLQ estimate (estimated), then the iteration of step 2,
  // which only needs Σ_{i>k} ν² = ‖W‖²_F − Σ_{i≤k} ν², exact while k stays below the resolved top values.
  const median = quantile(cdf, 0.5, 0, Math.max(nodeMax, spectralNorm));
  const mpMedianStandard = quantile(mpStandardNuCdf(q), 0.5, 0, 1 + Math.sqrt(q));
  const sigmaMedian = median / (Math.sqrt(m) * mpMedianStandard);
  const countAbove = (threshold: number): number => {
    let c = 0;
    while (c < top.length && top[c] > threshold) c++;
    return c;
  };
  let sigma = frobeniusSquared > 0 ? sigmaMedian : 0;
  let outliers = sigma > 0 ? countAbove(twThreshold(n, m, sigma, settings.twLevel)) : 0;
  let iterations = 0;
  if (frobeniusSquared > 0) {
    for (let round = 0; round < 10 && outliers < n; round++) {
      iterations++;
      let sum = frobeniusSquared;
      for (let i = 0; i < outliers; i++) sum -= top[i] * top[i];
      sigma = Math.sqrt(Math.max(sum, 0) / ((n - outliers) * m));
      const next = countAbove(twThreshold(n, m, sigma, settings.twLevel));
      if (next === outliers) break;
      outliers = next;
    }
  }
  const outliersLowerBound = outliers > 0 && outliers === top.length && top.length < n;
  const threshold = sigma > 0 ? twThreshold(n, m, sigma, settings.twLevel) : 0;
  const edges = mpNuEdges(q, sigma, m);
  const outlierValues = Array.from(top.subarray(0, outliers));
  const lambdaMax = (spectralNorm * spectralNorm) / m;
  const mp: MpReport = {
    sigma,
    q,
    nuMinus: edges.minus,
    nuPlus: edges.plus,
    twThreshold: threshold,
    twLevel: settings.twLevel,
    outliers,
    iterations,
    sigmaMedian,
    outlierValues,
    spikeStrengths: outlierValues.map((v) => bbpStrength(v, q, sigma * Math.sqrt(m))),
    bbpThreshold: bbpThreshold(q),
    mpSoftRank: lambdaMax > 0 ? (sigma * sigma * (1 + Math.sqrt(q)) ** 2) / lambdaMax : 0,
  };

  // KS distance of the SLQ CDF against the fitted MP CDF, on the nodes and a grid (uncalibrated).
  let densityKs = NaN;
  if (sigma > 0) {
    const standard = mpStandardNuCdf(q);
    const scale = 1 / (sigma * Math.sqrt(m));
    densityKs = 0;
    const probe = (x: number): void => {
      densityKs = Math.max(densityKs, Math.abs(cdf(x) - standard(x * scale)));
    };
    for (const x of nodes) probe(x);
    for (let i = 0; i <= 400; i++) probe(edges.minus + ((edges.plus - edges.minus) * i) / 400);
  }
  const ksLevel = densityKsLevel(n, APPROX_PROBES);

  // Norms: spectral norm is the top Ritz value (a lower bound, within its residual bound); the
  // Frobenius norm is exact; rank and entropy are estimated from the density.
  const rankTolerance = spectralNorm * m * Number.EPSILON;
  const matrixRank = Math.round(n * (1 - cdf(rankTolerance)));
  let entropy = 0;
  if (frobeniusSquared > 0)
    for (let i = 0; i < nodes.length; i++) {
      const p = (nodes[i] * nodes[i]) / frobeniusSquared;
      if (p > 0) entropy -= n * weights[i] * p * Math.log(p);
    }
  const frobeniusNorm = Math.sqrt(frobeniusSquared);
  const norms = {
    spectralNorm,
    frobeniusNorm,
    logSpectralNorm: Math.log10(spectralNorm * spectralNorm),
    logFrobeniusNorm: Math.log10(frobeniusSquared),
    stableRank: spectralNorm > 0 ? frobeniusSquared / (spectralNorm * spectralNorm) : 0,
    matrixRank,
    spectralEntropy: matrixRank > 1 ? entropy / Math.log(matrixRank) : 0,
  };

  // ESD chart from the density estimate: bin mass = difference of the interpolated CDF.
  const lo = Math.min(nodes.length > 0 ? nodes[0] : 0, edges.minus);
  const hi = Math.max(spectralNorm, nodeMax, edges.plus, lo + 1e-300);
  const width = (hi - lo) / esdBins;
  const binEdges = Array.from({ length: esdBins + 1 }, (_, i) => (i === esdBins ? hi : lo + i * width));
  const density = Array.from(
    { length: esdBins },
    (_, i) => (cdf(binEdges[i + 1]) - (i === 0 ? 0 : cdf(binEdges[i]))) / width,
  );
  const esd = esdChart({ edges: binEdges, density }, mp, n, m);

  const maxTopError = spectrum.topErrors.reduce((a, b) => Math.max(a, b), 0);
  const approximate: ApproximationReport = {
    method: 'lanczos-slq',
    exactLimit: settings.exactLimit,
    reason,
    count: n,
    k: top.length,
    probes: APPROX_PROBES,
    probeSteps: APPROX_PROBE_STEPS,
    seed: settings.seed + 1,
    topValues: Array.from(top),
    topErrors: Array.from(spectrum.topErrors),
    outliersLowerBound,
    densityKs,
    densityKsLevel: ksLevel,
    exact: ['frobeniusNorm', 'norms.stableRank', 'mp.sigma', 'mp.outliers', 'mp.twThreshold'],
    estimated: [
      'spectralNorm (top Ritz value, a lower bound within topErrors[0])',
      'norms.matrixRank',
      'norms.spectralEntropy',
      'mp.sigmaMedian',
      'esd.histogram',
    ],
    unavailable: [
      ...(['spacing', 'spacingRatio', 'rigidity'] as const).map((statistic) => ({
        statistic,
        reason:
          'needs every singular value of the bulk (the unfolded levels); only the density was estimated',
      })),
      {
        statistic: 'mp.bulkP',
        reason: 'the calibrated bulk KS test needs the exact bulk; see approximate.densityKs (uncalibrated)',
      },
      {
        statistic: 'porterThomas',
        reason: 'singular vectors are not computed by the approximation',
      },
      {
        statistic: 'hill',
        reason: `needs the order statistics beyond the ${top.length} resolved top values`,
      },
      { statistic: 'powerLaw', reason: 'the WeightWatcher fit needs every eigenvalue' },
      {
        statistic: 'baseline',
        reason: 'the shuffled copy would need a second spectrum of the same size; not computed',
      },
      {
        statistic: 'cpse',
        reason: 'the model-level cPSE needs every eigenvalue; this layer is left out of it',
      },
    ],
  };

  const signals = {
    singularValues: n,
    outliers,
    twLevel: settings.twLevel,
    bulkMisfit:
      sigma > 0
        ? {
            failed: densityKs > ksLevel,
            detail: `KS distance of the SLQ density estimate ${densityKs.toPrecision(3)}, uncalibrated, misfit above ${ksLevel.toPrecision(2)}`,
          }
        : undefined,
  };
  const base = layerVerdict(signals);
  const reasons = base.reasons.map((r) =>
    outliersLowerBound && r.includes('above the TW₁') ? `at least ${r} (every resolved top value is)` : r,
  );
  reasons.unshift(
    `approximated: ${reason}; top ${top.length} singular values by Lanczos (residual bound ≤ ${maxTopError.toPrecision(2)}) and an SLQ density estimate (${APPROX_PROBES} probes × ${APPROX_PROBE_STEPS} steps)`,
  );
  reasons.push(
    'not computed on the approximation: level spacings, spacing ratio, Σ²/Δ₃, Porter–Thomas, Hill, power law, randomised baseline',
  );
  const report: LayerReport = {
    name: input.name,
    tensor: input.tensor,
    shape: [rows, cols],
    dtype: input.dtype,
    layout: input.layout,
    spectralNorm,
    frobeniusNorm,
    norms,
    mp,
    verdict:
      frobeniusSquared > 0
        ? { ...base, summary: `${base.summary} (approximate)`, reasons }
        : {
            label: 'deviating',
            summary: 'deviating',
            code: 'rmt.deviating',
            reasons: ['every entry is zero'],
          },
    esd,
    approximate,
    seconds: 0,
  };
  return { report, singularValues: Float64Array.from(top) };
}
