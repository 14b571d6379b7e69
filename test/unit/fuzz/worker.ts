/**
 * Runs one reader's campaign in a child process: both cores are used, and a case that hangs the process itself
 * (synchronous wasm, which no timer can interrupt) is caught by the parent: no progress for `stallMs`, the worker
 * is killed and the hanging case's bytes are reported. Loaded otherwise (e.g. by a test runner that globs
 * every file), this module only exports `campaignInWorker`.
 */
import { existsSync } from 'node:fs';
import { fork } from 'node:child_process';
import { campaign, SEEDS, type Tally } from './harness';

export interface CampaignOptions {
  seed: number;
  cases: number;
  budgetMs: number;
  maxBytes?: number;
  /** Where each case's bytes are written before it runs (kept when the case hangs). */
  trace?: string;
}

export function campaignInWorker(reader: string, options: CampaignOptions, stallMs = 60_000): Promise<Tally> {
  return new Promise((resolve, reject) => {
    // a child process: h5wasm writes HDF5's whole error stack for every damaged HDF5 file straight to file
    // descriptor 2 (megabytes per run), so its output is dropped; every case's outcome comes back as a message
    const worker = fork(__filename, [], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
      env: { ...process.env, RMT_FUZZ_CAMPAIGN: JSON.stringify({ reader, options }) },
    });
    let done = 0;
    let timer: NodeJS.Timeout;
    const arm = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        worker.kill();
        const file = options.trace && existsSync(options.trace) ? options.trace : undefined;
        resolve({
          reader,
          cases: done,
          ok: 0,
          refused: 0,
          withOffset: 0,
          slowestMs: stallMs,
          ms: 0,
          failure: {
            seed: options.seed,
            path: '',
            counterexample: `a case after ${done} (of ${SEEDS[reader].map((s) => s.mutate).join(', ')})`,
            error: `hang: no progress for ${stallMs} ms; its process was killed`,
            file,
          },
        });
      }, stallMs);
    };
    arm();
    worker.on('message', (m: { progress?: number; tally?: Tally }) => {
      if (m.tally) {
        clearTimeout(timer);
        resolve(m.tally);
        worker.disconnect();
      } else {
        done = m.progress ?? done;
        arm();
      }
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${reader}: fuzz process exited with code ${code} before its tally`));
    });
  });
}

if (process.env.RMT_FUZZ_CAMPAIGN && process.send) {
  const { reader, options } = JSON.parse(process.env.RMT_FUZZ_CAMPAIGN) as {
    reader: string;
    options: CampaignOptions;
  };
  void campaign(reader, options, (progress) => process.send?.({ progress })).then((tally) =>
    process.send?.({ tally }),
  );
}
