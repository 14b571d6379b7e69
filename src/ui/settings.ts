import * as vscode from 'vscode';
import * as os from 'node:os';
import { DEFAULT_SETTINGS, type AnalysisSettings } from '../engine/report';

/** The analysis settings from the `rmtLens.*` configuration. */
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
  };
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
