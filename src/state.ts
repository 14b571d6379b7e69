import * as vscode from 'vscode';
import type { WorkerPool } from './engine/pool';
import type { ModelReport } from './engine/report';
import type { ReportCache } from './engine/reportCache';
import type { RenderedReports } from './ui/renderedReports';

/** What the commands share for the lifetime of the extension. */
export interface ExtensionState {
  context: vscode.ExtensionContext;
  /** Replaced when the `rmtLens.workers` setting changes. */
  pool: WorkerPool;
  diagnostics: vscode.DiagnosticCollection;
  /** The last report of each file, by uri string. */
  reports: Map<string, ModelReport>;
  /** What each report panel says it has rendered. */
  rendered: RenderedReports;
  readme: vscode.Uri;
  /** Finished reports by (path, size, mtime, settings), in the extension's storage. */
  cache: ReportCache;
  /** Fires with the weight file's uri after `reports` gets a new report for it. */
  reportStored: vscode.EventEmitter<vscode.Uri>;
}
