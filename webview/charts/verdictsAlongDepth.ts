// Verdicts along depth: one cell per analysed layer in model order, coloured by its verdict (RMT.md §8).
import { VERDICT_ORDER, type ChartDefinition, type ModelSource } from './types';

interface VerdictCell {
  position: number;
  layer: string;
  verdict: string;
  summary: string;
  outliers: number | null;
  /** Approximated above the exact limit: drawn paler. */
  approximate: boolean;
}

export const verdictsAlongDepthChart: ChartDefinition<ModelSource, VerdictCell[]> = {
  id: 'verdicts',
  title: 'Verdicts along depth',
  caption: 'Each layer in file order; learned structure usually concentrates in some depths.',
  data({ report }) {
    const layers = report?.layers ?? [];
    if (layers.length === 0) return undefined;
    return layers.map((layer, i) => ({
      position: i + 1,
      layer: layer.name,
      verdict: layer.verdict?.label ?? 'failed',
      summary: layer.verdict?.summary ?? '',
      outliers: layer.mp?.outliers ?? null,
      approximate: layer.approximate !== undefined,
    }));
  },
  describe(cells) {
    return cells.some((c) => c.approximate)
      ? { caption: `${verdictsAlongDepthChart.caption} Paler: approximated layers (≈).` }
      : {};
  },
  spec(cells, { width, palette }) {
    const domain = VERDICT_ORDER.filter((v) => cells.some((c) => c.verdict === v));
    return {
      width,
      height: 36,
      data: { values: cells },
      mark: { type: 'rect', stroke: palette.background, strokeWidth: cells.length > 80 ? 0 : 1 },
      encoding: {
        x: {
          field: 'position',
          type: 'ordinal',
          title: 'layer (file order)',
          axis: { labelOverlap: 'greedy', labelAngle: 0 },
        },
        color: {
          field: 'verdict',
          type: 'nominal',
          scale: { domain, range: domain.map((v) => palette.verdict[v]) },
          legend: { orient: 'top', title: null },
        },
        opacity: { condition: { test: 'datum.approximate', value: 0.45 }, value: 1 },
        tooltip: [
          { field: 'position', title: '#' },
          { field: 'layer', title: 'layer' },
          { field: 'summary', title: 'verdict' },
          { field: 'outliers', title: 'outliers' },
          { field: 'approximate', title: 'approximated' },
        ],
      },
    };
  },
};
