import * as vscode from 'vscode';
import * as path from 'node:path';
import { gaussianBaseline } from '../engine/baseline';
import { runComparison } from '../engine/comparison';
import type { BaselineResult, CheckpointComparison } from '../engine/comparisonTypes';
import { CancelledError, errorMessage } from '../engine/errors';
import { ReportPanel } from '../ui/reportPanel';
import { analysisSettings } from '../ui/settings';
import type { ExtensionState } from '../state';
import { analyzeFile, pickWeightFile, wirePanel } from './analyze';

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
  (await reportPanelFor(state, target)).post({ type: 'baseline', baseline });
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
  const panel = await reportPanelFor(state, trained);
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

/**
 * The panel of `uri`. A new one first gets what is known of the file: its report, else the layer
 * table from the header, so that the Layers tab lists the layers (each with its comparison) and the
 * page's Analyze button runs the analysis. Without it the page waits for an analysis nobody started.
 */
async function reportPanelFor(state: ExtensionState, uri: vscode.Uri): Promise<ReportPanel> {
  const fresh = !ReportPanel.has(uri);
  const panel = ReportPanel.show(state.context, uri);
  wirePanel(state, panel, uri);
  if (!fresh) return panel;
  const known = state.reports.get(uri.toString());
  if (known) {
    panel.post({ type: 'done', report: known });
    return panel;
  }
  // A header that cannot be read fails the comparison too, with its own message.
  const answer = await state.pool
    .run({ type: 'plan', file: uri.fsPath, settings: analysisSettings() })
    .catch(() => undefined);
  if (answer?.type === 'plan') {
    const { format, layers, skipped } = answer.plan;
    panel.post({ type: 'plan', file: uri.fsPath, format, layers, skipped: skipped.length });
  }
  return panel;
}
