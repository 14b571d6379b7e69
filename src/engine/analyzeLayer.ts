// Analysis of one layer matrix: every per-layer statistic of RMT.md §2–§8, as a LayerReport.
import type { SpectrumEngine, SvdResult } from '../linalg/types';
import type {
  AnalysisSettings,
  BaselineReport,
  Histogram,
  HillReport,
  LayerReport,
  MpReport,
  PorterThomasReport,
  PorterThomasSide,
  RigidityReport,
  SpacingRatioReport,
  SpacingReport,
} from './report';
import { withDefaults } from './report';
import {
  bbpStrength,
  bbpThreshold,
  fitMarchenkoPastur,
  mpNuDensity,
  mpNuEdges,
  type MpFit,
} from '../rmt/marchenkoPastur';
import { spectrumNorms } from '../rmt/norms';
import { densityHistogram, sampleCurve } from '../rmt/histogram';
import { layerVerdict, TOO_SMALL, type VerdictSignals } from '../rmt/verdict';
import { bulkLevels, spacingHistogram, spacingStatistics } from '../rmt/spacings';
import { bulkMpDistance, defaultNullCache, type NullCache } from '../rmt/nullCalibration';
import { monteCarloPValue, kolmogorovPValue } from '../rmt/kolmogorov';
import {
  goeSpacingCdf,
  goeSpacingPdf,
  gueSpacingPdf,
  MEAN_RATIO,
  poissonRatioPdf,
  poissonSpacingCdf,
  poissonSpacingPdf,
  ratioSurmisePdf,
} from '../rmt/surmise';
import { spacingRatios } from '../rmt/spacingRatio';
import {
  goeDelta3,
  goeSigma2,
  numberVarianceAndRigidity,
  poissonDelta3,
  poissonSigma2,
  RIGIDITY_LENGTHS,
} from '../rmt/numberVariance';
import {
  benjaminiHochberg,
  informationBoundary,
  porterThomasIndices,
  porterThomasPValue,
  scaledIpr,
  smoothPValues,
} from '../rmt/porterThomas';
import { hillPlateau, hillPlot } from '../rmt/hill';
import { fitPowerLaw } from '../rmt/powerLaw';
import { randomBaseline } from '../rmt/randomBaseline';
import { bulkMisfitLevel } from '../rmt/testSettings';
import { Rng } from '../rmt/prng';
import type { UnfoldingOptions } from '../rmt/unfolding';
import { analyzeApproximate } from './approximateLayer';
import { approximationReason } from './sizePolicy';
import { inMemory, type RowBlocks } from '../linalg/approximate';

export interface LayerInput {
  name: string;
  tensor: string;
  dtype: string;
  layout: string;
  rows: number;
  cols: number;
  /** Row-major, rows × cols. */
  data: Float64Array;
}

/**
 * A layer given as blocks of rows read on demand (e.g. widened from float16): for layers that take
 * the approximation (sizePolicy.ts) the whole float64 matrix then never exists.
 */
export type BlockLayerInput = Omit<LayerInput, 'data'> & { blocks: RowBlocks };

export interface AnalyzeOptions {
  /** Null distributions cached per shape; defaults to one cache per process (worker). */
  nullCache?: NullCache;
  /** The caller no longer needs `data`: the randomised baseline shuffles it in place (no copy). */
  consumeInput?: boolean;
}

const ESD_BINS = 60;
const MP_CURVE_POINTS = 200;
const CURVE_POINTS = 101;

type Settings = Required<AnalysisSettings>;

export async function analyzeLayer(
  input: LayerInput | BlockLayerInput,
  settings: AnalysisSettings,
  engine: SpectrumEngine,
  options: AnalyzeOptions = {},
): Promise<{ report: LayerReport; singularValues: Float64Array }> {
  const started = performance.now();
  const s = withDefaults(settings);
  const cache = options.nullCache ?? defaultNullCache;
  const { rows, cols } = input;
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const small = n < TOO_SMALL;
  const approximation = small ? undefined : approximationReason(rows, cols, s.exactLimit);
  if (approximation) {
    // Above the size policy (RMT.md §10, sizePolicy.ts): Lanczos top-k and an SLQ density, never
    // the full spectrum; the products read W a block of rows at a time.
    if ('data' in input) checkValues(input.name, input.data, rows, cols);
    const blocks = 'data' in input ? inMemory(input.data, rows, cols) : input.blocks;
    const approximated = analyzeApproximate(
      { ...input, blocks },
      s,
      esdFromHistogram,
      ESD_BINS,
      approximation,
    );
    approximated.report.seconds = (performance.now() - started) / 1000;
    return approximated;
  }
  const data = 'data' in input ? input.data : wholeMatrix(input.blocks);
  checkValues(input.name, data, rows, cols);
  // One decomposition gives the singular values and the vectors the Porter–Thomas test needs.
  const ptIndices = small ? [] : porterThomasIndices(n, s.vectorsTested);
  const svd: SvdResult | undefined = small
    ? undefined
    : engine.svd(data, rows, cols, ptIndices.length === n ? 'all' : ptIndices);
  const nu = svd ? svd.values : engine.singularValues(data, rows, cols);

  const norms = spectrumNorms(nu, rows, cols);
  const degenerate = norms.spectralNorm === 0;
  const fit = degenerate ? undefined : fitMarchenkoPastur(nu, m, s.twLevel);
  const mp = mpReport(nu, n, m, s, fit);
  const esd = esdChart(nu, n, m, mp);

  const report: LayerReport = {
    name: input.name,
    tensor: input.tensor,
    shape: [rows, cols],
    dtype: input.dtype,
    layout: input.layout,
    spectralNorm: norms.spectralNorm,
    frobeniusNorm: norms.frobeniusNorm,
    norms,
    mp,
    verdict: layerVerdict({ singularValues: n, outliers: mp.outliers, twLevel: s.twLevel }),
    esd,
    seconds: 0,
  };

  if (!small && fit && svd) {
    const signals: VerdictSignals = {
      singularValues: n,
      outliers: mp.outliers,
      twLevel: s.twLevel,
      significance: s.significance,
    };
    const rankTolerance = nu[0] * m * Number.EPSILON;
    const bulk = bulkLevels(nu, fit.outliers, rankTolerance);
    const unfolding: UnfoldingOptions = {
      method: s.unfolding,
      window: s.unfoldingWindow,
      mp: { q: n / m, sigma: fit.sigma, m, n },
    };
    const nullDist = cache.spacingNull(n, m, {
      twLevel: s.twLevel,
      unfolding: { method: s.unfolding, window: s.unfoldingWindow },
      replicas: s.spacingNullReplicas,
      seed: s.seed,
    });
    mp.bulkKs = bulkMpDistance(bulk, n / m, fit.sigma, m);
    mp.bulkP = monteCarloPValue(mp.bulkKs, nullDist.ksMp);
    signals.bulkMisfit = {
      failed: mp.bulkP < bulkMisfitLevel(s.significance),
      detail: `KS distance ${mp.bulkKs.toPrecision(3)}, calibrated p = ${formatP(mp.bulkP)}`,
    };

    const spacing = spacingReport(bulk, unfolding, nullDist.ksGoe, nullDist.replicas);
    if (spacing) {
      report.spacing = spacing.report;
      signals.spacingP = spacing.report.pGoe;
      report.rigidity = rigidityReport(spacing.unfolded, s.seed);
    }
    report.spacingRatio = spacingRatioReport(bulk);
    report.porterThomas = porterThomasReport(svd, mp.outliers, cache, s);
    signals.ptFailures = {
      top: report.porterThomas.rejectedTop,
      bulk: report.porterThomas.rejectedBulk,
      tested: report.porterThomas.tested,
    };
    report.hill = hillReport(nu, mp.outliers);
    signals.hillTail = { plateau: report.hill.plateau, alpha: report.hill.alpha };
    report.powerLaw = fitPowerLaw(Float64Array.from(nu, (x) => x * x));
    if (s.randomBaseline)
      report.baseline = baselineReport(
        data,
        rows,
        cols,
        nu,
        engine,
        s.seed,
        esd.histogram.edges,
        options.consumeInput === true,
      );
    report.verdict = layerVerdict(signals);
  } else if (degenerate) {
    report.verdict = {
      label: small ? 'too small' : 'deviating',
      summary: small ? 'too small' : 'deviating',
      code: small ? 'rmt.tooSmall' : 'rmt.deviating',
      reasons: ['every entry is zero'],
    };
  }
  report.seconds = (performance.now() - started) / 1000;
  return { report, singularValues: nu };
}

function mpReport(nu: Float64Array, n: number, m: number, s: Settings, fit: MpFit | undefined): MpReport {
  const q = n / m;
  const sigma = fit?.sigma ?? 0;
  const edges = mpNuEdges(q, sigma, m);
  const outlierValues = Array.from(nu.subarray(0, fit?.outliers ?? 0));
  const lambdaMax = n > 0 ? (nu[0] * nu[0]) / m : 0;
  return {
    sigma,
    q,
    nuMinus: edges.minus,
    nuPlus: edges.plus,
    twThreshold: fit?.threshold ?? 0,
    twLevel: s.twLevel,
    outliers: fit?.outliers ?? 0,
    iterations: fit?.iterations ?? 0,
    sigmaMedian: fit?.sigmaMedian ?? 0,
    outlierValues,
    spikeStrengths: outlierValues.map((v) => bbpStrength(v, q, sigma * Math.sqrt(m))),
    bbpThreshold: bbpThreshold(q),
    mpSoftRank: lambdaMax > 0 ? (sigma * sigma * (1 + Math.sqrt(q)) ** 2) / lambdaMax : 0,
  };
}

function esdChart(nu: Float64Array, n: number, m: number, mp: MpReport): LayerReport['esd'] {
  const lo = n > 0 ? Math.min(nu[n - 1], mp.nuMinus) : 0;
  const hi = n > 0 ? Math.max(nu[0], mp.nuPlus) : 1;
  return esdFromHistogram(densityHistogram(nu, ESD_BINS, lo, hi), mp, n, m);
}

/** The ESD chart: a histogram of ν (density over all N values) and the MP density of the bulk. */
function esdFromHistogram(histogram: Histogram, mp: MpReport, n: number, m: number): LayerReport['esd'] {
  // The histogram's density is count / (N·width): the MP density covers the N − k bulk values.
  const bulkFraction = n > 0 ? (n - mp.outliers) / n : 0;
  const mpCurve = sampleCurve(
    (x) => (mp.sigma > 0 ? bulkFraction * mpNuDensity(x, mp.q, mp.sigma, m) : 0),
    mp.nuMinus,
    mp.nuPlus,
    MP_CURVE_POINTS,
  );
  return { histogram, mpCurve };
}

function spacingReport(
  bulk: Float64Array,
  unfolding: UnfoldingOptions,
  nullKs: Float64Array,
  nullReplicas: number,
): { report: SpacingReport; unfolded: Float64Array } | undefined {
  const stats = spacingStatistics(bulk, unfolding);
  const count = stats.spacings.length;
  if (count < 10) return undefined;
  let sum = 0;
  for (const x of stats.spacings) sum += x;
  const sorted = Float64Array.from(stats.spacings).sort();
  const grid = sampleCurve(() => 0, 0, 4, CURVE_POINTS).x;
  let j = 0;
  const empirical = grid.map((x) => {
    while (j < sorted.length && sorted[j] <= x) j++;
    return j / sorted.length;
  });
  return {
    unfolded: stats.unfolded,
    report: {
      unfolding: unfolding.method,
      window: unfolding.window,
      count,
      meanSpacing: sum / count,
      histogram: spacingHistogram(stats.spacings),
      ksGoe: stats.ksGoe,
      ksPoisson: stats.ksPoisson,
      pGoe: monteCarloPValue(stats.ksGoe, nullKs),
      pGoeAsymptotic: kolmogorovPValue(stats.ksGoe, count),
      pPoissonAsymptotic: kolmogorovPValue(stats.ksPoisson, count),
      nullReplicas,
      curves: {
        x: grid,
        goe: grid.map(goeSpacingPdf),
        gue: grid.map(gueSpacingPdf),
        poisson: grid.map(poissonSpacingPdf),
      },
      cdf: { x: grid, empirical, goe: grid.map(goeSpacingCdf), poisson: grid.map(poissonSpacingCdf) },
    },
  };
}

function spacingRatioReport(bulk: Float64Array): SpacingRatioReport {
  const r = spacingRatios(bulk);
  const grid = sampleCurve(() => 0, 0, 1, CURVE_POINTS).x;
  return {
    mean: r.mean,
    standardError: r.standardError,
    count: r.ratios.length,
    histogram: densityHistogram(r.ratios, 20, 0, 1),
    references: { poisson: MEAN_RATIO.poisson, goe: MEAN_RATIO.goe, gue: MEAN_RATIO.gue },
    curves: {
      x: grid,
      goe: grid.map((x) => ratioSurmisePdf(x, 1)),
      gue: grid.map((x) => ratioSurmisePdf(x, 2)),
      poisson: grid.map(poissonRatioPdf),
    },
  };
}

const RIGIDITY_WINDOWS = 4000;

function rigidityReport(unfolded: Float64Array, seed: number): RigidityReport {
  const { sigma2, delta3 } = numberVarianceAndRigidity(
    unfolded,
    RIGIDITY_LENGTHS,
    new Rng(seed),
    RIGIDITY_WINDOWS,
  );
  return {
    lengths: RIGIDITY_LENGTHS,
    sigma2,
    delta3,
    windows: RIGIDITY_WINDOWS,
    theory: rigidityTheory(),
  };
}

let theoryCurves: RigidityReport['theory'] | undefined;

/**
 * The GOE and Poisson curves, the same for every layer: computed once per process (Δ₃ integrates
 * Σ², whose Si/Ci evaluations took 56 ms per layer).
 */
function rigidityTheory(): RigidityReport['theory'] {
  if (!theoryCurves) {
    const x = sampleCurve(() => 0, 0.1, 7, 70).x;
    theoryCurves = {
      x,
      goeSigma2: x.map(goeSigma2),
      goeDelta3: x.map(goeDelta3),
      poissonSigma2: x.map(poissonSigma2),
      poissonDelta3: x.map(poissonDelta3),
    };
  }
  return theoryCurves;
}

function porterThomasReport(
  svd: SvdResult,
  outliers: number,
  cache: NullCache,
  s: Settings,
): PorterThomasReport {
  const indices = svd.indices;
  const side = (vectors: Float64Array[]): { pValues: number[]; lIpr: number[] } => ({
    pValues: vectors.map((u) => porterThomasPValue(u, cache, s.ptNullReplicas, s.seed)),
    lIpr: vectors.map(scaledIpr),
  });
  const left = side(svd.left);
  const right = side(svd.right);
  const bh = benjaminiHochberg([...left.pValues, ...right.pValues], s.significance);
  const rejectedLeft = bh.rejected.slice(0, indices.length);
  const rejectedRight = bh.rejected.slice(indices.length);
  const topLimit = Math.max(outliers, 10);
  const rejectedTop = indices.filter(
    (index, i) => index < topLimit && (rejectedLeft[i] || rejectedRight[i]),
  ).length;
  const rejectedBulk = indices.reduce(
    (count, index, i) => count + (index >= topLimit ? Number(rejectedLeft[i]) + Number(rejectedRight[i]) : 0),
    0,
  );
  const finish = (p: { pValues: number[]; lIpr: number[] }, rejected: boolean[]): PorterThomasSide => {
    const smoothed = smoothPValues(p.pValues, 30);
    const position = informationBoundary(smoothed, s.significance);
    return { ...p, smoothed, rejected, boundary: position === null ? null : indices[position] };
  };
  const l = finish(left, rejectedLeft);
  const r = finish(right, rejectedRight);
  return {
    indices,
    singularValues: indices.map((i) => svd.values[i]),
    left: l,
    right: r,
    tested: 2 * indices.length,
    rejected: bh.rejected.filter(Boolean).length,
    rejectedTop,
    rejectedBulk,
    bhCutoff: bh.cutoff,
    boundary: l.boundary === null || r.boundary === null ? null : Math.max(l.boundary, r.boundary),
    nullReplicas: s.ptNullReplicas,
    level: s.significance,
  };
}

/**
 * Hill plot and plateau [ours, on top of RMT.md §6]: a few isolated TW outliers (< 10 % of N) are the
 * spikes signal, not a tail, and would bend α̂_k into a spurious plateau, so they are left out; when
 * there are more, they are the tail itself and stay in.
 */
function hillReport(nu: Float64Array, outliers: number): HillReport {
  const excluded = outliers < HILL_SPIKE_FRACTION * nu.length ? outliers : 0;
  const plot = hillPlot(nu.subarray(excluded));
  const { best, plateau } = hillPlateau(plot);
  return {
    plot,
    excludedOutliers: excluded,
    plateau,
    alpha: best?.alpha ?? NaN,
    k0: best?.k0 ?? null,
    spread: best?.spread ?? NaN,
    verdict: plateau && best ? `power-law tail, α = ${best.alpha.toFixed(2)}` : 'no tail index',
  };
}

const HILL_SPIKE_FRACTION = 0.1;

function baselineReport(
  data: Float64Array,
  rows: number,
  cols: number,
  nu: Float64Array,
  engine: SpectrumEngine,
  seed: number,
  edges: number[],
  inPlace: boolean,
): BaselineReport {
  const result = randomBaseline(data, rows, cols, nu, engine, seed, inPlace);
  const all = new Float64Array(result.replicas.reduce((sum, r) => sum + r.length, 0));
  let offset = 0;
  for (const r of result.replicas) {
    all.set(r, offset);
    offset += r.length;
  }
  const histogram = densityHistogram(all, edges.length - 1, edges[0], edges[edges.length - 1]);
  return { replicas: result.replicas.length, seed, distance: result.jsDistance, histogram };
}

function checkValues(name: string, data: Float64Array, rows: number, cols: number): void {
  if (data.length !== rows * cols)
    throw new Error(`${name}: expected ${rows}×${cols} values, got ${data.length}`);
  // x·0 is NaN exactly for ±∞ and NaN: one branch-free pass, the index searched only on failure.
  let probe = 0;
  for (let i = 0; i < data.length; i++) probe += data[i] * 0;
  if (probe === 0) return;
  for (let i = 0; i < data.length; i++)
    if (!Number.isFinite(data[i])) throw new Error(`${name}: non-finite value at index ${i}`);
}

/** A block-read matrix on the exact path (small enough by the size policy) as one array. */
function wholeMatrix(blocks: RowBlocks): Float64Array {
  const out = new Float64Array(blocks.rows * blocks.cols);
  const step = Math.max(1, Math.floor(2 ** 16 / blocks.cols));
  for (let i = 0; i < blocks.rows; i += step) {
    const end = Math.min(blocks.rows, i + step);
    out.set(blocks.block(i, end), i * blocks.cols);
  }
  return out;
}

function formatP(p: number): string {
  return p >= 0.01 || p === 0 ? p.toFixed(3) : p.toExponential(1);
}
