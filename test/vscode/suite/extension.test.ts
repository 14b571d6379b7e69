// The extension-host suite: runs inside a real VS Code (desktop through @vscode/test-electron, or
// code-server's extension host) on the workspace written by test/vscode/workspace.mjs.
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';
import { ourDiagnostics, within } from './helpers';
import type { ModelReport } from '../../../src/engine/report';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
const COMMAND = 'rmtLens.analyze';
// Must match test/vscode/workspace.mjs.
const FILES = {
  model: 'model.safetensors',
  npy: 'spiked.npy',
  cancel: 'cancel.safetensors',
  broken: 'broken.safetensors',
};
const NOISE_LAYER = 'fc1.weight';
const SPIKED_LAYER = 'fc2.weight';

function fileUri(name: string): vscode.Uri {
  const folder = vscode.workspace.workspaceFolders?.[0];
  assert.ok(folder, 'the test workspace is not open');
  return vscode.Uri.joinPath(folder.uri, name);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function layer(report: ModelReport, name: string) {
  const found = report.layers.find((l) => l.name === name || l.tensor === name);
  assert.ok(found, `no layer ${name} in [${report.layers.map((l) => l.name).join(', ')}]`);
  return found;
}

describe('RMT Lens in the extension host', function () {
  this.timeout(90_000);
  let api: RmtLensApi;

  before(async function () {
    const extension = vscode.extensions.getExtension<RmtLensApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    api = await within(extension.activate(), 30_000, 'activate()');
    assert.equal(typeof api?.analyzeFile, 'function', 'activate() must return the RmtLensApi');
    assert.equal(typeof api?.webviewRendered, 'function', 'activate() must return the RmtLensApi');
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
  });

  it('registers "Analyze weights" and puts it in the Explorer, editor and palette menus', async function () {
    const commands = await vscode.commands.getCommands(true);
    assert.ok(commands.includes(COMMAND), `${COMMAND} is not registered`);
    const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
    const contributed = pkg.contributes.commands.find((c: { command: string }) => c.command === COMMAND);
    assert.equal(contributed?.title, 'Analyze weights');
    for (const menu of ['explorer/context', 'editor/title/context', 'editor/context', 'commandPalette']) {
      const entry = (pkg.contributes.menus[menu] ?? []).find(
        (m: { command: string }) => m.command === COMMAND,
      );
      assert.ok(entry, `${COMMAND} missing from the ${menu} menu`);
      if (menu !== 'commandPalette') {
        assert.match(entry.when, /safetensors/, `${menu}: when-clause should match .safetensors`);
        assert.match(entry.when, /npy/, `${menu}: when-clause should match .npy`);
      }
    }
  });

  it('analyses a .safetensors file through the command: report and one diagnostic per spiked layer', async function () {
    const uri = fileUri(FILES.model);
    const report = await within(
      vscode.commands.executeCommand<ModelReport | undefined>(COMMAND, uri),
      60_000,
      `${COMMAND} on ${FILES.model}`,
    );
    assert.ok(report, 'the command resolved without a report');
    assert.equal(report.schemaVersion, 1);
    assert.equal(report.format, 'safetensors');
    assert.deepEqual(report.failed, []);
    assert.equal(report.layers.length, 2, `layers: ${report.layers.map((l) => l.name).join(', ')}`);

    const noise = layer(report, NOISE_LAYER);
    const spiked = layer(report, SPIKED_LAYER);
    assert.deepEqual(noise.shape, [128, 96]);
    assert.deepEqual(spiked.shape, [96, 128]);
    for (const l of report.layers) {
      assert.ok(l.spectralNorm > 0, `${l.name}: spectral norm ${l.spectralNorm}`);
      assert.ok(l.frobeniusNorm >= l.spectralNorm, `${l.name}: ‖W‖_F < ‖W‖₂`);
    }
    assert.equal(spiked.mp.outliers, 3, `${SPIKED_LAYER} has 3 rank-1 spikes far above the MP edge`);
    assert.notEqual(spiked.verdict.label, 'random');
    assert.equal(noise.verdict.label, 'random', `${NOISE_LAYER} is pure noise: ${noise.verdict.summary}`);

    const diagnostics = ourDiagnostics(uri);
    assert.equal(diagnostics.length, 1, diagnostics.map((d) => d.message).join('\n'));
    assert.ok(diagnostics[0].message.startsWith(SPIKED_LAYER), diagnostics[0].message);
    assert.notEqual(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
  });

  it('opens the report panel and the page renders the report (webviewRendered)', async function () {
    const uri = fileUri(FILES.model);
    const rendered = await within(api.webviewRendered(uri), 45_000, 'webviewRendered(model.safetensors)');
    assert.equal(rendered.layers, 2);
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs);
    const tab = tabs.find((t) => t.label === `RMT Lens — ${FILES.model}`);
    assert.ok(tab, `no report tab; tabs: ${tabs.map((t) => t.label).join(', ')}`);
    assert.ok(tab.input instanceof vscode.TabInputWebview, 'the report tab is not a webview');
    assert.match(tab.input.viewType, /rmtLens\.report$/);
  });

  it('analyses a .npy file through the API', async function () {
    const uri = fileUri(FILES.npy);
    const report = await within(api.analyzeFile(uri), 60_000, `analyzeFile(${FILES.npy})`);
    assert.ok(report, 'analyzeFile resolved without a report');
    assert.equal(report.format, 'npy');
    assert.equal(report.layers.length, 1);
    assert.deepEqual(report.layers[0].shape, [96, 64]);
    assert.equal(report.layers[0].mp.outliers, 2, 'spiked.npy has two strong spikes');
    assert.equal(ourDiagnostics(uri).length, 1);
    const rendered = await within(api.webviewRendered(uri), 45_000, `webviewRendered(${FILES.npy})`);
    assert.equal(rendered.layers, 1);
  });

  it('cancelling right after the start resolves undefined and leaves no diagnostics', async function () {
    const uri = fileUri(FILES.cancel);
    const source = new vscode.CancellationTokenSource();
    const pending = api.analyzeFile(uri, source.token);
    source.cancel();
    const result = await within(pending, 30_000, 'a cancelled analyzeFile');
    assert.equal(result, undefined, 'a cancelled analysis must resolve undefined');
    await sleep(1000); // anything still running would write its diagnostics now
    assert.deepEqual(
      ourDiagnostics(uri).map((d) => d.message),
      [],
    );
    source.dispose();
  });

  it('still analyses after a cancellation (the engine is not left broken)', async function () {
    const uri = fileUri(FILES.cancel);
    const report = await within(
      api.analyzeFile(uri),
      60_000,
      `analyzeFile(${FILES.cancel}) after cancelling`,
    );
    assert.ok(report, 'no report after a cancelled run');
    assert.equal(report.layers.length, 8);
  });

  it('reports a malformed file as an error diagnostic without crashing', async function () {
    const uri = fileUri(FILES.broken);
    const result = await within(api.analyzeFile(uri), 30_000, `analyzeFile(${FILES.broken})`);
    assert.equal(result, undefined);
    const diagnostics = ourDiagnostics(uri);
    assert.equal(diagnostics.length, 1);
    assert.equal(diagnostics[0].severity, vscode.DiagnosticSeverity.Error);
    assert.match(diagnostics[0].message, /broken\.safetensors/, 'the error should name the file');
    // The extension is still alive.
    const again = await within(api.analyzeFile(fileUri(FILES.npy)), 60_000, 'analyzeFile after an error');
    assert.ok(again);
  });
});
