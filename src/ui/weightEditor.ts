import * as vscode from 'vscode';
import { errorMessage } from '../engine/errors';
import type { ExtensionState } from '../state';
import { ReportPanel } from './reportPanel';
import { analysisSettings } from './settings';
import { wirePanel } from '../commands/analyze';

export const WEIGHT_EDITOR_VIEW_TYPE = 'rmtLens.weights';

/**
 * The read-only editor for weight files (opened with "Open With…", priority `option`): the layer table
 * from the file header at once, with a button for the analysis, whose results stream into the same page.
 */
export class WeightEditorProvider implements vscode.CustomReadonlyEditorProvider {
  constructor(private readonly state: ExtensionState) {}

  openCustomDocument(uri: vscode.Uri): vscode.CustomDocument {
    return { uri, dispose: () => undefined };
  }

  async resolveCustomEditor(
    document: vscode.CustomDocument,
    webviewPanel: vscode.WebviewPanel,
  ): Promise<void> {
    const uri = document.uri;
    const panel = ReportPanel.attach(this.state.context, webviewPanel, uri);
    wirePanel(this.state, panel, uri);
    const known = this.state.reports.get(uri.toString());
    if (known) {
      panel.post({ type: 'done', report: known });
      return;
    }
    const answer = await this.state.pool
      .run({ type: 'plan', file: uri.fsPath, settings: analysisSettings() })
      .catch((error: unknown) => ({ type: 'error' as const, message: errorMessage(error) }));
    if (answer.type === 'plan') {
      const { format, layers, skipped } = answer.plan;
      panel.post({ type: 'plan', file: uri.fsPath, format, layers, skipped: skipped.length });
    } else {
      panel.post({ type: 'error', message: answer.type === 'error' ? answer.message : 'unexpected answer' });
    }
  }
}
