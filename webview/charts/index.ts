// The chart registries: add a chart by adding its file and one line here.
import type { LayerReport } from '../../src/engine/report';
import type { LayerComparisonReport } from '../../src/engine/comparisonTypes';
import { checkpointChangeChart } from './checkpointChange';
import { checkpointSpectraChart } from './checkpointSpectra';
import { cpseChart } from './cpse';
import { esdChart } from './esd';
import { hillChart } from './hill';
import { numberVarianceChart } from './numberVariance';
import { porterThomasChart } from './porterThomas';
import { rigidityChart } from './rigidity';
import { spacingChart } from './spacing';
import { spacingRatioChart } from './spacingRatio';
import type { AnyChart, ModelSource } from './types';
import { verdictsAlongDepthChart } from './verdictsAlongDepth';

/** Charts of the selected layer, in display order. */
export const LAYER_CHARTS: readonly AnyChart<LayerReport>[] = [
  esdChart,
  spacingChart,
  spacingRatioChart,
  numberVarianceChart,
  rigidityChart,
  porterThomasChart,
  hillChart,
];

/** Charts of the selected layer against the initial checkpoint (after Compare checkpoints). */
export const LAYER_COMPARISON_CHARTS: readonly AnyChart<LayerComparisonReport>[] = [checkpointSpectraChart];

/** Charts of the whole model, in display order. */
export const MODEL_CHARTS: readonly AnyChart<ModelSource>[] = [
  cpseChart,
  verdictsAlongDepthChart,
  checkpointChangeChart,
];
