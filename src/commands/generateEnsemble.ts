import * as vscode from 'vscode';
import * as path from 'node:path';
import { ENSEMBLE_TYPES, type EnsembleType } from '../rmt/ensembles';
import { writeEnsemble, type EnsembleFileRequest } from '../engine/ensembleFile';
import { errorMessage } from '../engine/errors';
import type { ExtensionState } from '../state';
import { analyzeFile } from './analyze';

const DESCRIPTIONS: Record<EnsembleType, string> = {
  goe: 'Gaussian orthogonal: real symmetric, semicircle on [−2, 2]',
  gue: 'Gaussian unitary: complex Hermitian',
  wishart: 'Wishart/Laguerre: W·Wᵀ/M of a Gaussian N×M matrix',
  ginibre: 'Ginibre: i.i.d. Gaussian N×M, the null model of a weight matrix',
  'heavy-tailed': 'Student-t entries (tail index 1.5)',
  'low-rank': 'Low rank plus noise: Gaussian N×M plus a rank-1 spike of strength 3',
  coe: 'Circular orthogonal (Haar)',
  cue: 'Circular unitary (Haar, via QR with phase fix)',
  cse: 'Circular symplectic (Haar), 2N×2N',
  mme: 'Mixed matrix ensemble: GOE blocks of binomial sizes',
};

/** Ensembles whose matrices are N×M; the others are square. */
const RECTANGULAR = new Set<EnsembleType>(['ginibre', 'heavy-tailed', 'low-rank', 'wishart']);

/**
 * `rmtLens.generateEnsemble`: quick picks for type, N, M, count, seed and format, a save dialog for the
 * destination; writes the file and offers to analyse it. With a request argument, no questions are asked.
 */
export async function generateEnsembleCommand(
  state: ExtensionState,
  request?: EnsembleFileRequest,
): Promise<vscode.Uri | undefined> {
  const chosen = request ?? (await askRequest());
  if (!chosen) return undefined;
  try {
    await vscode.window.withProgress(
      {
        location: vscode.ProgressLocation.Notification,
        title: `RMT Lens: generating ${chosen.type} ensemble`,
      },
      async () => writeEnsemble(chosen),
    );
  } catch (error) {
    void vscode.window.showErrorMessage(`RMT Lens: ${errorMessage(error)}`);
    return undefined;
  }
  const uri = vscode.Uri.file(chosen.out);
  if (!request) {
    const action = await vscode.window.showInformationMessage(
      `RMT Lens: wrote ${path.basename(chosen.out)}`,
      'Analyze weights',
      'Reveal in Explorer',
    );
    if (action === 'Analyze weights') void analyzeFile(state, uri);
    if (action === 'Reveal in Explorer') void vscode.commands.executeCommand('revealInExplorer', uri);
  }
  return uri;
}

async function askRequest(): Promise<EnsembleFileRequest | undefined> {
  const typePick = await vscode.window.showQuickPick(
    ENSEMBLE_TYPES.map((t) => ({ label: t, description: DESCRIPTIONS[t] })),
    { title: 'Random matrix ensemble (1/6): type', placeHolder: 'Which ensemble?' },
  );
  if (!typePick) return undefined;
  const type = typePick.label as EnsembleType;
  const n = await askInteger('Random matrix ensemble (2/6): N (rows)', 256, 2, 8192);
  if (n === undefined) return undefined;
  const m = RECTANGULAR.has(type)
    ? await askInteger('Random matrix ensemble (3/6): M (columns)', n * 2, 1, 16384)
    : n;
  if (m === undefined) return undefined;
  const count = await askInteger('Random matrix ensemble (4/6): how many matrices', 1, 1, 1000);
  if (count === undefined) return undefined;
  const seed = await askInteger('Random matrix ensemble (5/6): seed', 1, 0, Number.MAX_SAFE_INTEGER);
  if (seed === undefined) return undefined;
  const formatPick = await vscode.window.showQuickPick(
    [
      {
        label: 'safetensors',
        description: count > 1 ? `one tensor of shape [${count}, N, M]` : 'one tensor',
      },
      { label: 'npz', description: 'one array per file member' },
      { label: 'npy', description: count > 1 ? `one array of shape [${count}, N, M]` : 'one array' },
    ],
    { title: 'Random matrix ensemble (6/6): file format' },
  );
  if (!formatPick) return undefined;
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
  const name = `${type}-${n}x${m}-x${count}-seed${seed}.${formatPick.label}`;
  const target = await vscode.window.showSaveDialog({
    title: 'Write the ensemble to',
    defaultUri: folder ? vscode.Uri.joinPath(folder, name) : undefined,
    filters: { [formatPick.label]: [formatPick.label] },
  });
  if (!target) return undefined;
  return { type, n, m: RECTANGULAR.has(type) ? m : undefined, count, seed, out: target.fsPath };
}

async function askInteger(
  title: string,
  value: number,
  min: number,
  max: number,
): Promise<number | undefined> {
  const text = await vscode.window.showInputBox({
    title,
    value: String(value),
    validateInput: (input) => {
      const x = Number(input);
      return Number.isInteger(x) && x >= min && x <= max ? undefined : `an integer from ${min} to ${max}`;
    },
  });
  return text === undefined ? undefined : Number(text);
}
