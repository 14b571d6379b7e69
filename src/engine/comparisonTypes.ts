// Result types of the comparisons, shared with the webview (types only, no Node imports).
import type { LayerComparison } from '../rmt/checkpoint';
import type { ModelStatistics } from './report';

/** cPSE of the same shapes filled with Gaussian entries (`rmtLens.compareBaseline`). */
export interface BaselineResult extends ModelStatistics {
  seed: number;
}

export interface LayerComparisonReport extends LayerComparison {
  name: string;
  shape: [number, number];
  /** Singular values of W and W₀, descending (at most 512 evenly spaced order statistics each). */
  trained: number[];
  initial: number[];
}

export interface CheckpointComparison {
  file: string;
  reference: string;
  layers: LayerComparisonReport[];
  /** Matrices present in only one of the files, or with different shapes. */
  unmatched: string[];
  failed: { name: string; error: string }[];
  summary: {
    regime: 'lazy-like' | 'rich-like' | 'mixed';
    medianRelativeChange: number;
    medianOverlap: number;
    text: string;
  };
}
