/**
 * Runs one reader's campaign in a worker thread (the quick run and `npm run fuzz` use both cores this way).
 * Loaded on the main thread (e.g. by a test runner that globs every file), it does nothing.
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { campaign, type Tally } from './harness';

export interface CampaignOptions {
  seed: number;
  cases: number;
  budgetMs: number;
  maxBytes?: number;
}

/** Runs `reader`'s campaign in a new worker thread and resolves to its tally. */
export function campaignInWorker(reader: string, options: CampaignOptions): Promise<Tally> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(__filename, { workerData: { reader, options } });
    worker.once('message', resolve);
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`${reader}: fuzz worker exited with code ${code}`)));
  });
}

if (!isMainThread && workerData?.reader) {
  const { reader, options } = workerData as { reader: string; options: CampaignOptions };
  void campaign(reader, options).then((tally) => parentPort?.postMessage(tally));
}
