// Extension-host test entry (--extensionTestsPath → out/test/vscode/index.js).
// Runs every suite/*.test.js with mocha inside the extension host, prints the spec report through
// console.log (forwarded to the runner by VS Code), writes a JSON summary to $RMT_LENS_TEST_RESULT
// when set, and rejects when a test failed (so the host exits with a failure code).
import * as fs from 'node:fs';
import * as path from 'node:path';
import type MochaType from 'mocha';

export interface TestOutcome {
  title: string;
  state: 'passed' | 'failed';
  durationMs?: number;
  error?: string;
}

export interface SuiteResult {
  passed: number;
  failed: number;
  tests: TestOutcome[];
  host: string;
}

function loadMocha(): typeof MochaType {
  // mocha 12 is ESM with a CommonJS build; require() gives the class or a namespace around it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const m = require('mocha');
  const ctor = typeof m === 'function' ? m : (m.Mocha ?? m.default);
  if (typeof ctor !== 'function') throw new Error('cannot load mocha in the extension host');
  return ctor;
}

export async function run(): Promise<void> {
  const Mocha = loadMocha();
  const mocha = new Mocha({
    ui: 'bdd',
    color: false,
    reporter: 'spec',
    timeout: Number(process.env.RMT_LENS_TEST_TIMEOUT_MS) || 60_000,
    grep: process.env.RMT_LENS_TEST_GREP || undefined,
  });
  const suiteDir = path.join(__dirname, 'suite');
  const files = fs
    .readdirSync(suiteDir)
    .filter((f) => f.endsWith('.test.js'))
    .sort();
  if (files.length === 0) throw new Error(`no suite files in ${suiteDir}`);
  for (const f of files) mocha.addFile(path.join(suiteDir, f));

  const result: SuiteResult = {
    passed: 0,
    failed: 0,
    tests: [],
    host: `${process.release.name} ${process.version}`,
  };
  console.log(`RMT_LENS_SUITE_START ${files.join(', ')} (${result.host})`);
  await new Promise<void>((resolve) => {
    const runner = mocha.run(() => resolve());
    runner.on('pass', (t) => {
      result.passed++;
      result.tests.push({ title: t.fullTitle(), state: 'passed', durationMs: t.duration });
    });
    runner.on('fail', (t, err: Error) => {
      result.failed++;
      result.tests.push({ title: t.fullTitle(), state: 'failed', error: err?.stack ?? String(err) });
    });
  });

  const out = process.env.RMT_LENS_TEST_RESULT;
  if (out) fs.writeFileSync(out, JSON.stringify(result, null, 2));
  console.log(`RMT_LENS_SUITE_RESULT ${JSON.stringify({ passed: result.passed, failed: result.failed })}`);
  if (result.failed > 0) throw new Error(`${result.failed} extension-host test(s) failed`);
}
