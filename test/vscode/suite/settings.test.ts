// Every setting of package.json's contributes.configuration has an extension-host test that changes it
// and sees its effect through the API (the same code as the commands). Settings tested by another
// suite are listed with that suite; the last test fails when a contributed setting has no test.
import * as assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';
import { workspaceUri, within, setSetting } from './helpers';
import type { LayerReport, ModelReport } from '../../../src/engine/report';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
// Files of test/vscode/workspace.mjs: model.safetensors holds fc1.weight 128×96 (noise) and
// fc2.weight 96×128 (noise + 3 spikes); ckpt-w0.safetensors 4 noise layers of 80×120.
const MODEL = 'model.safetensors';
const SPIKED = 'fc2.weight';
const FOUR_LAYERS = 'ckpt-w0.safetensors';
/** Everything this suite writes into the workspace goes here, and is deleted afterwards. */
const DIR = 'settings-test';

/** Settings whose extension-host test lives in another suite (compiled beside this one). */
const TESTED_ELSEWHERE: Record<string, string> = {
  'rmtLens.conv': 'commands.test.js',
  'rmtLens.twLevel': 'commands.test.js',
  'rmtLens.workers': 'commands.test.js',
  'rmtLens.cacheReports': 'commands.test.js',
  'rmtLens.diagnostics.weightFile': 'commands.test.js',
  'rmtLens.pytorch.lenient': 'formats.test.js',
  'rmtLens.diagnostics.sourceLines': 'sourceDiagnostics.test.js',
  'rmtLens.diagnostics.hover': 'sourceDiagnostics.test.js',
  'rmtLens.diagnostics.codeLens': 'sourceDiagnostics.test.js',
};
/** Settings tested here: each must be named in the title of one of this suite's tests. */
const TESTED_HERE = [
  'rmtLens.exactLimit',
  'rmtLens.cpsePower',
  'rmtLens.unfolding',
  'rmtLens.randomBaseline',
  'rmtLens.seed',
  'rmtLens.significance',
  'rmtLens.vectorsTested.allUpTo',
  'rmtLens.vectorsTested.top',
  'rmtLens.vectorsTested.bottom',
  'rmtLens.vectorsTested.bulk',
];

const layerNamed = (report: ModelReport, name: string): LayerReport => {
  const layer = report.layers.find((l) => l.name === name);
  assert.ok(layer, `no layer ${name} in ${report.layers.map((l) => l.name).join(', ')}`);
  return layer;
};

const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);

describe('every setting changes the analysis', function () {
  this.timeout(120_000);
  let api: RmtLensApi;
  const analyze = (name: string | vscode.Uri): Promise<ModelReport> =>
    within(
      api.analyzeFile(typeof name === 'string' ? workspaceUri(name) : name),
      90_000,
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

  afterEach(async function () {
    for (const key of TESTED_HERE) await setSetting(key.slice('rmtLens.'.length), undefined);
  });

  after(async function () {
    await vscode.commands.executeCommand('workbench.action.closeAllEditors');
    await vscode.workspace.fs.delete(workspaceUri(DIR), { recursive: true });
  });

  it('rmtLens.exactLimit: a layer above it is approximated (Lanczos + SLQ), at or below it exact', async function () {
    const exact = await analyze(MODEL);
    assert.ok(exact.layers.every((l) => l.approximate === undefined));
    await setSetting('exactLimit', 64);
    const approximated = await analyze(MODEL);
    assert.equal(approximated.provenance.settings.exactLimit, 64);
    for (const layer of approximated.layers) {
      assert.equal(layer.approximate?.exactLimit, 64, layer.name);
      assert.equal(layer.spacing, undefined, `${layer.name}: no spacings on an approximation`);
      assert.match(layer.verdict.summary, /\(approximate\)$/);
    }
  });

  it('rmtLens.cpsePower: cPSE on ν⁴ instead of ν² gives other D_l', async function () {
    const squared = await analyze(FOUR_LAYERS);
    assert.equal(squared.model?.cpsePower, 2);
    assert.equal(squared.model?.dLayers.length, 2, 'L − 2 values for 4 layers');
    await setSetting('cpsePower', 4);
    const fourth = await analyze(FOUR_LAYERS);
    assert.equal(fourth.model?.cpsePower, 4);
    assert.equal(fourth.model?.dLayers.length, 2);
    assert.notDeepEqual(fourth.model?.dLayers, squared.model?.dLayers);
  });

  it('rmtLens.unfolding: the spacings are unfolded by the chosen method', async function () {
    const gaussian = layerNamed(await analyze(MODEL), SPIKED);
    assert.equal(gaussian.spacing?.unfolding, 'gaussian');
    await setSetting('unfolding', 'polynomial');
    const polynomial = layerNamed(await analyze(MODEL), SPIKED);
    assert.equal(polynomial.spacing?.unfolding, 'polynomial');
    assert.notEqual(polynomial.spacing?.ksGoe, gaussian.spacing?.ksGoe);
    // The unfolding changes the spacings only, not the spectrum.
    assert.equal(polynomial.spectralNorm, gaussian.spectralNorm);
  });

  it('rmtLens.randomBaseline: off leaves the shuffled-entries baseline out', async function () {
    const withBaseline = await analyze(MODEL);
    assert.ok(withBaseline.layers.every((l) => l.baseline && l.baseline.distance > 0));
    await setSetting('randomBaseline', false);
    const without = await analyze(MODEL);
    assert.ok(without.layers.every((l) => l.baseline === undefined));
    assert.equal(without.provenance.settings.randomBaseline, false);
  });

  it('rmtLens.seed: another seed shuffles differently; the same seed repeats the numbers', async function () {
    const seed0 = layerNamed(await analyze(MODEL), SPIKED);
    await setSetting('seed', 1);
    const seed1 = layerNamed(await analyze(MODEL), SPIKED);
    assert.equal(seed1.baseline?.seed, 1);
    assert.notEqual(seed1.baseline?.distance, seed0.baseline?.distance);
    await setSetting('cacheReports', false);
    try {
      const again = layerNamed(await analyze(MODEL), SPIKED);
      assert.equal(again.baseline?.distance, seed1.baseline?.distance);
      assert.deepEqual(again.porterThomas?.left.pValues, seed1.porterThomas?.left.pValues);
    } finally {
      await setSetting('cacheReports', undefined);
    }
  });

  it('rmtLens.significance: α decides the spacing test and Porter–Thomas; out of range falls back to 0.05', async function () {
    // 16 Ginibre (pure noise) matrices: their spacing p-values spread over (0, 1).
    const file = workspaceUri(DIR, 'noise.safetensors');
    await within(
      vscode.commands.executeCommand('rmtLens.generateEnsemble', {
        type: 'ginibre',
        n: 100,
        m: 150,
        count: 16,
        seed: 11,
        out: file.fsPath,
      }),
      30_000,
      'generateEnsemble',
    );
    const atDefault = await analyze(file);
    await setSetting('significance', 0.2);
    const loose = await analyze(file);
    assert.equal(loose.provenance.settings.significance, 0.2);
    let flipped = 0;
    loose.layers.forEach((layer, i) => {
      const before = atDefault.layers[i];
      const p = layer.spacing!.pGoe;
      assert.equal(p, before.spacing!.pGoe, 'α changes decisions, not statistics');
      const deviatesBySpacing = (l: LayerReport) =>
        l.verdict.reasons.some((r) => /differ from the GOE/.test(r));
      assert.equal(deviatesBySpacing(before), p < 0.05, `${layer.name}: p = ${p} at α = 0.05`);
      assert.equal(deviatesBySpacing(layer), p < 0.2, `${layer.name}: p = ${p} at α = 0.2`);
      if (p >= 0.05 && p < 0.2) {
        assert.equal(layer.verdict.label, 'deviating', `${layer.name}: p = ${p} deviates at α = 0.2`);
        flipped++;
      }
      assert.equal(layer.porterThomas?.level, 0.2);
      assert.ok(
        layer.porterThomas!.rejected >= before.porterThomas!.rejected,
        'BH at a higher level rejects more',
      );
    });
    assert.ok(flipped > 0, 'some layer has a spacing p between 0.05 and 0.2');

    await setSetting('significance', 0.5);
    const outOfRange = await analyze(file);
    assert.equal(outOfRange.provenance.settings.significance, 0.05, 'out of range: the default is used');
    assert.deepEqual(
      outOfRange.layers.map((l) => l.verdict.label),
      atDefault.layers.map((l) => l.verdict.label),
    );
  });

  it('rmtLens.vectorsTested.allUpTo, rmtLens.vectorsTested.top, rmtLens.vectorsTested.bottom and rmtLens.vectorsTested.bulk choose the singular vectors Porter–Thomas tests', async function () {
    const tested = async () => layerNamed(await analyze(MODEL), SPIKED).porterThomas!;
    // fc2.weight is 96×128: 96 singular vectors on each side.
    assert.deepEqual((await tested()).indices, range(0, 96));
    await setSetting('vectorsTested.top', 5);
    await setSetting('vectorsTested.bottom', 3);
    await setSetting('vectorsTested.bulk', 4);
    assert.deepEqual((await tested()).indices, range(0, 96), '96 ≤ allUpTo (1024): every vector');
    await setSetting('vectorsTested.allUpTo', 40);
    // Top 5, bottom 3 and 4 evenly spaced over [5, 92].
    let pt = await tested();
    assert.deepEqual(pt.indices, [...range(0, 5), 5, 34, 63, 92, 93, 94, 95]);
    assert.equal(pt.tested, 2 * 12);
    assert.equal(pt.left.pValues.length, 12);
    await setSetting('vectorsTested.top', 8);
    assert.deepEqual((await tested()).indices, [...range(0, 8), 8, 36, 64, 92, 93, 94, 95]);
    await setSetting('vectorsTested.bottom', 6);
    assert.deepEqual((await tested()).indices, [...range(0, 8), 8, 35, 62, 89, ...range(90, 96)]);
    await setSetting('vectorsTested.bulk', 2);
    pt = await tested();
    assert.deepEqual(pt.indices, [...range(0, 8), 8, 89, ...range(90, 96)]);
    const report = await analyze(MODEL);
    assert.deepEqual(report.provenance.settings.vectorsTested, { allUpTo: 40, top: 8, bottom: 6, bulk: 2 });
  });

  it('every contributed setting has an extension-host test', function () {
    const extension = vscode.extensions.getExtension(EXTENSION_ID);
    const contributed = Object.keys(
      (extension?.packageJSON as { contributes: { configuration: { properties: Record<string, unknown> } } })
        .contributes.configuration.properties,
    );
    assert.ok(contributed.length >= 19, `${contributed.length} settings contributed`);
    const titles = (this.test?.parent?.tests ?? []).map((t) => t.title);
    const untested: string[] = [];
    for (const key of contributed) {
      const elsewhere = TESTED_ELSEWHERE[key];
      if (elsewhere) {
        // The other suite must still change that setting by name (its key relative to rmtLens, or
        // the last part when it reads a section such as rmtLens.diagnostics).
        const source = readFileSync(path.join(__dirname, elsewhere), 'utf8');
        const relative = key.slice('rmtLens.'.length);
        const last = key.split('.').pop()!;
        if (!source.includes(`'${relative}'`) && !source.includes(`'${last}'`))
          untested.push(`${key} (not in ${elsewhere})`);
      } else if (TESTED_HERE.includes(key)) {
        if (!titles.some((t) => t.includes(key))) untested.push(`${key} (no test title names it)`);
      } else {
        untested.push(key);
      }
    }
    assert.deepEqual(untested, [], 'contributed settings without an extension-host test');
    const stale = [...TESTED_HERE, ...Object.keys(TESTED_ELSEWHERE)].filter((k) => !contributed.includes(k));
    assert.deepEqual(stale, [], 'listed settings that package.json does not contribute');
  });
});
