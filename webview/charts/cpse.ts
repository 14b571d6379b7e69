// The cPSE saturation curve: D_l against depth on a log scale, the saturation depth marked, and the
// Gaussian baseline of the same shapes when it was computed (RMT.md §9).
import { numberAt, numbersAt, valueAt } from '../reportAccess';
import { EXACT, logTicks, seriesColor, type ChartDefinition, type ModelSource } from './types';

interface CpsePoint {
  depth: number;
  d: number;
  layer: string;
  curve: string;
}

interface CpseData {
  points: CpsePoint[];
  saturation: { depth: number; curve: string }[];
  curves: string[];
  /** Approximated layers left out of the cascade. */
  excluded: number;
}

const MODEL = 'this model';
const BASELINE = 'Gaussian baseline';

export const cpseChart: ChartDefinition<ModelSource, CpseData> = {
  id: 'cpse',
  title: 'Cascading spectral ergodicity (cPSE)',
  caption:
    'D_l between the spectra of the first l and l+1 layers; the curve flattens where depth stops adding spectral diversity. Dashed: saturation depth.',
  data({ report, baseline }) {
    const model = numbersAt(report, 'model.dLayers');
    const gaussian = numbersAt(baseline, 'dLayers');
    if (!model && !gaussian) return undefined;
    // D_l indexes the layers in the cascade: approximated layers are left out of it.
    const excluded = new Set(
      ((valueAt(report, 'model.excludedFromCpse') as { name?: unknown }[] | undefined) ?? []).map(
        (e) => e?.name,
      ),
    );
    const names = (report?.layers ?? []).map((layer) => layer.name).filter((name) => !excluded.has(name));
    const points = (values: number[] | undefined, curve: string) =>
      (values ?? [])
        .map((d, i) => ({ depth: i + 1, d, layer: names[i + 1] ?? '', curve }))
        .filter((p) => p.d > 0 && Number.isFinite(p.d));
    const saturation = (depth: number | undefined, curve: string) =>
      depth !== undefined && Number.isFinite(depth) ? [{ depth, curve }] : [];
    return {
      points: [...points(model, MODEL), ...points(gaussian, BASELINE)],
      saturation: [
        ...saturation(numberAt(report, 'model.saturationDepth'), MODEL),
        ...saturation(numberAt(baseline, 'saturationDepth'), BASELINE),
      ],
      curves: [...(model ? [MODEL] : []), ...(gaussian ? [BASELINE] : [])],
      excluded: excluded.size,
    };
  },
  describe(data) {
    if (data.excluded === 0) return {};
    const layers =
      data.excluded === 1 ? '1 approximated layer is' : `${data.excluded} approximated layers are`;
    return {
      caption: `${cpseChart.caption} ${layers} left out: l counts the exactly computed layers only.`,
    };
  },
  spec(data, { width, palette, strokeWidth }) {
    const colors = data.curves.map((c) => (c === MODEL ? palette.data : palette.baseline));
    const color = { field: 'curve', type: 'nominal' as const, ...seriesColor(data.curves, colors) };
    const x = {
      field: 'depth',
      type: 'quantitative' as const,
      title: 'depth l',
      axis: { tickMinStep: 1, format: 'd' },
    };
    return {
      width,
      height: 240,
      layer: [
        {
          data: { values: data.points },
          mark: { type: 'line', point: { filled: true, size: 40 }, strokeWidth },
          encoding: {
            x,
            y: {
              field: 'd',
              type: 'quantitative',
              title: 'D_l (symmetric KL)',
              scale: { type: 'log' },
              axis: { values: logTicks(data.points.map((p) => p.d)) },
            },
            color,
            tooltip: [
              { field: 'curve', title: 'curve' },
              { field: 'depth', title: 'l' },
              { field: 'layer', title: 'layer l+1' },
              { field: 'd', title: 'D_l', format: EXACT },
            ],
          },
        },
        {
          data: { values: data.saturation },
          mark: { type: 'rule', strokeDash: [5, 3], strokeWidth },
          encoding: {
            x,
            color,
            tooltip: [
              { field: 'curve', title: 'curve' },
              { field: 'depth', title: 'saturation depth' },
            ],
          },
        },
      ],
    };
  },
};
