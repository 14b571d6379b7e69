// Analysis of one layer matrix: every per-layer statistic of RMT.md §2–§8, as a LayerReport.
import type { SpectrumEngine } from '../linalg/types';
import type { AnalysisSettings, LayerReport } from './report';
import { withDefaults } from './report';
import {
  bbpStrength,
  bbpThreshold,
  fitMarchenkoPastur,
  mpNuDensity,
  mpNuEdges,
} from '../rmt/marchenkoPastur';
import { spectrumNorms } from '../rmt/norms';
import { densityHistogram, sampleCurve } from '../rmt/histogram';
import { layerVerdict, TOO_SMALL } from '../rmt/verdict';

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

const ESD_BINS = 60;
const MP_CURVE_POINTS = 200;

export async function analyzeLayer(
  input: LayerInput,
  settings: AnalysisSettings,
  engine: SpectrumEngine,
): Promise<{ report: LayerReport; singularValues: Float64Array }> {
  const started = performance.now();
  const options = withDefaults(settings);
  const { rows, cols } = input;
  if (input.data.length !== rows * cols)
    throw new Error(`${input.name}: expected ${rows}×${cols} values, got ${input.data.length}`);
  const singularValues = engine.singularValues(input.data, rows, cols);
  const n = Math.min(rows, cols);
  const m = Math.max(rows, cols);
  const q = n / m;
  const norms = spectrumNorms(singularValues, rows, cols);

  const fit = n > 0 ? fitMarchenkoPastur(singularValues, m, options.twLevel) : undefined;
  const sigma = fit?.sigma ?? 0;
  const edges = mpNuEdges(q, sigma, m);
  const sigmaTilde = sigma * Math.sqrt(m);
  const outlierValues = Array.from(singularValues.subarray(0, fit?.outliers ?? 0));
  const mp = {
    sigma,
    q,
    nuMinus: edges.minus,
    nuPlus: edges.plus,
    twThreshold: fit?.threshold ?? 0,
    twLevel: options.twLevel,
    outliers: fit?.outliers ?? 0,
    iterations: fit?.iterations ?? 0,
    sigmaMedian: fit?.sigmaMedian ?? 0,
    outlierValues,
    spikeStrengths: outlierValues.map((nu) => bbpStrength(nu, q, sigmaTilde)),
    bbpThreshold: bbpThreshold(q),
  };

  const lo = n > 0 ? Math.min(singularValues[n - 1], edges.minus) : 0;
  const hi = n > 0 ? Math.max(singularValues[0], edges.plus) : 1;
  const histogram = densityHistogram(singularValues, ESD_BINS, lo, hi);
  // Density units of the histogram (count / (N·width)): the MP density covers the N − k bulk values.
  const bulkFraction = n > 0 ? (n - mp.outliers) / n : 0;
  const mpCurve = sampleCurve(
    (x) => (sigma > 0 ? bulkFraction * mpNuDensity(x, q, sigma, m) : 0),
    edges.minus,
    edges.plus,
    MP_CURVE_POINTS,
  );

  const verdict =
    n < TOO_SMALL
      ? layerVerdict({ singularValues: n, outliers: mp.outliers, twLevel: options.twLevel })
      : layerVerdict({ singularValues: n, outliers: mp.outliers, twLevel: options.twLevel });

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
    verdict,
    esd: { histogram, mpCurve },
    seconds: (performance.now() - started) / 1000,
  };
  return { report, singularValues };
}
