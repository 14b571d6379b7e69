// "Compare with random baseline": the same shapes as the model, filled with Gaussian entries of each
// layer's fitted σ, through the same cPSE as the model (RMT.md §9).
import type { AnalysisSettings, ModelReport } from './report';
import type { BaselineResult } from './comparisonTypes';
import { modelStatistics } from './modelStatistics';
import { Rng } from '../rmt/prng';
import { gaussianSingularValues } from '../rmt/tridiagonalModels';

/**
 * Singular values of Gaussian matrices are drawn from the bidiagonal model of Dumitriu–Edelman
 * (same law as a dense Gaussian matrix, O(n) per layer), so the baseline costs nothing next to the analysis.
 */
export function gaussianBaseline(
  report: ModelReport,
  settings: AnalysisSettings,
  seed: number,
): BaselineResult {
  const rng = new Rng(seed);
  const layers = report.layers.map((layer) => {
    const [rows, cols] = layer.shape;
    const sigma = Number.isFinite(layer.mp.sigma) && layer.mp.sigma > 0 ? layer.mp.sigma : 1;
    return { rows, cols, singularValues: gaussianSingularValues(rng, rows, cols, sigma) };
  });
  return { ...modelStatistics(layers, settings), seed };
}
