import * as vscode from 'vscode';
import * as path from 'node:path';
import { reportToCsv } from '../engine/csv';
import { errorMessage } from '../engine/errors';
import { toJson } from '../engine/json';
import type { ModelReport } from '../engine/report';
import type { ExtensionState } from '../state';

/**
 * `rmtLens.exportReport`: writes the report of a file as JSON (every number) or CSV (one row per
 * layer), where the user chooses in a save dialog. Resolves with the written uri.
 */
export async function exportReportCommand(
  state: ExtensionState,
  uri?: vscode.Uri,
  format?: 'json' | 'csv',
  destination?: vscode.Uri,
): Promise<vscode.Uri | undefined> {
  const report = uri ? state.reports.get(uri.toString()) : await pickReport(state);
  if (!report) {
    void vscode.window.showWarningMessage('RMT Lens: analyse a weight file first, then export its report.');
    return undefined;
  }
  const chosen = format ?? (await pickFormat());
  if (!chosen) return undefined;
  const base = path.basename(report.file).replace(/\.[^.]+$/, '');
  const target =
    destination ??
    (await vscode.window.showSaveDialog({
      title: 'Export RMT Lens report',
      defaultUri: vscode.Uri.joinPath(
        vscode.workspace.workspaceFolders?.[0]?.uri ?? vscode.Uri.file(path.dirname(report.file)),
        `${base}.rmt-lens.${chosen}`,
      ),
      filters: chosen === 'json' ? { JSON: ['json'] } : { CSV: ['csv'] },
    }));
  if (!target) return undefined;
  const text = chosen === 'json' ? toJson(report) + '\n' : reportToCsv(report);
  try {
    await vscode.workspace.fs.writeFile(target, Buffer.from(text, 'utf8'));
  } catch (error) {
    void vscode.window.showErrorMessage(`RMT Lens: could not save ${target.fsPath}: ${errorMessage(error)}`);
    return undefined;
  }
  // The same confirmation as a chart export: the save dialog alone leaves the user guessing.
  vscode.window.setStatusBarMessage(`RMT Lens: saved ${path.basename(target.fsPath)}`, 5000);
  return target;
}

async function pickReport(state: ExtensionState): Promise<ModelReport | undefined> {
  const reports = [...state.reports.values()];
  if (reports.length <= 1) return reports[0];
  const picked = await vscode.window.showQuickPick(
    reports.map((r) => ({ label: path.basename(r.file), description: r.file, report: r })),
    { title: 'Export which report?' },
  );
  return picked?.report;
}

async function pickFormat(): Promise<'json' | 'csv' | undefined> {
  const picked = await vscode.window.showQuickPick(
    [
      { label: 'JSON', description: 'every number of the report', format: 'json' as const },
      { label: 'CSV', description: 'one row per layer', format: 'csv' as const },
    ],
    { title: 'Export format' },
  );
  return picked?.format;
}
