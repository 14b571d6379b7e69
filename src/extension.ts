import * as vscode from 'vscode';
import { mkdirSync } from 'node:fs';
import type { WorkerOptions } from './engine/worker';
import type { RmtLensApi } from './api';
import { analyzeCommand, analyzeFile } from './commands/analyze';
import { WorkerPool } from './engine/pool';
import { ReportCache } from './engine/reportCache';
import { exportReportCommand } from './commands/exportReport';
import { compareBaselineCommand, compareCheckpointsCommand } from './commands/compare';
import { generateEnsembleCommand } from './commands/generateEnsemble';
import type { EnsembleFileRequest } from './engine/ensembleFile';
import type { ExtensionState } from './state';
import { RenderedReports } from './ui/renderedReports';
import { workerCount } from './ui/settings';
import { registerSourceDiagnostics } from './ui/sourceDiagnostics';
import { showLayerCommand } from './commands/showLayer';
import { WEIGHT_EDITOR_VIEW_TYPE, WeightEditorProvider } from './ui/weightEditor';

export function activate(context: vscode.ExtensionContext): RmtLensApi {
  const state: ExtensionState = {
    context,
    pool: createPool(context),
    diagnostics: vscode.languages.createDiagnosticCollection('rmt-lens'),
    reports: new Map(),
    rendered: new RenderedReports(),
    readme: vscode.Uri.joinPath(context.extensionUri, 'README.md'),
    cache: new ReportCache(vscode.Uri.joinPath(context.globalStorageUri, 'reports').fsPath),
    reportStored: new vscode.EventEmitter<vscode.Uri>(),
  };
  context.subscriptions.push(
    state.diagnostics,
    state.reportStored,
    registerSourceDiagnostics(state, state.reportStored.event),
    vscode.commands.registerCommand(
      'rmtLens.showLayer',
      (uri?: vscode.Uri | string, layer?: string | string[]) => showLayerCommand(state, uri, layer),
    ),
    { dispose: () => void state.pool.dispose() },
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (!e.affectsConfiguration('rmtLens.workers')) return;
      void state.pool.dispose();
      state.pool = createPool(context);
    }),
    vscode.commands.registerCommand('rmtLens.analyze', (uri?: vscode.Uri) => analyzeCommand(state, uri)),
    vscode.window.registerCustomEditorProvider(WEIGHT_EDITOR_VIEW_TYPE, new WeightEditorProvider(state), {
      supportsMultipleEditorsPerDocument: false,
    }),
    vscode.commands.registerCommand(
      'rmtLens.exportReport',
      (uri?: vscode.Uri, format?: unknown, to?: vscode.Uri) =>
        exportReportCommand(state, uri, format === 'json' || format === 'csv' ? format : undefined, to),
    ),
    vscode.commands.registerCommand('rmtLens.generateEnsemble', (request?: EnsembleFileRequest) =>
      generateEnsembleCommand(state, request),
    ),
    vscode.commands.registerCommand('rmtLens.compareBaseline', (uri?: vscode.Uri) =>
      compareBaselineCommand(state, uri),
    ),
    vscode.commands.registerCommand(
      'rmtLens.compareCheckpoints',
      (uri?: vscode.Uri, other?: vscode.Uri | vscode.Uri[]) =>
        compareCheckpointsCommand(state, uri, otherSelected(uri, other)),
    ),
  );
  return {
    analyzeFile: (uri, token) => analyzeFile(state, uri, token),
    webviewRendered: (uri) => state.rendered.wait(uri),
  };
}

/** The analysis workers; the null distributions they calibrate persist in the extension's storage. */
function createPool(context: vscode.ExtensionContext): WorkerPool {
  mkdirSync(context.globalStorageUri.fsPath, { recursive: true });
  const options: WorkerOptions = {
    nullCacheFile: vscode.Uri.joinPath(context.globalStorageUri, 'nulls.json').fsPath,
  };
  return new WorkerPool(
    vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath,
    workerCount(),
    {
      workerData: options,
    },
  );
}

/** From the Explorer, the second argument is every selected file: with two selected, compare them. */
function otherSelected(uri?: vscode.Uri, other?: vscode.Uri | vscode.Uri[]): vscode.Uri | undefined {
  if (!Array.isArray(other)) return other;
  return other.find((u) => u.toString() !== uri?.toString());
}

export function deactivate(): void {}
