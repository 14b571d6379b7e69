// `npm test`: format and lint checks, the build (which type-checks), unit tests in plain Node,
// the extension-host suite in a real VS Code, and the UI tests in Chromium. Prints one summary line.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const only = process.argv.slice(2); // e.g. `npm test -- unit` runs just those steps
const results = [];

/** Runs one step; `counts` reads its pass/fail numbers from its stdout (or `pipe: false` and a file). */
function step(name, command, args, { counts, pipe = true } = {}) {
  if (only.length && !only.includes(name)) return;
  const started = Date.now();
  console.log(`\n=== ${name}: ${[command, ...args].join(' ')}`);
  const capture = counts && pipe;
  const run = spawnSync(command, args, {
    cwd: root,
    stdio: capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 1 << 30,
  });
  if (capture) process.stdout.write(run.stdout ?? '');
  const tally = counts
    ? counts(run.stdout ?? '')
    : { passed: run.status === 0 ? 1 : 0, failed: run.status === 0 ? 0 : 1 };
  if (run.status !== 0 && tally.failed === 0) tally.failed = 1;
  results.push({ name, seconds: (Date.now() - started) / 1000, ...tally });
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
const fromLine = (prefix) => (output) => {
  const match = [...output.matchAll(new RegExp(`^${prefix}: (\\d+) passed, (\\d+) failed`, 'gm'))].pop();
  return match ? { passed: Number(match[1]), failed: Number(match[2]) } : { passed: 0, failed: 1 };
};

function unitTestFiles() {
  const files = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir)) {
      const full = join(dir, entry);
      if (statSync(full).isDirectory()) walk(full);
      else if (entry.endsWith('.test.js')) files.push(full);
    }
  };
  walk(join(root, 'out/test/unit'));
  return files.sort();
}

step('format', bin('prettier'), ['--check', '.']);
step('lint', bin('eslint'), ['.']);
step('build', process.execPath, ['scripts/build.mjs']);
if (!only.length || only.includes('unit')) {
  const tap = join(mkdtempSync(join(tmpdir(), 'rmt-lens-unit-')), 'unit.tap');
  step(
    'unit',
    process.execPath,
    [
      '--test',
      '--test-reporter=spec',
      '--test-reporter-destination=stdout',
      '--test-reporter=tap',
      `--test-reporter-destination=${tap}`,
      ...unitTestFiles(),
    ],
    {
      pipe: false,
      counts: () => {
        const text = readFileSync(tap, 'utf8');
        const count = (key) => Number(new RegExp(`^# ${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
        return { passed: count('pass'), failed: count('fail') + count('cancelled') };
      },
    },
  );
}
step('vscode', process.execPath, ['test/vscode/run.mjs'], { counts: fromLine('vscode') });
step('e2e', process.execPath, ['test/e2e/run.mjs'], { counts: fromLine('e2e') });

console.log('\n=== summary');
for (const r of results)
  console.log(
    `${r.name.padEnd(8)} ${String(r.passed).padStart(5)} passed ${String(r.failed).padStart(4)} failed  ${r.seconds.toFixed(1)} s`,
  );
const passed = results.reduce((n, r) => n + r.passed, 0);
const failed = results.reduce((n, r) => n + r.failed, 0);
console.log(`\ntests: ${passed} passed, ${failed} failed`);
process.exitCode = failed > 0 ? 1 : 0;
