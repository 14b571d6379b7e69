import type { SkippedTensor } from '../layers/types';
import { DEFAULT_SIGNIFICANCE, DEFAULT_VECTORS_TESTED, type VectorsTested } from '../rmt/testSettings';

/** Bumped whenever a field changes meaning or disappears; see schema/report.schema.json. */
export const SCHEMA_VERSION = 1;

export type VerdictLabel = 'random' | 'bulk random, spikes' | 'deviating' | 'too small' | 'failed';

export interface Verdict {
  label: VerdictLabel;
  /** Short text for badges, e.g. `bulk random, 3 spikes`. */
  summary: string;
  /** Stable code for diagnostics (links to the README section), e.g. `rmt.spikes`. */
  code: string;
  reasons: string[];
}

/** Marchenko–Pastur fit of the singular values (RMT.md §2). */
export interface MpReport {
  sigma: number;
  q: number;
  /** Bulk edges of the singular values, σ√M(1 ± √q). */
  nuMinus: number;
  nuPlus: number;
  /** TW₁ outlier threshold on ν at `twLevel`. */
  twThreshold: number;
  twLevel: number;
  outliers: number;
  iterations: number;
  /** σ from median matching alone (step 1 of the fit). */
  sigmaMedian: number;
  /** Outlier singular values (descending) and their BBP spike strengths θ (units of σ√M). */
  outlierValues: number[];
  spikeStrengths: number[];
  /** Smallest detectable spike strength q^{1/4}. */
  bbpThreshold: number;
  /** MP soft rank λ₊/λ_max (WeightWatcher's mp_softrank). */
  mpSoftRank: number;
  /** KS distance of the bulk against the fitted MP CDF, and its calibrated p-value (absent for small layers). */
  bulkKs?: number;
  bulkP?: number;
}

export interface SpectrumNormsReport {
  spectralNorm: number;
  frobeniusNorm: number;
  /** log10 ‖W‖²₂ (WeightWatcher's log_spectral_norm). */
  logSpectralNorm: number;
  /** log10 ‖W‖²_F (WeightWatcher's log_norm). */
  logFrobeniusNorm: number;
  stableRank: number;
  matrixRank: number;
  /** Shannon entropy of ν²/Σν², over ln(rank). */
  spectralEntropy: number;
}

/** A histogram for a chart: bin edges (length n+1) and densities (length n). */
export interface Histogram {
  edges: number[];
  density: number[];
}

export interface LayerReport {
  name: string;
  tensor: string;
  shape: [number, number];
  dtype: string;
  layout: string;
  spectralNorm: number;
  frobeniusNorm: number;
  /** WeightWatcher-comparable norms and ranks (RMT.md §2). */
  norms: SpectrumNormsReport;
  mp: MpReport;
  verdict: Verdict;
  /** Histogram of the singular values and the fitted MP density on a grid, for the ESD chart. */
  esd: { histogram: Histogram; mpCurve: { x: number[]; y: number[] } };
  // The statistics below are absent for layers with fewer than 50 singular values.
  /** Level spacings of the unfolded bulk against the GOE and Poisson (RMT.md §3). */
  spacing?: SpacingReport;
  /** Spacing ratio r̃ (RMT.md §3). */
  spacingRatio?: SpacingRatioReport;
  /** Number variance Σ²(L) and rigidity Δ₃(L) (RMT.md §4). */
  rigidity?: RigidityReport;
  /** Porter–Thomas test of the singular vectors (RMT.md §5). */
  porterThomas?: PorterThomasReport;
  /** Hill estimator of the tail of ν (RMT.md §6). */
  hill?: HillReport;
  /** WeightWatcher-compatible power-law fit of λ = ν² (RMT.md §6); null when it cannot be fitted. */
  powerLaw?: PowerLawReport | null;
  /** Randomised baseline: shuffled entries (RMT.md §7). */
  baseline?: BaselineReport;
  /** Comparison with an initial checkpoint, when one was given (RMT.md §8). */
  checkpoint?: CheckpointReport;
  /**
   * Present when the spectrum was approximated because min(N, M) > `exactLimit` (RMT.md §10). Then
   * `spacing`, `spacingRatio`, `rigidity`, `porterThomas`, `hill`, `powerLaw`, `baseline` and
   * `mp.bulkKs`/`mp.bulkP` are absent (see `approximate.unavailable`), and the verdict is made of
   * the TW outliers among the resolved top values and an uncalibrated MP check of the density.
   */
  approximate?: ApproximationReport;
  /** Seconds spent on this layer. */
  seconds: number;
}

/** How an approximated layer was computed and which of its numbers are exact (RMT.md §10). */
export interface ApproximationReport {
  /** Lanczos (full reorthogonalisation) for the top values, stochastic Lanczos quadrature for the density. */
  method: 'lanczos-slq';
  /** The setting that sent this layer here: min(N, M) > exactLimit. */
  exactLimit: number;
  /**
   * Why the layer was approximated, in words: min(N, M) above `exactLimit`, or a matrix too large
   * in float64 for the exact path (src/engine/sizePolicy.ts). Absent in reports of earlier versions.
   */
  reason?: string;
  /** min(N, M): how many singular values the exact spectrum has. */
  count: number;
  /** Resolved top singular values (Ritz values, descending) and their residual bounds. */
  k: number;
  topValues: number[];
  topErrors: number[];
  /** SLQ: Rademacher probe vectors, Lanczos steps per probe, seed. */
  probes: number;
  probeSteps: number;
  seed: number;
  /** True when every resolved top value is a TW outlier: `mp.outliers` is then a lower bound. */
  outliersLowerBound: boolean;
  /** KS distance between the SLQ estimate of the CDF of ν and the fitted MP CDF (uncalibrated). */
  densityKs: number;
  /** Level above which `densityKs` counts as an MP misfit in the verdict [ours]. */
  densityKsLevel: number;
  /** Report fields that are exact (from ‖W‖_F and the resolved top values). */
  exact: string[];
  /** Report fields that are estimates from the density. */
  estimated: string[];
  /** Statistics not computed for this layer, each with the reason. */
  unavailable: { statistic: string; reason: string }[];
}

/** Densities sampled on a common grid, for reference curves. */
export interface ReferenceCurves {
  x: number[];
  goe: number[];
  gue: number[];
  poisson: number[];
}

export interface SpacingReport {
  unfolding: 'gaussian' | 'polynomial' | 'mpCdf';
  /** Window a of the unfolding (2a levels dropped at each end). */
  window: number;
  /** Number of spacings. */
  count: number;
  meanSpacing: number;
  /** 40 bins on s ∈ [0, 4], density. */
  histogram: Histogram;
  /** KS distances against the GOE surmise and Poisson. */
  ksGoe: number;
  ksPoisson: number;
  /** p-value of ksGoe calibrated on `nullReplicas` Gaussian matrices of the same shape. */
  pGoe: number;
  /** Plain Kolmogorov p-values (spacings are correlated: indicative only). */
  pGoeAsymptotic: number;
  pPoissonAsymptotic: number;
  nullReplicas: number;
  /** Reference densities GOE/GUE surmise and Poisson on s ∈ [0, 4]. */
  curves: ReferenceCurves;
  /** CDFs on the same grid: empirical, GOE surmise, Poisson. */
  cdf: { x: number[]; empirical: number[]; goe: number[]; poisson: number[] };
}

export interface SpacingRatioReport {
  mean: number;
  standardError: number;
  count: number;
  /** 20 bins on r̃ ∈ [0, 1], density. */
  histogram: Histogram;
  /** ⟨r̃⟩ references: Poisson 0.38629, GOE 0.5307, GUE 0.5996. */
  references: { poisson: number; goe: number; gue: number };
  /** Surmise densities P(r̃) for β = 1, 2 and Poisson on [0, 1]. */
  curves: ReferenceCurves;
}

export interface RigidityReport {
  /** Lengths L where the statistics were measured (L ≤ a/2). */
  lengths: number[];
  sigma2: number[];
  delta3: number[];
  windows: number;
  /** Theory on a fine grid of L. */
  theory: {
    x: number[];
    goeSigma2: number[];
    goeDelta3: number[];
    poissonSigma2: number[];
    poissonDelta3: number[];
  };
}

export interface PorterThomasSide {
  /** Calibrated KS p-values, one per tested index. */
  pValues: number[];
  /** p̄: sliding mean over 30 neighbours. */
  smoothed: number[];
  /** L·IPR (≈ 3 for a random vector). */
  lIpr: number[];
  /** BH rejections (true = fails Porter–Thomas). */
  rejected: boolean[];
  /** Information/noise boundary of this side (index into the singular values), null if none. */
  boundary: number | null;
}

export interface PorterThomasReport {
  /** Tested singular-vector indices (0 = largest), ascending. */
  indices: number[];
  /** Their singular values. */
  singularValues: number[];
  /** Left vectors have length rows, right vectors length cols. */
  left: PorterThomasSide;
  right: PorterThomasSide;
  /** Tested vectors (left + right). */
  tested: number;
  /** Vectors failing after Benjamini–Hochberg at `level` across all tested ones. */
  rejected: number;
  /** Top indices (the first max(outliers, 10)) whose left or right vector fails. */
  rejectedTop: number;
  /** Failing vectors below the top indices. */
  rejectedBulk: number;
  bhCutoff: number;
  /** Information/noise boundary: the larger of the two sides' (null if neither has one). */
  boundary: number | null;
  nullReplicas: number;
  /** Significance level α of the BH test and of the p̄ boundary (absent in reports made before it was a setting: 0.05). */
  level?: number;
}

export interface HillReport {
  /** Hill plot: α̂_k with standard errors for k = 2 … min(n/2, 300). */
  plot: { k: number[]; alpha: number[]; standardError: number[] };
  /** TW outliers left out of the order statistics (isolated spikes, when fewer than 10 % of N). */
  excludedOutliers: number;
  plateau: boolean;
  /** Mean α̂ over the flattest window [k0, 2k0] (NaN if none), its k0 and relative spread. */
  alpha: number;
  k0: number | null;
  spread: number;
  /** "power-law tail, α = …" or "no tail index". */
  verdict: string;
}

export interface PowerLawReport {
  alpha: number;
  alphaSigma: number;
  /** α·log10 λ_max, λ = ν² (WeightWatcher's alpha_weighted). */
  alphaWeighted: number;
  xmin: number;
  tailCount: number;
  ks: number;
  /** 2(α − 1), comparable with the Hill index on ν. */
  hillEquivalent: number;
}

export interface BaselineReport {
  replicas: number;
  seed: number;
  /** Jensen–Shannon distance between the eigenvalues of the layer and of the shuffled copies. */
  distance: number;
  /** Histogram of the shuffled singular values on the ESD's bins. */
  histogram: Histogram;
}

export interface CheckpointReport {
  /** ‖W − W₀‖_F / ‖W₀‖_F. */
  relativeChange: number;
  k: number;
  leftOverlap: number;
  rightOverlap: number;
  leftOverlapPerDirection: number[];
}

export interface ModelReport {
  schemaVersion: number;
  file: string;
  format: string;
  layers: LayerReport[];
  /** Across-layer statistics (cPSE). Optional until every producer fills it. */
  model?: ModelStatistics;
  skipped: SkippedTensor[];
  /** Layers that could not be analysed, with the reason. */
  failed: { name: string; error: string }[];
  provenance: {
    engine: string;
    version: string;
    settings: AnalysisSettings;
    seconds: number;
    fileSize: number;
    fileModified: string;
  };
}

/** Across layers (RMT.md §9). */
export interface ModelStatistics {
  /** Exponent of the singular values used as eigenvalues: 2 (vanilla bristol) or 4 (bristol's torch path). */
  cpsePower: 2 | 4;
  /** D_l, l = 1 … L−2, in model order (may hold 0). */
  dLayers: number[];
  /** Mean log10 D_l: NaN for L ≤ 2, −Infinity when some D_l = 0. */
  cpse: number;
  /** First l after which D stays within a factor 2 of its final value; null if undefined. */
  saturationDepth: number | null;
  /**
   * Layers left out of the cPSE cascade because their spectrum was approximated (RMT.md §10): the
   * cascade runs over the remaining layers in model order, so `dLayers` indexes those. Absent when
   * no layer was left out.
   */
  excludedFromCpse?: { name: string; reason: string }[];
  /** Model-level reading of the verdicts (RMT.md §8), when the layer reports were given. */
  summary?: string;
  verdictCounts?: Partial<Record<VerdictLabel, number>>;
}

export interface AnalysisSettings {
  conv: 'im2col' | 'slices' | 'kernel';
  twLevel: 0.9 | 0.95 | 0.99;
  exactLimit: number;
  // Optional so that older settings objects stay valid; `withDefaults` fills them in.
  /** cPSE eigenvalues: ν² (vanilla) or ν⁴ (RMT.md §9). */
  cpsePower?: 2 | 4;
  /** Seed of every random choice (null distributions, shuffles, window starts). */
  seed?: number;
  /** Unfolding of the spacings (RMT.md §3) and its window a. */
  unfolding?: 'gaussian' | 'polynomial' | 'mpCdf';
  unfoldingWindow?: number;
  /** Replicas of the null distributions: spacings (≥ 200) and Porter–Thomas (≥ 2000). */
  spacingNullReplicas?: number;
  ptNullReplicas?: number;
  /** Compute the randomised baseline (one more SVD per layer). */
  randomBaseline?: boolean;
  /** PyTorch: extract tensors from whole-module pickles and TorchScript with inert stand-ins. */
  lenient?: boolean;
  /**
   * Significance level α of the spacing test, the Porter–Thomas BH level and the p̄ boundary (the
   * bulk-fit test uses α/5); 0.001–0.2. TW outliers keep `twLevel`.
   */
  significance?: number;
  /** Which singular vectors Porter–Thomas tests (RMT.md §5). */
  vectorsTested?: VectorsTested;
}

export const DEFAULT_SETTINGS: Required<AnalysisSettings> = {
  conv: 'im2col',
  twLevel: 0.95,
  exactLimit: 4096,
  cpsePower: 2,
  seed: 0,
  unfolding: 'gaussian',
  unfoldingWindow: 15,
  spacingNullReplicas: 200,
  ptNullReplicas: 2000,
  randomBaseline: true,
  lenient: false,
  significance: DEFAULT_SIGNIFICANCE,
  vectorsTested: { ...DEFAULT_VECTORS_TESTED },
};

/** Settings with every optional field filled from DEFAULT_SETTINGS. */
export function withDefaults(settings: AnalysisSettings): Required<AnalysisSettings> {
  const out = { ...DEFAULT_SETTINGS } as Record<string, unknown>;
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) out[key] = value;
  // A partial vectorsTested (e.g. from a hand-written settings object) keeps the other defaults.
  out.vectorsTested = { ...DEFAULT_VECTORS_TESTED, ...settings.vectorsTested };
  return out as unknown as Required<AnalysisSettings>;
}
