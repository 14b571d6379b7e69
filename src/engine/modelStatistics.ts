// Across-layer statistics of a model (RMT.md §9): cPSE and its saturation depth.
import type { AnalysisSettings, ModelStatistics } from './report';
import { withDefaults } from './report';
import { cascadingPse, cpseEigenvalues, saturationDepth } from '../rmt/spectralErgodicity';

export interface LayerSpectrum {
  /** Shape in [out, in] orientation, as stored. */
  rows: number;
  cols: number;
  /** Singular values (any order; sorted here). */
  singularValues: Float64Array;
}

export function modelStatistics(layers: LayerSpectrum[], settings: AnalysisSettings): ModelStatistics {
  const power = withDefaults(settings).cpsePower;
  const spectra = layers.map((l) => cpseEigenvalues(l.singularValues, l.rows, power));
  const { dLayers, cpse } = cascadingPse(spectra);
  return { cpsePower: power, dLayers, cpse, saturationDepth: saturationDepth(dLayers) };
}
