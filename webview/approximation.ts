// Layers above the exact limit (RMT.md §10) carry `report.approximate`: which report fields are exact,
// which are estimates from the density, and which were not computed (with the reason). The page reads
// it here, defensively like every report field, and marks the numbers it shows accordingly.
import type { ApproximationReport } from '../src/engine/report';
import { formatInteger, formatNumber } from './format';
import { numberAt, numbersAt } from './reportAccess';

/** The prefix of an estimated number. */
export const ESTIMATE_MARK = '≈';

/** How one report field stands in an approximated layer. */
export type FieldStatus =
  { kind: 'exact' } | { kind: 'estimated'; note?: string } | { kind: 'unavailable'; reason: string };

export interface Approximation {
  /** min(N, M) and the limit it exceeds. */
  count?: number;
  exactLimit?: number;
  /** The engine's reason (min(N, M) above the limit, or too large in float64); older reports lack it. */
  reason?: string;
  /** Resolved top singular values and the largest residual bound among them. */
  k?: number;
  maxTopError?: number;
  probes?: number;
  probeSteps?: number;
  outliersLowerBound: boolean;
  densityKs?: number;
  densityKsLevel?: number;
  estimated: { field: string; note?: string }[];
  unavailable: { statistic: string; reason: string }[];
}

/** The layer's approximation, or undefined for an exact layer. */
export function approximationOf(report: unknown): Approximation | undefined {
  const raw = (report as { approximate?: Partial<ApproximationReport> } | undefined)?.approximate;
  if (!raw || typeof raw !== 'object') return undefined;
  const errors = numbersAt(raw, 'topErrors');
  return {
    count: numberAt(raw, 'count'),
    exactLimit: numberAt(raw, 'exactLimit'),
    reason: typeof raw.reason === 'string' ? raw.reason : undefined,
    k: numberAt(raw, 'k'),
    maxTopError: errors ? Math.max(...errors) : undefined,
    probes: numberAt(raw, 'probes'),
    probeSteps: numberAt(raw, 'probeSteps'),
    outliersLowerBound: raw.outliersLowerBound === true,
    densityKs: numberAt(raw, 'densityKs'),
    densityKsLevel: numberAt(raw, 'densityKsLevel'),
    estimated: (Array.isArray(raw.estimated) ? raw.estimated : [])
      .filter((e): e is string => typeof e === 'string')
      .map(parseEstimated),
    unavailable: (Array.isArray(raw.unavailable) ? raw.unavailable : []).filter(
      (u): u is { statistic: string; reason: string } =>
        typeof u?.statistic === 'string' && typeof u?.reason === 'string',
    ),
  };
}

/** `spectralNorm (top Ritz value, a lower bound)` → the field and its note. */
function parseEstimated(entry: string): { field: string; note?: string } {
  const match = /^(\S+)\s*(?:\((.*)\))?\s*$/.exec(entry);
  return match ? { field: match[1], note: match[2] } : { field: entry };
}

/** `spacing` covers `spacing.pGoe`; `mp.bulkP` covers only itself. */
const covers = (listed: string, field: string) => field === listed || field.startsWith(`${listed}.`);

/** The status of a number shown from any of `fields` (aliases of one value, e.g. two paths of ‖W‖₂). */
export function fieldStatus(
  approximation: Approximation | undefined,
  fields: readonly string[],
): FieldStatus {
  if (!approximation) return { kind: 'exact' };
  for (const field of fields) {
    const missing = approximation.unavailable.find((u) => covers(u.statistic, field));
    if (missing) return { kind: 'unavailable', reason: missing.reason };
  }
  for (const field of fields) {
    const estimate = approximation.estimated.find((e) => covers(e.field, field));
    if (estimate) return { kind: 'estimated', note: estimate.note };
  }
  return { kind: 'exact' };
}

/** The outlier count as shown: `≥ 100` when every resolved top value is an outlier. */
export function outliersText(report: unknown): string {
  const outliers = numberAt(report, 'mp.outliers');
  return approximationOf(report)?.outliersLowerBound && outliers !== undefined
    ? `≥${formatInteger(outliers)}`
    : formatInteger(outliers);
}

/** Why the outlier count is a lower bound, for tooltips. */
export function outliersLowerBoundNote(approximation: Approximation): string {
  return `at least this many: every one of the ${formatInteger(approximation.k)} resolved top singular values is above the TW threshold, and the values below them were not resolved`;
}

/** The verdict summary without the engine's "(approximate)" suffix (the page marks it itself). */
export function plainSummary(summary: string): string {
  return summary.replace(/\s*\(approximate\)\s*$/, '');
}

/** One sentence on how the layer was computed, for the banner and the table's tooltip. */
export function methodSentence(approximation: Approximation): string {
  const { count, exactLimit, reason, k, maxTopError, probes, probeSteps } = approximation;
  const size = reason
    ? `Approximated: ${reason}, so the full spectrum was not computed. `
    : count !== undefined && exactLimit !== undefined
      ? `min(N, M) = ${formatInteger(count)} is above the exact limit of ${formatInteger(exactLimit)}, so the full spectrum was not computed. `
      : 'The full spectrum was not computed. ';
  const top = `The top ${k !== undefined ? `${formatInteger(k)} ` : ''}singular values are exact Lanczos values${
    maxTopError !== undefined ? ` (residual bounds ≤ ${formatNumber(maxTopError, 2)})` : ''
  }`;
  const slq =
    probes !== undefined && probeSteps !== undefined
      ? `stochastic Lanczos quadrature (SLQ, ${probes} probes × ${probeSteps} steps)`
      : 'stochastic Lanczos quadrature (SLQ)';
  return `${size}${top}; the density of the rest is an estimate by ${slq}.`;
}

/** The engine's own sentences about the approximation, which the page shows in its own words. */
export function isApproximationReason(reason: string): boolean {
  return reason.startsWith('approximated:') || reason.startsWith('not computed on the approximation');
}
