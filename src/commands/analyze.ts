import * as vscode from 'vscode';
import * as path from 'node:path';
import { runAnalysis } from '../engine/analysis';
import { CancelledError, errorMessage } from '../engine/errors';
import type { ModelReport } from '../engine/report';
import { fileDiagnostic, layerDiagnostics } from '../ui/diagnostics';
import { ReportPanel } from '../ui/reportPanel';
import { analysisSettings, cacheEnabled } from '../ui/settings';
import { diagnosticsEnabled } from '../ui/sourceDiagnostics';
import type { ExtensionState } from '../state';

/** File-picker filters for the command palette, from the readers' patterns. */
const PICKER_FILTERS = { 'Weight files': ['safetensors', 'npy'] };

/** `rmtLens.analyze`: from the Explorer / editor context menus (with a uri) or the palette (file picker). */
export async function analyzeCommand(
  state: ExtensionState,
  uri?: vscode.Uri,
): Promise<ModelReport | undefined> {
  const target = uri ?? (await pickWeightFile('Analyze weights'));
  if (!target) return undefined;
  return analyzeFile(state, target);
}

const wiredPanels = new WeakSet<ReportPanel>();

/**
 * Answers what the page of a panel asks, once per panel: 'rendered' (for `RmtLensApi.webviewRendered`),
 * 'analyze' (the button of the custom editor, or after an error) and 'export' (JSON/CSV).
 */
export function wirePanel(state: ExtensionState, panel: ReportPanel, uri: vscode.Uri): void {
  if (wiredPanels.has(panel)) return;
  wiredPanels.add(panel);
  const subscription = panel.onDidReceiveMessage((m) => {
    if (m.type === 'rendered') state.rendered.record(uri, { layers: m.layers, selected: m.selected });
    else if (m.type === 'analyze') void analyzeFile(state, uri);
    else if (m.type === 'export') void vscode.commands.executeCommand('rmtLens.exportReport', uri, m.format);
  });
  panel.onDidDispose(() => subscription.dispose());
}

/** Stores the report and shows it: the panel, the Problems entries. */
function showReport(state: ExtensionState, panel: ReportPanel, uri: vscode.Uri, report: ModelReport): void {
  if (diagnosticsEnabled('weightFile')) state.diagnostics.set(uri, layerDiagnostics(report, state.readme));
  state.reports.set(uri.toString(), report);
  state.reportStored.fire(uri);
  panel.post({ type: 'done', report });
}

export async function pickWeightFile(title: string): Promise<vscode.Uri | undefined> {
  const picked = await vscode.window.showOpenDialog({
    canSelectMany: false,
    title,
    openLabel: 'Select',
    filters: PICKER_FILTERS,
    defaultUri: vscode.workspace.workspaceFolders?.[0]?.uri,
  });
  return picked?.[0];
}

/**
 * Analyses one file: progress notification (cancellable), status bar, results streamed into the
 * report panel, one diagnostic per layer that needs attention. Resolves undefined when cancelled.
 */
export async function analyzeFile(
  state: ExtensionState,
  uri: vscode.Uri,
  token?: vscode.CancellationToken,
): Promise<ModelReport | undefined> {
  const name = path.basename(uri.fsPath);
  const panel = ReportPanel.show(state.context, uri);
  wirePanel(state, panel, uri);
  state.rendered.forget(uri);
  state.diagnostics.delete(uri);

  const settings = analysisSettings();
  const cacheKey = cacheEnabled()
    ? await state.cache.key(uri.fsPath, settings).catch(() => undefined)
    : undefined;
  const cached = cacheKey ? await state.cache.get(cacheKey) : undefined;
  if (cached) {
    showReport(state, panel, uri, cached);
    return cached;
  }

  const controller = new AbortController();
  const cancelFromPanel = panel.onDidReceiveMessage((m) => m.type === 'cancel' && controller.abort());
  const cancelFromCaller = token?.onCancellationRequested(() => controller.abort());
  const status = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left);
  status.text = `$(sync~spin) RMT Lens: ${name}`;
  status.show();
  try {
    return await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `RMT Lens: analysing ${name}`,
        cancellable: true,
      },
      async (progress, progressToken) => {
        progressToken.onCancellationRequested(() => controller.abort());
        const step = (done: number, total: number) => {
          progress.report({ message: `layer ${done}/${total}`, increment: 100 / Math.max(total, 1) });
          status.text = `$(sync~spin) RMT Lens: ${name} ${done}/${total}`;
          panel.post({ type: 'progress', done, total });
        };
        const report = await runAnalysis(
          state.pool,
          uri.fsPath,
          settings,
          {
            begin: (plan) => {
              panel.post({
                type: 'begin',
                file: uri.fsPath,
                format: plan.format,
                layers: plan.layers,
                skipped: plan.skipped.length,
              });
              progress.report({ message: `layer 0/${plan.layers.length}` });
            },
            layer: (layer, done, total) => {
              panel.post({ type: 'layer', report: layer });
              step(done, total);
            },
            layerFailed: (layerName, error, done, total) => {
              panel.post({ type: 'layerFailed', name: layerName, error });
              step(done, total);
            },
          },
          controller.signal,
        );
        if (cacheKey) await state.cache.set(cacheKey, report).catch(() => undefined);
        showReport(state, panel, uri, report);
        return report;
      },
    );
  } catch (error) {
    if (error instanceof CancelledError) {
      panel.post({ type: 'cancelled' });
      return undefined;
    }
    const message = errorMessage(error);
    panel.post({ type: 'error', message });
    state.diagnostics.set(uri, [fileDiagnostic(message, vscode.DiagnosticSeverity.Error)]);
    void vscode.window.showErrorMessage(`RMT Lens: ${message}`);
    return undefined;
  } finally {
    status.dispose();
    cancelFromPanel.dispose();
    cancelFromCaller?.dispose();
  }
}
