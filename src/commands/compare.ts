import * as vscode from 'vscode';
import * as path from 'node:path';
import { gaussianBaseline } from '../engine/baseline';
import { runComparison } from '../engine/comparison';
import type { BaselineResult, CheckpointComparison } from '../engine/comparisonTypes';
import { CancelledError, errorMessage } from '../engine/errors';
import { ReportPanel } from '../ui/reportPanel';
import { analysisSettings } from '../ui/settings';
import type { ExtensionState } from '../state';
import { analyzeFile, pickWeightFile } from './analyze';

/** Seed of the baseline's Gaussian matrices; the same model always gets the same baseline. */
const BASELINE_SEED = 20240611;

/**
 * `rmtLens.compareBaseline`: the same shapes as the model through a Gaussian ensemble (each layer at
 * its fitted σ); both cPSE curves overlaid in the model view.
 */
export async function compareBaselineCommand(
  state: ExtensionState,
  uri?: vscode.Uri,
): Promise<BaselineResult | undefined> {
  const target = uri ?? (await pickWeightFile('Compare with random baseline'));
  if (!target) return undefined;
  const report = state.reports.get(target.toString()) ?? (await analyzeFile(state, target));
  if (!report) return undefined;
  const baseline = gaussianBaseline(report, analysisSettings(), BASELINE_SEED);
  ReportPanel.show(state.context, target).post({ type: 'baseline', baseline });
  return baseline;
}

/**
 * `rmtLens.compareCheckpoints`: W (the file) against W₀ (picked): per-layer relative change, top-k
 * subspace overlap, both spectra, and a lazy/rich summary.
 */
export async function compareCheckpointsCommand(
  state: ExtensionState,
  uri?: vscode.Uri,
  referenceUri?: vscode.Uri,
): Promise<CheckpointComparison | undefined> {
  const trained = uri ?? (await pickWeightFile('Compare: the trained checkpoint'));
  if (!trained) return undefined;
  const reference =
    referenceUri ?? (await pickWeightFile(`Compare ${path.basename(trained.fsPath)} with which checkpoint?`));
  if (!reference) return undefined;
  const panel = ReportPanel.show(state.context, trained);
  try {
    const comparison = await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `RMT Lens: comparing ${path.basename(trained.fsPath)} with ${path.basename(reference.fsPath)}`,
        cancellable: true,
      },
      (progress, token) => {
        const controller = new AbortController();
        token.onCancellationRequested(() => controller.abort());
        return runComparison(
          state.pool,
          trained.fsPath,
          reference.fsPath,
          analysisSettings(),
          (done, total) => progress.report({ message: `layer ${done}/${total}`, increment: 100 / total }),
          controller.signal,
        );
      },
    );
    panel.post({ type: 'comparison', comparison });
    void vscode.window.showInformationMessage(`RMT Lens: ${comparison.summary.text}`);
    return comparison;
  } catch (error) {
    if (error instanceof CancelledError) return undefined;
    void vscode.window.showErrorMessage(`RMT Lens: ${errorMessage(error)}`);
    return undefined;
  }
}
