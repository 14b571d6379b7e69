// Spectral rigidity Δ₃(L) of the unfolded levels against the GOE and Poisson (RMT.md §4).
import type { LayerReport } from '../../src/engine/report';
import { lengthStatisticData, lengthStatisticSpec, type LengthStatistic } from './numberVariance';
import type { ChartDefinition } from './types';

export const rigidityChart: ChartDefinition<LayerReport, LengthStatistic> = {
  id: 'delta3',
  title: 'Spectral rigidity Δ₃(L)',
  statistic: 'rigidity',
  caption:
    'Least-squares deviation of the staircase from a line: GOE stays low (rigid), Poisson grows like L/15.',
  data: (layer) => lengthStatisticData(layer, 'delta3', 'goeDelta3', 'poissonDelta3'),
  spec: (data, context) => lengthStatisticSpec(data, 'Δ₃(L)', context),
};
