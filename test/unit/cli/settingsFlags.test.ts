// The CLI's --alpha and --vectors flags: validated like the settings, recorded in the report, and
// they change what is tested. Runs the built bundle (dist/cli.js) as a user would.
import { describe, test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../paths';

const cli = path.join(repoRoot, 'dist/cli.js');

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 28,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

interface Report {
  provenance: { settings: { significance: number; vectorsTested: Record<string, number> } };
  layers: { porterThomas: { indices: number[]; tested: number; level: number; rejected: number } }[];
}

describe('cli analyze --alpha and --vectors', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rmt-lens-flags-'));
  const file = path.join(dir, 'noise.npy');
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a 100×150 Ginibre matrix to analyse', () => {
    const args = ['ensemble', '--type', 'ginibre', '--n', '100', '--m', '150', '--count', '1', '--seed', '5'];
    assert.equal(runCli([...args, '--out', file]).status, 0);
  });

  test('by default: α = 0.05 and every vector of a layer below 1024', () => {
    const run = runCli(['analyze', file, '--json', '--workers', '1']);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.provenance.settings.significance, 0.05);
    assert.deepEqual(report.provenance.settings.vectorsTested, {
      allUpTo: 1024,
      top: 100,
      bottom: 20,
      bulk: 100,
    });
    assert.equal(report.layers[0].porterThomas.level, 0.05);
    assert.equal(report.layers[0].porterThomas.tested, 200);
  });

  test('--alpha and --vectors reach the analysis', () => {
    const run = runCli([
      'analyze',
      file,
      '--json',
      '--workers',
      '1',
      '--alpha',
      '0.01',
      '--vectors',
      '10,5,7,50',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const report = JSON.parse(run.stdout) as Report;
    assert.equal(report.provenance.settings.significance, 0.01);
    assert.deepEqual(report.provenance.settings.vectorsTested, { allUpTo: 50, top: 10, bottom: 5, bulk: 7 });
    const pt = report.layers[0].porterThomas;
    assert.equal(pt.level, 0.01);
    assert.deepEqual(
      pt.indices,
      [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 24, 38, 52, 66, 80, 94, 95, 96, 97, 98, 99],
    );
    assert.equal(pt.tested, 44);
  });

  test('out-of-range or malformed values are usage errors naming the flag', () => {
    const cases: [string[], RegExp][] = [
      [['--alpha', '0.5'], /--alpha must be between 0\.001 and 0\.2 \(got 0\.5\)/],
      [['--alpha', 'often'], /--alpha must be a number between 0\.001 and 0\.2/],
      [['--vectors', '10,5,7'], /--vectors needs four counts: TOP,BOTTOM,BULK,ALL_UP_TO/],
      [['--vectors', '10,-5,7,50'], /--vectors: bottom must be an integer between 0 and 1000000 \(got -5\)/],
      [['--vectors', '10,5,,50'], /--vectors needs four counts/],
    ];
    for (const [flags, message] of cases) {
      const run = runCli(['analyze', file, '--json', ...flags]);
      assert.equal(run.status, 2, `${flags.join(' ')}: ${run.stderr}`);
      assert.match(run.stderr, message);
      assert.equal(run.stdout, '');
    }
  });
});
