// What the source-line diagnostics, hovers and CodeLenses say, without vscode: the matches of every
// report grouped by Python line, the Problems message of a line, and the hover's Markdown.
import type { LayerReport } from '../engine/report';
import { matchLayers, mergeModels, type LayerDefinition, type PythonModel } from '../layers/sourceMatch';
import { formatInteger, formatNumber, formatPValue } from '../../webview/format';

export interface LineLayer {
  /** The weight file's key (uri string) in the reports map. */
  weightFile: string;
  layer: LayerReport;
  definition: LayerDefinition;
  /** Definitions that matched this layer equally well (1 = unambiguous). */
  candidates: number;
}

/** One Python line that defines analysed layers. */
export interface SourceLine {
  /** The Python file's key, as given to scanPython. */
  file: string;
  line: number;
  startColumn: number;
  endColumn: number;
  layers: LineLayer[];
}

/** The lines of every Python file that define a layer of some report, by file key, in line order. */
export function sourceLines(
  models: ReadonlyMap<string, PythonModel>,
  reports: ReadonlyMap<string, { layers: readonly LayerReport[] }>,
): Map<string, SourceLine[]> {
  const merged = mergeModels([...models.values()]);
  const lines = new Map<string, SourceLine>();
  for (const [weightFile, report] of reports) {
    for (const m of matchLayers(merged, report)) {
      const d = m.definition;
      const key = `${d.file}\n${d.line}`;
      const entry = lines.get(key) ?? {
        file: d.file ?? '',
        line: d.line,
        startColumn: d.startColumn,
        endColumn: d.endColumn,
        layers: [],
      };
      entry.startColumn = Math.min(entry.startColumn, d.startColumn);
      entry.endColumn = Math.max(entry.endColumn, d.endColumn);
      entry.layers.push({ weightFile, layer: m.layer, definition: d, candidates: m.candidates });
      lines.set(key, entry);
    }
  }
  const byFile = new Map<string, SourceLine[]>();
  for (const entry of lines.values()) byFile.set(entry.file, [...(byFile.get(entry.file) ?? []), entry]);
  for (const entries of byFile.values()) entries.sort((a, b) => a.line - b.line);
  return byFile;
}

/** Layers that get a Problems entry: the same rule as on the weight file. */
export function needsAttention(layer: LayerReport): boolean {
  return (
    layer.verdict.label !== 'random' &&
    layer.verdict.label !== 'too small' &&
    layer.verdict.label !== 'failed'
  );
}

export interface LineProblem {
  weightFile: string;
  severity: 'warning' | 'information';
  message: string;
  /** The verdict code of the layer the message leads with. */
  code: string;
}

/**
 * One Problems entry per weight file with layers needing attention on this line:
 * `<layer> [rows×cols]: <verdict> — <reasons>`, the worst layer first, then how many more, and a note
 * when the layer matched several definitions. With several weight files, each message names its file.
 */
export function lineProblems(line: SourceLine, fileName: (weightFile: string) => string): LineProblem[] {
  const files = [...new Set(line.layers.map((l) => l.weightFile))];
  const problems: LineProblem[] = [];
  for (const weightFile of files) {
    const flagged = line.layers
      .filter((l) => l.weightFile === weightFile && needsAttention(l.layer))
      .sort((a, b) => rank(b.layer) - rank(a.layer));
    if (!flagged.length) continue;
    const [first, ...others] = flagged;
    const { layer } = first;
    const reasons = layer.verdict.reasons.length ? ` — ${layer.verdict.reasons.join('; ')}` : '';
    let message = `${layer.name} [${layer.shape.join('×')}]: ${layer.verdict.summary}${reasons}`;
    if (others.length) {
      const shown = others.slice(0, 3).map((o) => `${o.layer.name}: ${o.layer.verdict.summary}`);
      message += ` (and ${others.length} more layer${others.length > 1 ? 's' : ''} defined here: ${shown.join(', ')}${others.length > 3 ? ', …' : ''})`;
    }
    if (first.candidates > 1) {
      message += ` (ambiguous: ${first.candidates} definitions in the workspace match ${layer.name}; shown on each)`;
    }
    if (files.length > 1) message += ` [${fileName(weightFile)}]`;
    const deviating = flagged.some((l) => l.layer.verdict.label === 'deviating');
    problems.push({
      weightFile,
      severity: deviating ? 'warning' : 'information',
      message,
      code: layer.verdict.code,
    });
  }
  return problems;
}

function rank(layer: LayerReport): number {
  return (layer.verdict.label === 'deviating' ? 1e6 : 0) + layer.mp.outliers;
}

/** The statistics a hover shows for one layer, as label/value rows; absent statistics are left out. */
export function layerStatistics(layer: LayerReport): [string, string][] {
  const rows: [string, string][] = [
    ['verdict', layer.verdict.summary],
    ['shape', `${layer.shape.join(' × ')} (${layer.layout}, ${layer.dtype})`],
    [`outliers above TW (${formatNumber(layer.mp.twLevel * 100)} %)`, formatInteger(layer.mp.outliers)],
    ['σ (MP fit)', formatNumber(layer.mp.sigma)],
    ['MP bulk edge ν₊', formatNumber(layer.mp.nuPlus)],
    ['TW threshold', formatNumber(layer.mp.twThreshold)],
    ['spectral norm ‖W‖₂', formatNumber(layer.spectralNorm)],
    ['Frobenius norm ‖W‖_F', formatNumber(layer.frobeniusNorm)],
    ['stable rank', formatNumber(layer.norms.stableRank)],
  ];
  const { mp, spacingRatio, spacing, hill, powerLaw, porterThomas, baseline } = layer;
  if (mp.spikeStrengths.length)
    rows.push([
      'spike strengths θ',
      mp.spikeStrengths
        .slice(0, 5)
        .map((t) => formatNumber(t, 3))
        .join(', '),
    ]);
  if (mp.bulkP !== undefined) rows.push(['KS p, bulk vs MP', formatPValue(mp.bulkP)]);
  if (spacingRatio) {
    rows.push([
      '⟨r̃⟩ (GOE 0.531, Poisson 0.386)',
      `${formatNumber(spacingRatio.mean)} ± ${formatNumber(spacingRatio.standardError, 2)}`,
    ]);
  }
  if (spacing) rows.push(['KS p, spacings vs GOE', formatPValue(spacing.pGoe)]);
  if (hill) rows.push(['Hill α', Number.isFinite(hill.alpha) ? formatNumber(hill.alpha, 3) : hill.verdict]);
  if (powerLaw)
    rows.push([
      'power-law α (λ = ν²)',
      `${formatNumber(powerLaw.alpha, 3)} ± ${formatNumber(powerLaw.alphaSigma, 2)}`,
    ]);
  if (porterThomas)
    rows.push(['Porter–Thomas failures', `${porterThomas.rejected} of ${porterThomas.tested} vectors`]);
  if (baseline) rows.push(['distance to shuffled baseline', formatNumber(baseline.distance, 3)]);
  return rows;
}

const MAX_TABLE_ROWS = 16;

/**
 * The hover of a line: for one layer, a table of its statistics and reasons; for several (a layer
 * built in a loop), one row per layer. Each layer's weight file is named; a command link opens the plots.
 */
export function hoverMarkdown(
  line: SourceLine,
  fileName: (weightFile: string) => string,
  showLink: (weightFile: string, layers: string[]) => string,
): string {
  const parts: string[] = [];
  for (const weightFile of [...new Set(line.layers.map((l) => l.weightFile))]) {
    const layers = line.layers.filter((l) => l.weightFile === weightFile);
    const file = escape(fileName(weightFile));
    if (layers.length === 1) {
      const [{ layer, candidates }] = layers;
      parts.push(`**RMT Lens** · \`${layer.name}\` in ${file}`);
      parts.push(table(['statistic', 'value'], layerStatistics(layer)));
      if (layer.verdict.reasons.length)
        parts.push(layer.verdict.reasons.map((r) => `- ${escape(r)}`).join('\n'));
      if (candidates > 1)
        parts.push(`_This layer matches ${candidates} definitions in the workspace; each shows it._`);
    } else {
      parts.push(`**RMT Lens** · ${layers.length} layers of ${file} are defined here`);
      const rows = layers
        .slice(0, MAX_TABLE_ROWS)
        .map(({ layer }): string[] => [
          `\`${layer.name}\``,
          layer.shape.join('×'),
          layer.verdict.summary,
          formatInteger(layer.mp.outliers),
          formatNumber(layer.spectralNorm),
          layer.spacingRatio ? formatNumber(layer.spacingRatio.mean) : '—',
          layer.hill && Number.isFinite(layer.hill.alpha) ? formatNumber(layer.hill.alpha, 3) : '—',
        ]);
      parts.push(table(['layer', 'shape', 'verdict', 'outliers', '‖W‖₂', '⟨r̃⟩', 'Hill α'], rows));
      if (layers.length > MAX_TABLE_ROWS) parts.push(`…and ${layers.length - MAX_TABLE_ROWS} more.`);
    }
    parts.push(
      `[Show spectrum](${showLink(
        weightFile,
        layers.map((l) => l.layer.name),
      )})`,
    );
  }
  return parts.join('\n\n');
}

function table(header: string[], rows: string[][]): string {
  const cell = (s: string) => escape(s).replace(/\|/g, '\\|');
  return [
    `| ${header.map(cell).join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => (c.startsWith('`') ? c : cell(c))).join(' | ')} |`),
  ].join('\n');
}

/** Markdown-escapes text from reports and file names (layer names can hold `_`, `*`, `[`). */
function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]<>#!]/g, (c) => `\\${c}`);
}
