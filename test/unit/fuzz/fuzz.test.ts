/**
 * The quick fuzz run of `npm test`: 10,000 damaged files per reader (fixed seed), two readers at a time in
 * child processes. The long campaign is `npm run fuzz` (scripts/fuzz.mjs), 100,000 per reader and a new seed.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { SEEDS } from './harness';
import { campaignInWorker } from './worker';

const SEED = 1;
const CASES = 10_000;
/** Per case: open, read every tensor and every matrix (measured: the slowest are Keras cases, ~0.6 s). */
const BUDGET_MS = 3000;

describe(
  'fuzz: every damaged file works or gives a WeightFileError naming the file',
  { concurrency: 2 },
  () => {
    for (const reader of Object.keys(SEEDS)) {
      test(`${reader}: ${CASES} cases`, async () => {
        const t = await campaignInWorker(reader, { seed: SEED, cases: CASES, budgetMs: BUDGET_MS });
        const { failure, ...counts } = t;
        console.log(JSON.stringify(counts));
        assert.equal(
          failure,
          undefined,
          `replay: seed ${failure?.seed}, path ${failure?.path}\n${failure?.counterexample}\n${failure?.error}`,
        );
        assert.equal(t.cases, CASES);
        assert.ok(
          t.ok > 0 && t.refused > 0,
          'both outcomes occur (the damage is neither too mild nor too harsh)',
        );
      });
    }
  },
);
