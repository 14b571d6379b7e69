import * as vscode from 'vscode';
import * as os from 'node:os';
import { DEFAULT_SETTINGS, type AnalysisSettings } from '../engine/report';
import {
  DEFAULT_SIGNIFICANCE,
  DEFAULT_VECTORS_TESTED,
  significanceProblem,
  vectorsTestedProblem,
  type VectorsTested,
} from '../rmt/testSettings';

/**
 * The analysis settings from the `rmtLens.*` configuration. A value out of range (typed into
 * settings.json past the Settings UI's check) is replaced by its default, with a warning naming it.
 */
export function analysisSettings(): AnalysisSettings {
  const config = vscode.workspace.getConfiguration('rmtLens');
  return {
    ...DEFAULT_SETTINGS,
    conv: config.get('conv', DEFAULT_SETTINGS.conv),
    twLevel: config.get('twLevel', DEFAULT_SETTINGS.twLevel),
    exactLimit: config.get('exactLimit', DEFAULT_SETTINGS.exactLimit),
    lenient: config.get('pytorch.lenient', DEFAULT_SETTINGS.lenient),
    cpsePower: config.get('cpsePower', DEFAULT_SETTINGS.cpsePower),
    unfolding: config.get('unfolding', DEFAULT_SETTINGS.unfolding),
    randomBaseline: config.get('randomBaseline', DEFAULT_SETTINGS.randomBaseline),
    seed: config.get('seed', DEFAULT_SETTINGS.seed),
    significance: significance(config),
    vectorsTested: vectorsTested(config),
  };
}

function significance(config: vscode.WorkspaceConfiguration): number {
  const value = config.get<unknown>('significance', DEFAULT_SIGNIFICANCE);
  const problem = significanceProblem(value);
  if (!problem) return value as number;
  warn(`rmtLens.significance ${problem}; using ${DEFAULT_SIGNIFICANCE}.`);
  return DEFAULT_SIGNIFICANCE;
}

function vectorsTested(config: vscode.WorkspaceConfiguration): VectorsTested {
  const out = { ...DEFAULT_VECTORS_TESTED };
  for (const key of Object.keys(out) as (keyof VectorsTested)[]) {
    const value = config.get<unknown>(`vectorsTested.${key}`, DEFAULT_VECTORS_TESTED[key]);
    // Checked one field at a time, so one bad value does not reset the others.
    const problem = vectorsTestedProblem({ ...DEFAULT_VECTORS_TESTED, [key]: value });
    if (problem) warn(`rmtLens.vectorsTested.${problem}; using ${DEFAULT_VECTORS_TESTED[key]}.`);
    else out[key] = value as number;
  }
  return out;
}

function warn(message: string): void {
  void vscode.window.showWarningMessage(`RMT Lens: ${message}`);
}

/** Number of analysis workers: the setting, or one per core. */
export function workerCount(): number {
  const configured = vscode.workspace.getConfiguration('rmtLens').get<number>('workers', 0);
  return configured > 0 ? configured : Math.max(1, os.availableParallelism());
}

/** Whether finished reports are reused for unchanged files. */
export function cacheEnabled(): boolean {
  return vscode.workspace.getConfiguration('rmtLens').get<boolean>('cacheReports', true);
}
