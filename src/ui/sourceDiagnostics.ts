// Inline layer diagnostics on Python sources (DESIGN.md, "What a user does" 3): where a workspace
// file defines an analysed layer (`self.fc1 = nn.Linear(…)`), that line gets the layer's Problems
// entry, a hover with its numbers and a "Show spectrum" CodeLens. The matching is src/layers/sourceMatch.ts;
// the texts are src/ui/sourceLines.ts.
import * as vscode from 'vscode';
import * as path from 'node:path';
import { scanPython, type PythonModel } from '../layers/sourceMatch';
import type { ExtensionState } from '../state';
import { DIAGNOSTIC_SOURCE, layerDiagnostics } from './diagnostics';
import { hoverMarkdown, lineProblems, sourceLines, type SourceLine } from './sourceLines';

export const SOURCE_COLLECTION = 'rmt-lens-source';
export const SHOW_LAYER_COMMAND = 'rmtLens.showLayer';

const PYTHON: vscode.DocumentSelector = [
  { language: 'python', scheme: 'file' },
  { language: 'python', scheme: 'untitled' },
];
const INCLUDE = '**/*.py';
const EXCLUDE =
  '{**/node_modules/**,**/.venv/**,**/venv/**,**/site-packages/**,**/.git/**,**/__pycache__/**}';
const EXCLUDED = /[\\/](node_modules|\.venv|venv|site-packages|\.git|__pycache__)[\\/]/;
/** At most this many Python files are scanned, each up to this size. */
const MAX_FILES = 2000;
const MAX_BYTES = 1 << 20;

export type SourceSetting = 'weightFile' | 'sourceLines' | 'hover' | 'codeLens';

/** `rmtLens.diagnostics.<kind>`: each kind of inline diagnostic can be turned off (all default on). */
export function diagnosticsEnabled(kind: SourceSetting): boolean {
  return vscode.workspace.getConfiguration('rmtLens.diagnostics').get<boolean>(kind, true);
}

/**
 * Registers the source-line diagnostics, hover and CodeLens. They follow `state.reports`: call with the
 * event that fires (with the weight file's uri) whenever a report is stored there.
 */
export function registerSourceDiagnostics(
  state: ExtensionState,
  onDidStoreReport: vscode.Event<vscode.Uri>,
): vscode.Disposable {
  const sources = new SourceLayers(state);
  return vscode.Disposable.from(
    sources,
    onDidStoreReport(() => sources.update()),
    vscode.languages.registerHoverProvider(PYTHON, { provideHover: (doc, pos) => sources.hover(doc, pos) }),
    vscode.languages.registerCodeLensProvider(PYTHON, sources),
    vscode.workspace.onDidSaveTextDocument((doc) => {
      if (doc.languageId === 'python') sources.rescan(doc.uri, doc.getText());
    }),
    // A Python file opened from outside the workspace joins the scanned files.
    vscode.workspace.onDidOpenTextDocument((doc) => {
      if (doc.languageId === 'python' && doc.uri.scheme === 'file' && !sources.knows(doc.uri)) {
        sources.rescan(doc.uri, doc.getText());
      }
    }),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('rmtLens.diagnostics.weightFile')) sources.updateWeightFileDiagnostics();
      if (e.affectsConfiguration('rmtLens.diagnostics')) sources.update();
    }),
  );
}

class SourceLayers implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(SOURCE_COLLECTION);
  private readonly watcher = vscode.workspace.createFileSystemWatcher(INCLUDE, false, true, false);
  private readonly lensesChanged = new vscode.EventEmitter<void>();
  /** Scans of the workspace's Python files, by uri string; undefined until the first report arrives. */
  private models: Map<string, PythonModel> | undefined;
  private lines = new Map<string, SourceLine[]>();
  /** Serialises the asynchronous work (scans, updates) so that results land in order. */
  private queue: Promise<void> = Promise.resolve();

  readonly onDidChangeCodeLenses = this.lensesChanged.event;

  constructor(private readonly state: ExtensionState) {
    this.watcher.onDidCreate((uri) => void this.rescan(uri));
    this.watcher.onDidDelete((uri) => {
      this.models?.delete(uri.toString());
      void this.update();
    });
  }

  dispose(): void {
    this.collection.dispose();
    this.watcher.dispose();
    this.lensesChanged.dispose();
  }

  /** Rematches every report against the Python files (scanning the workspace the first time). */
  update(): Promise<void> {
    return this.enqueue(async () => {
      if (this.state.reports.size && !this.models) this.models = await scanWorkspace();
      this.lines = this.models ? sourceLines(this.models, this.state.reports) : new Map();
      this.publish();
    });
  }

  /** Rescans one Python file (saved, created) and rematches; `text` saves reading it. */
  rescan(uri: vscode.Uri, text?: string): Promise<void> {
    if (EXCLUDED.test(uri.path)) return Promise.resolve();
    return this.enqueue(async () => {
      if (!this.models) return; // scanned with the rest when the first report arrives
      const model = text !== undefined ? scanPython(text, uri.toString()) : await scanFile(uri);
      if (model) this.models.set(uri.toString(), model);
      else this.models.delete(uri.toString());
    }).then(() => this.update());
  }

  /** Whether this Python file has been scanned (or the workspace not yet at all). */
  knows(uri: vscode.Uri): boolean {
    return !this.models || this.models.has(uri.toString());
  }

  /** Sets or clears the Problems entries on the weight files themselves (`rmtLens.diagnostics.weightFile`). */
  updateWeightFileDiagnostics(): void {
    const on = diagnosticsEnabled('weightFile');
    for (const [key, report] of this.state.reports) {
      const uri = vscode.Uri.parse(key);
      if (on) this.state.diagnostics.set(uri, layerDiagnostics(report, this.state.readme));
      else this.state.diagnostics.delete(uri);
    }
  }

  hover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    if (!diagnosticsEnabled('hover')) return undefined;
    const line = this.lines.get(document.uri.toString())?.find((l) => l.line === position.line);
    if (!line) return undefined;
    const markdown = new vscode.MarkdownString(hoverMarkdown(line, fileName, showLink));
    markdown.isTrusted = { enabledCommands: [SHOW_LAYER_COMMAND] };
    return new vscode.Hover(markdown, range(line));
  }

  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    if (!diagnosticsEnabled('codeLens')) return [];
    const lines = this.lines.get(document.uri.toString()) ?? [];
    if (lines.length) return lines.flatMap(showLenses);
    // No analysed layer here: offer the analysis on the first layer the file defines.
    if (document.getText().length > MAX_BYTES) return [];
    const first = scanPython(document.getText()).layers.find((d) => d.path.length || d.name);
    if (!first) return [];
    const where = new vscode.Range(first.line, first.startColumn, first.line, first.endColumn);
    return [new vscode.CodeLens(where, { title: 'Analyze weights', command: 'rmtLens.analyze' })];
  }

  private publish(): void {
    this.collection.clear();
    if (diagnosticsEnabled('sourceLines')) {
      for (const [file, lines] of this.lines) {
        const diagnostics = lines.flatMap((line) =>
          lineProblems(line, fileName).map((p) => this.diagnostic(line, p)),
        );
        if (diagnostics.length) this.collection.set(vscode.Uri.parse(file), diagnostics);
      }
    }
    this.lensesChanged.fire();
  }

  private diagnostic(line: SourceLine, problem: ReturnType<typeof lineProblems>[number]): vscode.Diagnostic {
    const severity =
      problem.severity === 'warning'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
    const diagnostic = new vscode.Diagnostic(range(line), problem.message, severity);
    diagnostic.source = DIAGNOSTIC_SOURCE;
    const anchor = problem.code.replace(/\./g, '-');
    diagnostic.code = { value: problem.code, target: this.state.readme.with({ fragment: anchor }) };
    const weightFile = vscode.Uri.parse(problem.weightFile);
    diagnostic.relatedInformation = [
      new vscode.DiagnosticRelatedInformation(
        new vscode.Location(weightFile, new vscode.Position(0, 0)),
        `analysed in ${fileName(problem.weightFile)}`,
      ),
    ];
    return diagnostic;
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work).catch((error: unknown) => {
      console.error('RMT Lens: source-line diagnostics failed', error);
    });
    return this.queue;
  }
}

function showLenses(line: SourceLine): vscode.CodeLens[] {
  const files = [...new Set(line.layers.map((l) => l.weightFile))];
  return files.map((weightFile) => {
    const names = line.layers.filter((l) => l.weightFile === weightFile).map((l) => l.layer.name);
    const count = names.length > 1 ? ` (${names.length} layers)` : '';
    const from = files.length > 1 ? ` — ${fileName(weightFile)}` : '';
    return new vscode.CodeLens(range(line), {
      title: `Show spectrum${count}${from}`,
      tooltip:
        names.length === 1 ? `RMT Lens: plots of ${names[0]}` : `RMT Lens: plots of ${names.join(', ')}`,
      command: SHOW_LAYER_COMMAND,
      arguments: [vscode.Uri.parse(weightFile), names.length === 1 ? names[0] : names],
    });
  });
}

function range(line: SourceLine): vscode.Range {
  return new vscode.Range(line.line, line.startColumn, line.line, line.endColumn);
}

function fileName(weightFile: string): string {
  return path.posix.basename(vscode.Uri.parse(weightFile).path);
}

function showLink(weightFile: string, layers: string[]): string {
  const args = [weightFile, layers.length === 1 ? layers[0] : layers];
  return `command:${SHOW_LAYER_COMMAND}?${encodeURIComponent(JSON.stringify(args))}`;
}

async function scanWorkspace(): Promise<Map<string, PythonModel>> {
  const models = new Map<string, PythonModel>();
  const found = await vscode.workspace.findFiles(INCLUDE, EXCLUDE, MAX_FILES);
  const open = vscode.workspace.textDocuments
    .filter((d) => d.languageId === 'python' && d.uri.scheme === 'file')
    .map((d) => d.uri);
  const uris = [...new Map([...found, ...open].map((u) => [u.toString(), u])).values()];
  for (let i = 0; i < uris.length; i += 16) {
    const batch = uris.slice(i, i + 16);
    const scanned = await Promise.all(batch.map(scanFile));
    batch.forEach((uri, k) => {
      const model = scanned[k];
      if (model) models.set(uri.toString(), model);
    });
  }
  return models;
}

/** The scan of a Python file: the open editor's text if any, else the file's (if not too large). */
async function scanFile(uri: vscode.Uri): Promise<PythonModel | undefined> {
  const open = vscode.workspace.textDocuments.find((d) => d.uri.toString() === uri.toString());
  if (open) return scanPython(open.getText(), uri.toString());
  try {
    const stat = await vscode.workspace.fs.stat(uri);
    if (stat.size > MAX_BYTES) return undefined;
    const bytes = await vscode.workspace.fs.readFile(uri);
    return scanPython(Buffer.from(bytes).toString('utf8'), uri.toString());
  } catch {
    return undefined;
  }
}
