// Every command with arguments (so no dialog opens), every setting that changes an analysis, and the
// custom editor, in the extension host on the workspace of test/vscode/workspace.mjs.
import * as assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';
import { workspaceUri, ourDiagnostics, within, setSetting } from './helpers';
import type { BaselineResult, CheckpointComparison } from '../../../src/engine/comparisonTypes';
import type { ModelReport } from '../../../src/engine/report';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
// Must match test/vscode/workspace.mjs.
const FILES = {
  model: 'model.safetensors',
  npy: 'spiked.npy',
  w0: 'ckpt-w0.safetensors',
  w: 'ckpt-w.safetensors',
  conv: 'conv.safetensors',
};
const MODEL_LAYERS = ['fc1.weight', 'fc2.weight'];
const CHECKPOINT_CHANGES: [string, number][] = [
  ['layers.0.weight', 0.02],
  ['layers.1.weight', 0.1],
  ['layers.2.weight', 0.5],
  ['layers.3.weight', 1.5],
];
const CHECKPOINT_SHAPE = [80, 120];
const CONV = { name: 'conv.weight', out: 16, in: 8, kh: 3, kw: 3 };
/** Everything this suite writes into the workspace goes here, and is deleted afterwards. */
const DIR = 'commands-test';

async function eventually<T>(probe: () => T | undefined | false, what: string, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > end) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The safetensors header of a file: the JSON after its 8-byte length. */
function safetensorsHeader(file: string): { header: Record<string, unknown>; dataStart: number } {
  const bytes = readFileSync(file);
  const length = Number(bytes.readBigUInt64LE(0));
  return { header: JSON.parse(bytes.subarray(8, 8 + length).toString('utf8')), dataStart: 8 + length };
}

/** Parses one CSV line (quoted fields with "" escapes). */
function csvFields(line: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (quoted && c === '"' && line[i + 1] === '"') {
      field += '"';
      i++;
    } else if (c === '"') {
      quoted = !quoted;
    } else if (c === ',' && !quoted) {
      fields.push(field);
      field = '';
    } else {
      field += c;
    }
  }
  fields.push(field);
  return fields;
}

describe('RMT Lens commands, settings and the custom editor', function () {
  this.timeout(90_000);
  let api: RmtLensApi;
  const analyze = (name: string | vscode.Uri, ms = 60_000): Promise<ModelReport> =>
    within(
      api.analyzeFile(typeof name === 'string' ? workspaceUri(name) : name),
      ms,
      `analyzeFile(${String(name)})`,
    ).then((report) => {
      assert.ok(report, `analyzeFile(${String(name)}) resolved without a report`);
      return report;
    });

  before(async function () {
    const extension = vscode.extensions.getExtension<RmtLensApi>(EXTENSION_ID);
    assert.ok(extension, `extension ${EXTENSION_ID} is not loaded`);
    api = await within(extension.activate(), 30_000, 'activate()');
    await vscode.workspace.fs.createDirectory(workspaceUri(DIR));
  });

  after(async function () {
    for (const key of ['twLevel', 'cacheReports', 'diagnostics.weightFile', 'conv', 'workers'])
      await setSetting(key, undefined);
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceUri(DIR), { recursive: true });
  });

  describe('rmtLens.generateEnsemble', function () {
    it('writes a Ginibre ensemble as safetensors of shape [count, N, M], and its matrices analyse as random', async function () {
      const out = workspaceUri(DIR, 'ginibre.safetensors');
      const written = await within(
        vscode.commands.executeCommand<vscode.Uri | undefined>('rmtLens.generateEnsemble', {
          type: 'ginibre',
          n: 96,
          m: 160,
          count: 3,
          seed: 7,
          out: out.fsPath,
        }),
        30_000,
        'generateEnsemble(ginibre)',
      );
      assert.equal(written?.fsPath, out.fsPath, 'the command resolves with the written file');
      const { header, dataStart } = safetensorsHeader(out.fsPath);
      assert.deepEqual(header.ensemble, {
        dtype: 'F64',
        shape: [3, 96, 160],
        data_offsets: [0, 3 * 96 * 160 * 8],
      });
      assert.equal(statSync(out.fsPath).size, dataStart + 3 * 96 * 160 * 8);
      const metadata = header.__metadata__ as Record<string, string>;
      assert.equal(metadata.type, 'ginibre');
      assert.equal(metadata.seed, '7');

      const report = await analyze(out);
      assert.deepEqual(
        report.layers.map((l) => [l.name, l.shape]),
        [0, 1, 2].map((k) => [`ensemble[${k}]`, [96, 160]]),
      );
      // Each verdict runs several tests at the 5 % level (TW edge, MP fit, GOE spacings, Porter–Thomas),
      // so a pure Gaussian matrix is called non-random now and then (≈ 1 in 6 at 96×160): the seeded
      // file must come out mostly random, never with more than one (marginal) outlier.
      for (const l of report.layers) assert.ok(l.mp.outliers <= 1, `${l.name}: ${l.mp.outliers} outliers`);
      const random = report.layers.filter((l) => l.verdict.label === 'random');
      assert.ok(
        random.length >= 2,
        report.layers.map((l) => `${l.name}: ${l.verdict.reasons.join('; ')}`).join('\n'),
      );
    });

    it('writes a low-rank-plus-noise .npy whose spike is found, and the same request gives the same bytes', async function () {
      const request = { type: 'low-rank', n: 128, m: 192, count: 1, seed: 3 };
      const first = workspaceUri(DIR, 'low-rank.npy');
      const second = workspaceUri(DIR, 'low-rank-again.npy');
      for (const out of [first, second])
        await within(
          vscode.commands.executeCommand('rmtLens.generateEnsemble', { ...request, out: out.fsPath }),
          30_000,
          'generateEnsemble(low-rank)',
        );
      const bytes = readFileSync(first.fsPath);
      assert.equal(bytes.subarray(1, 6).toString('latin1'), 'NUMPY');
      const headerLength = bytes.readUInt16LE(8);
      const header = bytes.subarray(10, 10 + headerLength).toString('latin1');
      assert.match(header, /'descr': '<f8'/);
      assert.match(header, /'shape': \(128, 192\)/);
      assert.equal(bytes.length, 10 + headerLength + 128 * 192 * 8);
      assert.ok(bytes.equals(readFileSync(second.fsPath)), 'a seeded ensemble must be reproducible');

      const report = await analyze(first);
      assert.equal(report.layers.length, 1);
      const [l] = report.layers;
      assert.deepEqual(l.shape, [128, 192]);
      assert.equal(l.mp.outliers, 1, `one rank-1 spike of strength 3: ${l.verdict.summary}`);
      assert.ok(
        Math.abs(l.mp.spikeStrengths[0] - 3) < 0.5,
        `BBP strength ${l.mp.spikeStrengths[0]}, planted 3`,
      );
      assert.ok(
        ['bulk random, spikes', 'deviating'].includes(l.verdict.label),
        `a spiked matrix: ${l.verdict.label}`,
      );
    });

    it('an impossible request shows an error and resolves undefined', async function () {
      const result = await within(
        vscode.commands.executeCommand('rmtLens.generateEnsemble', {
          type: 'goe',
          n: 16,
          count: 1,
          seed: 1,
          out: workspaceUri(DIR, 'goe.txt').fsPath,
        }),
        30_000,
        'generateEnsemble(.txt)',
      );
      assert.equal(result, undefined);
      await assert.rejects(Promise.resolve(vscode.workspace.fs.stat(workspaceUri(DIR, 'goe.txt'))));
    });
  });

  describe('rmtLens.exportReport', function () {
    let report: ModelReport;
    before(async function () {
      report = await analyze(FILES.model);
    });

    it('writes JSON with schemaVersion 1 and the same layers', async function () {
      const to = workspaceUri(DIR, 'report.json');
      const written = await within(
        vscode.commands.executeCommand<vscode.Uri>(
          'rmtLens.exportReport',
          workspaceUri(FILES.model),
          'json',
          to,
        ),
        20_000,
        'exportReport json',
      );
      assert.equal(written?.toString(), to.toString());
      const json = JSON.parse(readFileSync(to.fsPath, 'utf8')) as ModelReport;
      assert.equal(json.schemaVersion, 1);
      assert.equal(json.format, 'safetensors');
      assert.equal(json.file, report.file);
      assert.deepEqual(
        json.layers.map((l) => [l.name, l.shape, l.verdict.label, l.mp.outliers]),
        report.layers.map((l) => [l.name, l.shape, l.verdict.label, l.mp.outliers]),
      );
      assert.deepEqual(
        json.layers.map((l) => l.name),
        MODEL_LAYERS,
      );
      assert.equal(json.layers[1].spectralNorm, report.layers[1].spectralNorm, 'numbers are exact');
    });

    it('writes CSV with a header and one row per layer', async function () {
      const to = workspaceUri(DIR, 'report.csv');
      await within(
        vscode.commands.executeCommand('rmtLens.exportReport', workspaceUri(FILES.model), 'csv', to),
        20_000,
        'exportReport csv',
      );
      const lines = readFileSync(to.fsPath, 'utf8').trimEnd().split('\n');
      assert.equal(lines.length, 1 + report.layers.length, lines.join('\n').slice(0, 500));
      const columns = csvFields(lines[0]);
      const rows = lines.slice(1).map(csvFields);
      for (const row of rows) assert.equal(row.length, columns.length);
      const column = (name: string) => {
        const i = columns.indexOf(name);
        assert.ok(i >= 0, `no column ${name} in ${columns.slice(0, 30).join(',')}`);
        return rows.map((r) => r[i]);
      };
      assert.deepEqual(column('name'), MODEL_LAYERS);
      assert.deepEqual(column('shape'), ['128x96', '96x128']);
      assert.deepEqual(
        column('mp.outliers'),
        report.layers.map((l) => String(l.mp.outliers)),
      );
    });
  });

  describe('rmtLens.compareBaseline and rmtLens.compareCheckpoints', function () {
    it('compareBaseline gives a Gaussian cPSE curve of layers − 2 points', async function () {
      const baseline = await within(
        vscode.commands.executeCommand<BaselineResult>('rmtLens.compareBaseline', workspaceUri(FILES.w)),
        90_000,
        'compareBaseline',
      );
      assert.ok(baseline, 'no baseline');
      assert.equal(baseline.dLayers.length, CHECKPOINT_CHANGES.length - 2);
      assert.ok(
        baseline.dLayers.every((d) => Number.isFinite(d) && d >= 0),
        String(baseline.dLayers),
      );
      assert.ok([2, 4].includes(baseline.cpsePower));
      assert.equal(typeof baseline.seed, 'number');
      const again = await vscode.commands.executeCommand<BaselineResult>(
        'rmtLens.compareBaseline',
        workspaceUri(FILES.w),
      );
      assert.deepEqual(again.dLayers, baseline.dLayers, 'the same model gets the same baseline');
    });

    it('compareCheckpoints finds the planted ‖W−W₀‖_F/‖W₀‖_F of every layer', async function () {
      const comparison = await within(
        vscode.commands.executeCommand<CheckpointComparison>(
          'rmtLens.compareCheckpoints',
          workspaceUri(FILES.w),
          workspaceUri(FILES.w0),
        ),
        90_000,
        'compareCheckpoints',
      );
      assert.ok(comparison, 'no comparison');
      assert.deepEqual(comparison.unmatched, []);
      assert.deepEqual(comparison.failed, []);
      assert.deepEqual(
        comparison.layers.map((l) => [l.name, l.shape]),
        CHECKPOINT_CHANGES.map(([name]) => [name, CHECKPOINT_SHAPE]),
      );
      for (const [i, [name, change]] of CHECKPOINT_CHANGES.entries()) {
        const got = comparison.layers[i].relativeChange;
        assert.ok(
          Math.abs(got - change) < 1e-6 * change,
          `${name}: relative change ${got}, planted ${change}`,
        );
        assert.ok(comparison.layers[i].leftOverlap >= 0 && comparison.layers[i].leftOverlap <= 1 + 1e-9);
      }
      const sorted = CHECKPOINT_CHANGES.map(([, c]) => c).sort((a, b) => a - b);
      const median = (sorted[1] + sorted[2]) / 2;
      assert.ok(
        Math.abs(comparison.summary.medianRelativeChange - median) < 1e-6,
        `${comparison.summary.medianRelativeChange}`,
      );
      // Both directions are available from the Explorer's two-file selection: (uri, [uri, other]).
      const fromSelection = await within(
        vscode.commands.executeCommand<CheckpointComparison>(
          'rmtLens.compareCheckpoints',
          workspaceUri(FILES.w0),
          [workspaceUri(FILES.w0), workspaceUri(FILES.w)],
        ),
        90_000,
        'compareCheckpoints from a selection',
      );
      assert.equal(fromSelection.reference, workspaceUri(FILES.w).fsPath);
      // ‖W₀−W‖/‖W‖ differs from ‖W−W₀‖/‖W₀‖ only by the norm in the denominator.
      assert.ok(fromSelection.layers[3].relativeChange < CHECKPOINT_CHANGES[3][1]);
    });
  });

  describe('settings', function () {
    it('rmtLens.twLevel sets the level of the TW threshold in the report', async function () {
      const at95 = await analyze(FILES.npy);
      assert.equal(at95.layers[0].mp.twLevel, 0.95);
      await setSetting('twLevel', 0.99);
      const at99 = await analyze(FILES.npy);
      assert.equal(at99.layers[0].mp.twLevel, 0.99);
      assert.equal(at99.provenance.settings.twLevel, 0.99);
      assert.ok(
        at99.layers[0].mp.twThreshold > at95.layers[0].mp.twThreshold,
        `threshold at 0.99 (${at99.layers[0].mp.twThreshold}) must exceed the one at 0.95 (${at95.layers[0].mp.twThreshold})`,
      );
      await setSetting('twLevel', undefined);
      assert.equal((await analyze(FILES.npy)).layers[0].mp.twLevel, 0.95);
    });

    it('rmtLens.cacheReports: an unchanged file is served from the cache, and recomputed with it off', async function () {
      const out = workspaceUri(DIR, 'cache.safetensors');
      await vscode.commands.executeCommand('rmtLens.generateEnsemble', {
        type: 'ginibre',
        n: 160,
        m: 200,
        count: 2,
        seed: 11,
        out: out.fsPath,
      });
      let t = Date.now();
      const computed = await analyze(out);
      const computeMs = Date.now() - t;
      t = Date.now();
      const cached = await analyze(out);
      const cachedMs = Date.now() - t;
      assert.deepEqual(cached.provenance, computed.provenance, 'a cached report keeps its provenance');
      assert.deepEqual(
        cached.layers.map((l) => [l.name, l.mp.sigma, l.verdict.summary]),
        computed.layers.map((l) => [l.name, l.mp.sigma, l.verdict.summary]),
      );
      assert.ok(cachedMs < computeMs, `cached ${cachedMs} ms, computed ${computeMs} ms`);

      await setSetting('cacheReports', false);
      const recomputed = await analyze(out);
      assert.notEqual(
        recomputed.provenance.seconds,
        computed.provenance.seconds,
        'with rmtLens.cacheReports off the report must be recomputed',
      );
      assert.equal(recomputed.layers[0].mp.sigma, computed.layers[0].mp.sigma, 'same settings, same numbers');
      await setSetting('cacheReports', undefined);
    });

    it('rmtLens.diagnostics.weightFile=false gives no Problems entries on the weight file', async function () {
      const uri = workspaceUri(FILES.model);
      await setSetting('diagnostics.weightFile', false);
      const report = await analyze(uri);
      assert.ok(
        report.layers.some((l) => l.verdict.label !== 'random'),
        'model.safetensors has a spiked layer',
      );
      assert.deepEqual(
        ourDiagnostics(uri).map((d) => d.message),
        [],
      );
      await setSetting('diagnostics.weightFile', undefined);
      await analyze(uri);
      await eventually(() => ourDiagnostics(uri).length === 1, 'the weight-file entry back');
    });

    it('rmtLens.conv changes how a convolution kernel becomes a matrix', async function () {
      const { name, out, in: inputs, kh, kw } = CONV;
      const shapes = async () =>
        (await analyze(FILES.conv)).layers
          .filter((l) => l.name.startsWith(name))
          .map((l) => [l.name, l.shape] as const);
      assert.deepEqual(await shapes(), [[name, [out, inputs * kh * kw]]], 'im2col is the default');
      await setSetting('conv', 'slices');
      const slices = await shapes();
      assert.equal(slices.length, kh * kw);
      assert.deepEqual(slices[0], [`${name}[0,0]`, [out, inputs]]);
      assert.ok(slices.every(([, shape]) => shape[0] === out && shape[1] === inputs));
      await setSetting('conv', 'kernel');
      assert.deepEqual(await shapes(), [[name, [kh * kw, inputs * out]]]);
      await setSetting('conv', undefined);
      assert.deepEqual(await shapes(), [[name, [out, inputs * kh * kw]]]);
    });

    it('changing rmtLens.workers restarts the pool and the next analysis still works', async function () {
      await setSetting('workers', 1);
      const one = await analyze(FILES.w0, 60_000);
      assert.equal(one.layers.length, 4);
      await setSetting('workers', 2);
      const uri = workspaceUri(FILES.conv);
      await setSetting('cacheReports', false);
      const two = await analyze(uri);
      assert.equal(two.layers.length, 2);
      await setSetting('cacheReports', undefined);
      await setSetting('workers', undefined);
      assert.ok(await analyze(FILES.npy));
    });
  });

  describe('the custom editor rmtLens.weights', function () {
    it('"Open With" opens a custom-editor tab with viewType rmtLens.weights', async function () {
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const uri = workspaceUri(FILES.w0);
      await within(
        Promise.resolve(vscode.commands.executeCommand('vscode.openWith', uri, 'rmtLens.weights')),
        30_000,
        'vscode.openWith',
      );
      const tab = await eventually(
        () =>
          vscode.window.tabGroups.all
            .flatMap((g) => g.tabs)
            .find(
              (t) => t.input instanceof vscode.TabInputCustom && t.input.uri.toString() === uri.toString(),
            ),
        'a custom-editor tab of ckpt-w0.safetensors',
      );
      assert.ok(tab.input instanceof vscode.TabInputCustom);
      assert.equal(tab.input.viewType, 'rmtLens.weights');
      assert.equal(tab.label, FILES.w0);
      assert.ok(tab.isActive, 'the custom editor is the active tab');
    });

    it('a weight file opened normally does not use it (priority "option")', async function () {
      const pkg = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON;
      const editor = pkg.contributes.customEditors.find(
        (e: { viewType: string }) => e.viewType === 'rmtLens.weights',
      );
      assert.equal(editor?.priority, 'option');
      await vscode.commands.executeCommand('workbench.action.closeAllEditors');
      const uri = workspaceUri(FILES.npy);
      await vscode.commands.executeCommand('vscode.open', uri);
      const tab = await eventually(
        () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.label === FILES.npy),
        'a tab of spiked.npy',
      );
      assert.ok(!(tab.input instanceof vscode.TabInputCustom), 'opened in the custom editor by default');
    });
  });
});
