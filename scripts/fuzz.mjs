// `npm run fuzz`: the long fuzz campaign, 100,000 damaged files per reader (two readers at a time, in child
// processes), from the tsc output in out/ (run `node scripts/build.mjs` first; this script builds nothing).
// A new seed each run unless `--seed N`; `--cases N` and `--reader ID` (repeatable) narrow it.
// Prints per-reader counts and time, and each failure with what replays it; exits 1 on any failure.
import { createRequire } from 'node:module';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const compiled = join(root, 'out/test/unit/fuzz/worker.js');
if (!existsSync(compiled)) {
  console.error('fuzz: out/ is missing; run `node scripts/build.mjs` first');
  process.exit(2);
}
const require = createRequire(import.meta.url);
const { campaignInWorker } = require(compiled);
const { SEEDS } = require(join(root, 'out/test/unit/fuzz/harness.js'));

const { values } = parseArgs({
  options: {
    seed: { type: 'string' },
    cases: { type: 'string', default: '100000' },
    reader: { type: 'string', multiple: true },
    budget: { type: 'string', default: '3000' },
  },
});
const seed = values.seed !== undefined ? Number(values.seed) : Math.floor(Math.random() * 2 ** 31);
const cases = Number(values.cases);
const readers = values.reader ?? Object.keys(SEEDS);
const traces = mkdtempSync(join(tmpdir(), 'rmt-fuzz-trace-'));
const findings = join(root, 'test-results/fuzz');

console.log(`fuzz: seed ${seed}, ${cases} cases per reader, readers: ${readers.join(', ')}`);
const started = Date.now();
const results = [];
const queue = [...readers];
async function lane() {
  for (let reader = queue.shift(); reader; reader = queue.shift()) {
    const trace = join(traces, reader);
    const keep = join(findings, `seed${seed}`);
    const options = { seed, cases, budgetMs: Number(values.budget), trace, keep };
    const t = await campaignInWorker(reader, options);
    results.push(t);
    const rate = t.ms ? ((t.ms / Math.max(1, t.cases)) * 1000).toFixed(0) : '-';
    console.log(
      `${reader.padEnd(12)} ${String(t.cases).padStart(7)} cases  ${String(t.ok).padStart(6)} ok  ` +
        `${String(t.refused).padStart(6)} refused (${t.withOffset} with a byte offset)  ` +
        (t.hangs ? `${t.hangs} stopped by the HDF5 watchdog (first kept in ${keep})  ` : '') +
        `slowest ${t.slowestMs.toFixed(0)} ms  ${(t.ms / 1000).toFixed(1)} s (${rate} µs/case)  ` +
        (t.failure ? 'FAILED' : 'ok'),
    );
    if (t.failure) {
      const f = t.failure;
      console.log(`  replay: --seed ${f.seed} --reader ${reader} (fast-check path ${f.path || '-'})`);
      console.log(`  case: ${f.counterexample}`);
      console.log(`  ${f.error.split('\n').slice(0, 6).join('\n  ')}`);
      if (f.file) {
        mkdirSync(findings, { recursive: true });
        const kept = join(findings, `${reader}-seed${seed}.bin`);
        copyFileSync(f.file, kept);
        console.log(`  the hanging file is kept at ${kept}`);
      }
    }
  }
}
await Promise.all([lane(), lane()]);
const failed = results.filter((t) => t.failure);
const total = results.reduce((n, t) => n + t.cases, 0);
console.log(
  `fuzz: ${total} cases in ${((Date.now() - started) / 1000).toFixed(0)} s, ` +
    `${failed.length ? `${failed.length} readers FAILED: ${failed.map((t) => t.reader).join(', ')}` : 'no failures'} (seed ${seed})`,
);
process.exitCode = failed.length ? 1 : 0;
