/**
 * Runs one reader's campaign in a child process: both cores are used, and a case that hangs the process itself
 * (synchronous code, which no timer can interrupt) is caught by the parent: no progress for `stallMs`, the worker
 * is killed and the hanging case's bytes are reported. (HDF5, synchronous wasm, runs in its own killable thread
 * under a watchdog, h5client.ts: a file it loops on is a refusal, counted as `hangs`.) Loaded otherwise (e.g. by a test runner that globs
 * every file), this module only exports `campaignInWorker`.
 */
import { existsSync } from 'node:fs';
import { fork } from 'node:child_process';
import { campaign, SEEDS, type CampaignOptions, type Tally } from './harness';

/**
 * The HDF5 watchdog's deadline in the fuzz processes (RMT_LENS_HDF5_TIMEOUT, seconds): a fuzz case is a file of
 * at most a few tens of kilobytes that opens in milliseconds, so a case still parsing after a second is looping.
 */
export const FUZZ_HDF5_SECONDS = 1;

export function campaignInWorker(reader: string, options: CampaignOptions, stallMs = 60_000): Promise<Tally> {
  return new Promise((resolve, reject) => {
    // a child process, whose output is dropped: every case's outcome comes back as a message (HDF5's error
    // stacks no longer reach file descriptor 2: the HDF5 worker keeps them, see h5worker.ts)
    const worker = fork(__filename, [], {
      stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
      execArgv: [],
      env: {
        ...process.env,
        RMT_LENS_HDF5_TIMEOUT: String(FUZZ_HDF5_SECONDS),
        RMT_FUZZ_CAMPAIGN: JSON.stringify({ reader, options }),
      },
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
          hangs: 0,
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
