import * as vscode from 'vscode';
import type { RmtLensApi } from './api';
import { analyzeCommand, analyzeFile } from './commands/analyze';
import { WorkerPool } from './engine/pool';
import type { ExtensionState } from './state';
import { RenderedReports } from './ui/renderedReports';
import { workerCount } from './ui/settings';

export function activate(context: vscode.ExtensionContext): RmtLensApi {
  const state: ExtensionState = {
    context,
    pool: new WorkerPool(vscode.Uri.joinPath(context.extensionUri, 'dist', 'worker.js').fsPath, workerCount()),
    diagnostics: vscode.languages.createDiagnosticCollection('rmt-lens'),
    reports: new Map(),
    rendered: new RenderedReports(),
    readme: vscode.Uri.joinPath(context.extensionUri, 'README.md'),
  };
  context.subscriptions.push(
    state.diagnostics,
    { dispose: () => void state.pool.dispose() },
    vscode.commands.registerCommand('rmtLens.analyze', (uri?: vscode.Uri) => analyzeCommand(state, uri)),
  );
  return {
    analyzeFile: (uri, token) => analyzeFile(state, uri, token),
    webviewRendered: (uri) => state.rendered.wait(uri),
  };
}

export function deactivate(): void {}
