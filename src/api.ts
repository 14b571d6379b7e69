import type * as vscode from 'vscode';
import type { ModelReport } from './engine/report';

/**
 * What `activate()` returns. Used by the extension-host tests and by other extensions;
 * every method goes through the same code as the user-facing commands.
 */
export interface RmtLensApi {
  /** Runs "Analyze weights" on a file, as the command does, and resolves with the report (undefined if cancelled). */
  analyzeFile(uri: vscode.Uri, token?: vscode.CancellationToken): Promise<ModelReport | undefined>;
  /** Resolves when the panel of `uri` has rendered the report; gives what the page says it shows. */
  webviewRendered(uri: vscode.Uri): Promise<{ layers: number; selected: string | undefined }>;
}
