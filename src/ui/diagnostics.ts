import * as vscode from 'vscode';
import type { LayerReport, ModelReport } from '../engine/report';

export const DIAGNOSTIC_SOURCE = 'RMT Lens';

/**
 * One Problems entry per layer whose verdict is not `random`, on the weight file; its code links to the
 * README section (in the installed extension) that explains the verdict.
 */
export function layerDiagnostics(report: ModelReport, readme: vscode.Uri): vscode.Diagnostic[] {
  const diagnostics = report.layers.filter(needsAttention).map((layer) => layerDiagnostic(layer, readme));
  for (const failed of report.failed) {
    diagnostics.push(fileDiagnostic(`${failed.name}: ${failed.error}`, vscode.DiagnosticSeverity.Error));
  }
  return diagnostics;
}

function needsAttention(layer: LayerReport): boolean {
  return layer.verdict.label !== 'random' && layer.verdict.label !== 'too small';
}

function layerDiagnostic(layer: LayerReport, readme: vscode.Uri): vscode.Diagnostic {
  const severity =
    layer.verdict.label === 'deviating'
      ? vscode.DiagnosticSeverity.Warning
      : vscode.DiagnosticSeverity.Information;
  const reasons = layer.verdict.reasons.length ? ` — ${layer.verdict.reasons.join('; ')}` : '';
  const diagnostic = fileDiagnostic(
    `${layer.name} [${layer.shape.join('×')}]: ${layer.verdict.summary}${reasons}`,
    severity,
  );
  const anchor = layer.verdict.code.replace(/\./g, '-');
  diagnostic.code = { value: layer.verdict.code, target: readme.with({ fragment: anchor }) };
  return diagnostic;
}

/** A Problems entry for the file as a whole (it has no lines to point at). */
export function fileDiagnostic(message: string, severity: vscode.DiagnosticSeverity): vscode.Diagnostic {
  const diagnostic = new vscode.Diagnostic(new vscode.Range(0, 0, 0, 0), message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  return diagnostic;
}
