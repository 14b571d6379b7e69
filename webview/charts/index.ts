// The chart registries: add a chart by adding its file and one line here.
import type { LayerReport, ModelReport } from '../../src/engine/report';
import { cpseChart } from './cpse';
import { esdChart } from './esd';
import type { AnyChart } from './types';
import { verdictsAlongDepthChart } from './verdictsAlongDepth';

/** Charts of the selected layer, in display order. */
export const LAYER_CHARTS: readonly AnyChart<LayerReport>[] = [esdChart];

/** Charts of the whole model, in display order. */
export const MODEL_CHARTS: readonly AnyChart<ModelReport>[] = [cpseChart, verdictsAlongDepthChart];
