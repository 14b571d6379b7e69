// Across-layer statistics of a model (RMT.md §9) and the model-level reading of the verdicts (§8).
import type { AnalysisSettings, LayerReport, ModelStatistics, VerdictLabel } from './report';
import { withDefaults } from './report';
import { cascadingPse, cpseEigenvalues, saturationDepth } from '../rmt/spectralErgodicity';
import type { SpectrumEngine } from '../linalg/types';

export interface LayerSpectrum {
  /** Shape in [out, in] orientation, as stored. */
  rows: number;
  cols: number;
  /** Singular values (any order; sorted here). */
  singularValues: Float64Array;
  /** The layer's report, when available, for the model summary. */
  report?: LayerReport;
  /** Layer name, for `excludedFromCpse`. */
  name?: string;
  /**
   * True when `singularValues` holds only the resolved top values of an approximated spectrum
   * (RMT.md §10): such layers are left out of the cPSE cascade and listed in `excludedFromCpse`.
   */
  approximate?: boolean;
}

export function modelStatistics(layers: LayerSpectrum[], settings: AnalysisSettings): ModelStatistics {
  const power = withDefaults(settings).cpsePower;
  // [ours] Approximated layers have no full spectrum: mixing their top values with full spectra would
  // change the cascade silently, so they are left out and named.
  const included = layers.filter((l) => l.approximate !== true && l.report?.approximate === undefined);
  const spectra = included.map((l) => cpseEigenvalues(l.singularValues, l.rows, power));
  const { dLayers, cpse } = cascadingPse(spectra);
  const stats: ModelStatistics = {
    cpsePower: power,
    dLayers,
    cpse,
    saturationDepth: saturationDepth(dLayers),
  };
  if (included.length < layers.length)
    stats.excludedFromCpse = layers.flatMap((l, i) =>
      included.includes(l)
        ? []
        : [
            {
              name: l.name ?? l.report?.name ?? `layer ${i}`,
              reason: `spectrum approximated (min(N, M) = ${Math.min(l.rows, l.cols)} above the exact limit): only its top singular values are known`,
            },
          ],
    );
  const reports = layers.flatMap((l) => (l.report ? [l.report] : []));
  if (reports.length > 0) Object.assign(stats, modelSummary(reports));
  return stats;
}

/**
 * Model-level reading [ours]: over the layers with a verdict other than `too small`/`failed`,
 * ≥ 70 % `random` → "mostly RMT-consistent (lazy-like)"; ≥ 50 % `bulk random, spikes` whose top
 * vectors also fail Porter–Thomas → "many layers with spikes and failing top vectors (rich-like)".
 * Never from fewer than 3 such layers.
 */
export function modelSummary(reports: LayerReport[]): {
  summary: string;
  verdictCounts: Partial<Record<VerdictLabel, number>>;
} {
  const verdictCounts: Partial<Record<VerdictLabel, number>> = {};
  for (const r of reports) verdictCounts[r.verdict.label] = (verdictCounts[r.verdict.label] ?? 0) + 1;
  const judged = reports.filter((r) => r.verdict.label !== 'too small' && r.verdict.label !== 'failed');
  const count = (f: (r: LayerReport) => boolean): number => judged.filter(f).length;
  const random = count((r) => r.verdict.label === 'random');
  const rich = count(
    (r) => r.verdict.label === 'bulk random, spikes' && (r.porterThomas?.rejectedTop ?? 0) > 0,
  );
  const deviating = count((r) => r.verdict.label === 'deviating');
  let summary: string;
  if (judged.length < 3) summary = `too few analysable layers (${judged.length}) for a model-level reading`;
  else if (random >= 0.7 * judged.length)
    summary = `mostly RMT-consistent (lazy-like): ${random} of ${judged.length} layers look random`;
  else if (rich >= 0.5 * judged.length)
    summary = `many layers with spikes and failing top vectors (rich-like): ${rich} of ${judged.length}`;
  else
    summary = `mixed: ${random} random, ${count((r) => r.verdict.label === 'bulk random, spikes')} with spikes, ${deviating} deviating of ${judged.length} layers`;
  return { summary, verdictCounts };
}

/** cPSE of plain matrices in the given order (row-major, [out, in]), e.g. for `rmt-lens cpse FILE...`. */
export function cpseOfMatrices(
  matrices: { rows: number; cols: number; data: Float64Array }[],
  engine: SpectrumEngine,
  settings: AnalysisSettings,
): ModelStatistics {
  return modelStatistics(
    matrices.map((m) => ({
      rows: m.rows,
      cols: m.cols,
      singularValues: engine.singularValues(m.data, m.rows, m.cols),
    })),
    settings,
  );
}
