// Source-line diagnostics in the extension host: a Python model file and its weights are written into
// the test workspace, the weights analysed through the API, and the Python line that defines the spiked
// layer must get the Problems entry, the hover and the "Show spectrum" CodeLens.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';
import { workspaceUri } from './helpers';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
const DIR = 'source-lines';
const PYTHON = [
  'import torch.nn as nn',
  '',
  '',
  'class Block(nn.Module):',
  '    def __init__(self):',
  '        super().__init__()',
  '        self.fc1 = nn.Linear(128, 64)',
  '        self.noise = nn.Linear(128, 64)',
  '',
].join('\n');
const OTHER_PYTHON =
  'import torch.nn as nn\n\nclass Other(nn.Module):\n    def __init__(self):\n        self.proj = nn.Linear(3, 5)\n';
const SPIKED = 'block.fc1.weight';
const NOISE = 'block.noise.weight';

// --- a tiny deterministic safetensors file: 64×128 Gaussian layers, one with a strong rank-one spike ---

function gaussian(seed: number): () => number {
  let s = seed >>> 0;
  const uniform = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(Math.max(uniform(), 1e-12))) * Math.cos(2 * Math.PI * uniform());
}

/** rows×cols N(0, 1) plus, if asked, θ·u·vᵀ with θ = 5·σ√cols (far above the MP edge σ(√rows + √cols)). */
function matrix(rows: number, cols: number, seed: number, spike: boolean): Float32Array {
  const next = gaussian(seed);
  const m = Float32Array.from({ length: rows * cols }, next);
  if (spike) {
    const unit = (n: number) => {
      const v = Array.from({ length: n }, next);
      const norm = Math.hypot(...v);
      return v.map((x) => x / norm);
    };
    const [u, v] = [unit(rows), unit(cols)];
    const theta = 5 * Math.sqrt(cols);
    for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) m[i * cols + j] += theta * u[i] * v[j];
  }
  return m;
}

function safetensors(tensors: { name: string; shape: number[]; data: Float32Array }[]): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  let offset = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + t.data.byteLength] };
    offset += t.data.byteLength;
  }
  let json = JSON.stringify(header);
  json = json.padEnd(Math.ceil(json.length / 8) * 8, ' ');
  const length = Buffer.alloc(8);
  length.writeBigUInt64LE(BigInt(json.length));
  return Buffer.concat([length, Buffer.from(json), ...tensors.map((t) => Buffer.from(t.data.buffer))]);
}

// --- helpers ---

function sourceDiagnostics(uri: vscode.Uri): vscode.Diagnostic[] {
  return vscode.languages.getDiagnostics(uri).filter((d) => d.source === 'RMT Lens');
}

/** Polls `probe` until it returns something other than undefined or false, or fails with `what`. */
async function eventually<T>(
  probe: () => T | undefined | false | Promise<T | undefined | false>,
  what: string,
  ms = 20_000,
): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function hoverText(uri: vscode.Uri, position: vscode.Position): Promise<string> {
  const hovers = await vscode.commands.executeCommand<vscode.Hover[]>(
    'vscode.executeHoverProvider',
    uri,
    position,
  );
  return hovers
    .flatMap((h) => h.contents)
    .map((c) => (typeof c === 'string' ? c : c.value))
    .filter((text) => text.includes('RMT Lens'))
    .join('\n');
}

async function lenses(uri: vscode.Uri): Promise<vscode.CodeLens[]> {
  await vscode.workspace.openTextDocument(uri); // the command needs the document's model loaded
  const all = await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', uri);
  return all.filter((l) => l.command?.command.startsWith('rmtLens.'));
}

async function setting(kind: string, value: boolean | undefined): Promise<void> {
  await vscode.workspace
    .getConfiguration('rmtLens.diagnostics')
    .update(kind, value, vscode.ConfigurationTarget.Global);
}

const nonEmpty = <T>(items: T[]): T[] | undefined => (items.length ? items : undefined);
const lineOf = (text: string, needle: string) => text.split('\n').findIndex((l) => l.includes(needle));

describe('Source-line diagnostics (Python files defining analysed layers)', function () {
  this.timeout(90_000);
  let api: RmtLensApi;
  const py = () => workspaceUri(DIR, 'model.py');
  const other = () => workspaceUri(DIR, 'other.py');
  const weights = () => workspaceUri(DIR, 'weights.safetensors');

  before(async function () {
    const extension = vscode.extensions.getExtension<RmtLensApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    api = await extension.activate();
    await vscode.workspace.fs.writeFile(py(), Buffer.from(PYTHON));
    await vscode.workspace.fs.writeFile(other(), Buffer.from(OTHER_PYTHON));
    await vscode.workspace.fs.writeFile(
      weights(),
      safetensors([
        { name: SPIKED, shape: [64, 128], data: matrix(64, 128, 21, true) },
        { name: 'block.fc1.bias', shape: [64], data: new Float32Array(64) },
        { name: NOISE, shape: [64, 128], data: matrix(64, 128, 22, false) },
      ]),
    );
  });

  after(async function () {
    for (const kind of ['weightFile', 'sourceLines', 'hover', 'codeLens']) await setting(kind, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceUri(DIR), { recursive: true });
  });

  it('before its weights are analysed, a Python file with layers offers "Analyze weights"', async function () {
    const found = await eventually(async () => nonEmpty(await lenses(py())), 'CodeLens on model.py');
    assert.deepEqual(
      found.map((l) => [l.range.start.line, l.command?.title, l.command?.command]),
      [[lineOf(PYTHON, 'self.fc1'), 'Analyze weights', 'rmtLens.analyze']],
    );
  });

  it('after the analysis, the line defining the spiked layer gets its Problems entry', async function () {
    const report = await api.analyzeFile(weights());
    assert.ok(report, 'no report');
    const spiked = report.layers.find((l) => l.name === SPIKED);
    const noise = report.layers.find((l) => l.name === NOISE);
    assert.ok(spiked && noise, report.layers.map((l) => l.name).join(', '));
    assert.notEqual(spiked.verdict.label, 'random', 'the spiked layer must not look random');
    assert.equal(noise.verdict.label, 'random', `the noise layer: ${noise.verdict.summary}`);

    const [diagnostic, ...rest] = await eventually(
      () => nonEmpty(sourceDiagnostics(py())),
      'diagnostics on model.py',
    );
    assert.equal(rest.length, 0, 'only the non-random layer gets an entry');
    const line = lineOf(PYTHON, 'self.fc1');
    assert.equal(diagnostic.range.start.line, line);
    assert.equal(diagnostic.range.start.character, PYTHON.split('\n')[line].indexOf('self.fc1'));
    assert.ok(
      diagnostic.message.startsWith(`${SPIKED} [64×128]: ${spiked.verdict.summary}`),
      diagnostic.message,
    );
    const expected =
      spiked.verdict.label === 'deviating'
        ? vscode.DiagnosticSeverity.Warning
        : vscode.DiagnosticSeverity.Information;
    assert.equal(diagnostic.severity, expected);
    assert.equal(
      typeof diagnostic.code === 'object' ? diagnostic.code.value : diagnostic.code,
      spiked.verdict.code,
    );
    assert.equal(diagnostic.relatedInformation?.[0]?.location.uri.toString(), weights().toString());
    // The weight file keeps its own entry.
    assert.ok(sourceDiagnostics(weights()).some((d) => d.message.startsWith(SPIKED)));
  });

  it('hovering the line shows the numbers of the layer; other lines show nothing', async function () {
    const line = lineOf(PYTHON, 'self.fc1');
    const text = await eventually(
      async () => (await hoverText(py(), new vscode.Position(line, 12))) || undefined,
      'hover on self.fc1',
    );
    for (const label of [
      'block.fc1.weight',
      'verdict',
      'outliers above TW',
      'σ (MP fit)',
      'TW threshold',
      'spectral norm',
    ]) {
      assert.ok(text.includes(label), `hover lacks "${label}":\n${text}`);
    }
    assert.match(text, /command:rmtLens\.showLayer\?/);
    const noise = await hoverText(py(), new vscode.Position(lineOf(PYTHON, 'self.noise'), 12));
    assert.match(noise, /\| verdict \| random \|/);
    assert.equal(await hoverText(py(), new vscode.Position(0, 3)), '');
  });

  it('"Show spectrum" CodeLenses open the layer in the report panel', async function () {
    const found = await eventually(
      async () => nonEmpty((await lenses(py())).filter((l) => l.command?.command === 'rmtLens.showLayer')),
      'Show spectrum lenses',
    );
    assert.deepEqual(
      found.map((l) => [l.range.start.line, l.command?.title, String(l.command?.arguments?.[1])]),
      [
        [lineOf(PYTHON, 'self.fc1'), 'Show spectrum', SPIKED],
        [lineOf(PYTHON, 'self.noise'), 'Show spectrum', NOISE],
      ],
    );
    // A file whose layers no report has keeps offering the analysis.
    assert.deepEqual(
      (await lenses(other())).map((l) => l.command?.title),
      ['Analyze weights'],
    );
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    const [lens] = found;
    const shown = await vscode.commands.executeCommand<string>(
      lens.command!.command,
      ...(lens.command!.arguments ?? []),
    );
    assert.equal(shown, SPIKED);
    const reportTab = () =>
      vscode.window.tabGroups.all
        .flatMap((g) => g.tabs)
        .some(
          (t) => t.label === 'RMT Lens — weights.safetensors' && t.input instanceof vscode.TabInputWebview,
        );
    await eventually(reportTab, 'the report panel of weights.safetensors');
  });

  it('saving an edited file moves the entry with its line', async function () {
    const document = await vscode.workspace.openTextDocument(py());
    const edit = new vscode.WorkspaceEdit();
    edit.insert(py(), new vscode.Position(0, 0), '# a comment\n# another\n');
    assert.ok(await vscode.workspace.applyEdit(edit));
    assert.ok(await document.save());
    const line = lineOf(PYTHON, 'self.fc1') + 2;
    await eventually(
      () => sourceDiagnostics(py())[0]?.range.start.line === line,
      'the entry on the moved line',
    );
  });

  it('each kind can be turned off in the settings', async function () {
    await setting('sourceLines', false);
    await eventually(() => sourceDiagnostics(py()).length === 0, 'source diagnostics cleared');
    await setting('hover', false);
    assert.equal(await hoverText(py(), new vscode.Position(lineOf(PYTHON, 'self.fc1') + 2, 12)), '');
    await setting('codeLens', false);
    assert.deepEqual(await lenses(py()), []);
    await setting('weightFile', false);
    await eventually(() => sourceDiagnostics(weights()).length === 0, 'weight-file diagnostics cleared');

    for (const kind of ['sourceLines', 'hover', 'codeLens', 'weightFile']) await setting(kind, undefined);
    await eventually(() => sourceDiagnostics(py()).length === 1, 'source diagnostics back');
    await eventually(() => sourceDiagnostics(weights()).length >= 1, 'weight-file diagnostics back');
    assert.ok((await lenses(py())).length >= 2);
  });
});
