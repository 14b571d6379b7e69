/** One verdict per layer, with its reasons (RMT.md §8). */
import { DEFAULT_SIGNIFICANCE } from './testSettings';

export type VerdictLabel = 'random' | 'bulk random, spikes' | 'deviating' | 'too small' | 'failed';

export interface VerdictResult {
  label: VerdictLabel;
  summary: string;
  code: string;
  reasons: string[];
}

/** The signals a verdict is made of; absent ones were not computed. */
export interface VerdictSignals {
  singularValues: number;
  outliers: number;
  twLevel: number;
  /** Significance level α of the spacing test (default 0.05; RMT.md §8). */
  significance?: number;
  /** Calibrated p-value of the spacing KS test against the GOE. */
  spacingP?: number;
  /** Fraction of bulk values inside [ν₋, ν₊] widened by the TW margin, or a KS misfit flag. */
  bulkMisfit?: { failed: boolean; detail: string };
  /**
   * Porter–Thomas after BH: top = top indices (max(outliers, 10)) with a failing left or right vector;
   * bulk = failing vectors below them; tested = vectors tested.
   */
  ptFailures?: { top: number; bulk: number; tested: number };
  /** Hill plateau found, with its α. */
  hillTail?: { plateau: boolean; alpha: number };
}

export const TOO_SMALL = 50;

export function layerVerdict(s: VerdictSignals): VerdictResult {
  if (s.singularValues < TOO_SMALL) {
    return {
      label: 'too small',
      summary: 'too small',
      code: 'rmt.tooSmall',
      reasons: [`${s.singularValues} singular values (< ${TOO_SMALL}): only norms are shown`],
    };
  }
  const deviations: string[] = [];
  const randomSigns: string[] = [];
  const alpha = s.significance ?? DEFAULT_SIGNIFICANCE;
  if (s.spacingP !== undefined) {
    if (s.spacingP < alpha)
      deviations.push(`level spacings differ from the GOE (calibrated p = ${fmt(s.spacingP)} < ${alpha})`);
    else randomSigns.push(`level spacings consistent with the GOE (p = ${fmt(s.spacingP)})`);
  }
  if (s.bulkMisfit) {
    if (s.bulkMisfit.failed) deviations.push(`bulk does not fit Marchenko–Pastur: ${s.bulkMisfit.detail}`);
    else randomSigns.push(`bulk fits Marchenko–Pastur (${s.bulkMisfit.detail})`);
  }
  if (s.hillTail?.plateau)
    deviations.push(`heavy tail: Hill plot has a plateau at α = ${fmt(s.hillTail.alpha)}`);
  if (s.ptFailures && s.ptFailures.bulk > 0)
    deviations.push(
      `${s.ptFailures.bulk} singular vector${s.ptFailures.bulk === 1 ? '' : 's'} below the top fail Porter–Thomas after BH (localised or structured)`,
    );

  const spikeReasons: string[] = [];
  if (s.outliers > 0)
    spikeReasons.push(
      `${s.outliers} singular value${s.outliers === 1 ? '' : 's'} above the TW₁ ${s.twLevel} threshold`,
    );
  if (s.ptFailures && s.ptFailures.top > 0)
    spikeReasons.push(
      `${s.ptFailures.top} top singular direction${s.ptFailures.top === 1 ? '' : 's'} fail Porter–Thomas after BH`,
    );

  if (deviations.length > 0) {
    return {
      label: 'deviating',
      summary: 'deviating',
      code: 'rmt.deviating',
      reasons: [...deviations, ...spikeReasons],
    };
  }
  if (spikeReasons.length > 0) {
    const spikes = Math.max(s.outliers, s.ptFailures?.top ?? 0);
    return {
      label: 'bulk random, spikes',
      summary: `bulk random, ${spikes} spike${spikes === 1 ? '' : 's'}`,
      code: 'rmt.spikes',
      reasons: [...randomSigns, ...spikeReasons],
    };
  }
  return {
    label: 'random',
    summary: 'random',
    code: 'rmt.random',
    reasons: [
      ...randomSigns,
      `no singular value above the TW₁ ${s.twLevel} threshold`,
      ...(s.ptFailures && s.ptFailures.tested > 0
        ? [`all ${s.ptFailures.tested} tested singular vectors pass Porter–Thomas after BH`]
        : []),
    ],
  };
}

function fmt(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return Math.abs(x) >= 0.01 || x === 0 ? x.toFixed(3) : x.toExponential(1);
}
