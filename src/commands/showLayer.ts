import * as vscode from 'vscode';
import * as path from 'node:path';
import type { LayerReport, ModelReport } from '../engine/report';
import type { ExtensionState } from '../state';
import { ReportPanel } from '../ui/reportPanel';
import { analyzeFile } from './analyze';

/**
 * `rmtLens.showLayer`: opens (or reveals) the report panel of a weight file on one layer's plots. Given
 * several layer names (one source line defining many layers), asks which. Without a report of the file,
 * analyses it first. The file may come as a uri string (from a hover's command link). Resolves with the
 * layer shown.
 */
export async function showLayerCommand(
  state: ExtensionState,
  uri?: vscode.Uri | string,
  layer?: string | string[],
): Promise<string | undefined> {
  const target = typeof uri === 'string' ? vscode.Uri.parse(uri) : (uri ?? (await pickReportFile(state)));
  if (!target) return undefined;
  const stored = state.reports.get(target.toString());
  const report = stored ?? (await analyzeFile(state, target));
  if (!report) return undefined;
  const names = layer === undefined ? [] : Array.isArray(layer) ? layer : [layer];
  const name = names.length > 1 ? await pickLayer(report, names) : names[0];
  if (names.length > 1 && !name) return undefined;

  const panel = ReportPanel.show(state.context, target);
  // A panel opened just now has nothing to show: give it the stored report before the selection (an
  // open panel already has it; the page takes the same report again without losing its state).
  if (stored) panel.post({ type: 'done', report });
  if (name) panel.post({ type: 'selectLayer', name });
  return name;
}

async function pickReportFile(state: ExtensionState): Promise<vscode.Uri | undefined> {
  const keys = [...state.reports.keys()];
  if (keys.length <= 1) return keys[0] === undefined ? undefined : vscode.Uri.parse(keys[0]);
  const picked = await vscode.window.showQuickPick(
    keys.map((key) => ({ label: path.basename(vscode.Uri.parse(key).fsPath), description: key, key })),
    { title: 'Show the report of which file?' },
  );
  return picked && vscode.Uri.parse(picked.key);
}

async function pickLayer(report: ModelReport, names: string[]): Promise<string | undefined> {
  const byName = new Map<string, LayerReport>(report.layers.map((l) => [l.name, l]));
  const picked = await vscode.window.showQuickPick(
    names.map((name) => {
      const l = byName.get(name);
      return { label: name, description: l && `${l.shape.join('×')} · ${l.verdict.summary}` };
    }),
    { title: 'This line defines several layers: show which?' },
  );
  return picked?.label;
}
