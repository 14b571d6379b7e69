import { existsSync } from 'node:fs';
import * as path from 'node:path';

/** The worker's script beside the running bundle (dist/worker.js) or in tsc's output (out/src/engine/worker.js). */
export function workerScript(): string {
  const candidates = [path.join(__dirname, 'worker.js'), path.join(__dirname, 'engine', 'worker.js')];
  const found = candidates.find((p) => existsSync(p));
  if (!found) throw new Error(`The analysis worker is missing (looked for ${candidates.join(', ')})`);
  return found;
}
