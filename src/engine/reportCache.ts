// Finished reports on disk, keyed by (path, size, mtime, settings, engine version), so reopening a
// file that has not changed is instant. Lives in the extension's storage, never beside the weights.
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile, rename } from 'node:fs/promises';
import * as path from 'node:path';
import type { AnalysisSettings, ModelReport } from './report';
import { SCHEMA_VERSION, withDefaults } from './report';
import { ENGINE_VERSION } from './version';

const MAX_ENTRIES = 200;

export class ReportCache {
  constructor(private readonly dir: string) {}

  /**
   * Every setting takes part, defaults filled in and keys sorted: settings that analyse alike share
   * an entry, and any changed value (α, the vectors tested, …) misses.
   */
  async key(file: string, settings: AnalysisSettings): Promise<string> {
    const info = await stat(file);
    const identity = JSON.stringify([
      file,
      info.size,
      info.mtimeMs,
      sortedKeys(withDefaults(settings)),
      ENGINE_VERSION,
      SCHEMA_VERSION,
    ]);
    return createHash('sha256').update(identity).digest('hex');
  }

  async get(key: string): Promise<ModelReport | undefined> {
    try {
      return JSON.parse(await readFile(this.entry(key), 'utf8'), reviveNumbers) as ModelReport;
    } catch {
      return undefined;
    }
  }

  async set(key: string, report: ModelReport): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const temporary = `${this.entry(key)}.${process.pid}.tmp`;
    await writeFile(temporary, JSON.stringify(report, keepNonFinite));
    await rename(temporary, this.entry(key));
    await this.trim();
  }

  private entry(key: string): string {
    return path.join(this.dir, `${key}.json`);
  }

  /** Keeps the newest MAX_ENTRIES reports. */
  private async trim(): Promise<void> {
    const names = (await readdir(this.dir)).filter((n) => n.endsWith('.json'));
    if (names.length <= MAX_ENTRIES) return;
    const dated = await Promise.all(
      names.map(async (n) => ({
        n,
        t: (await stat(path.join(this.dir, n)).catch(() => undefined))?.mtimeMs ?? 0,
      })),
    );
    dated.sort((a, b) => a.t - b.t);
    await Promise.all(
      dated.slice(0, names.length - MAX_ENTRIES).map(({ n }) => rm(path.join(this.dir, n), { force: true })),
    );
  }
}

/** A copy of a JSON-like value whose objects list their keys in sorted order (for a stable key). */
function sortedKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortedKeys);
  if (typeof value !== 'object' || value === null) return value;
  const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  );
  return Object.fromEntries(entries.map(([k, v]) => [k, sortedKeys(v)]));
}

const NON_FINITE = '__rmtLensNumber:';

function keepNonFinite(_key: string, value: unknown): unknown {
  if (typeof value === 'number' && !Number.isFinite(value)) return NON_FINITE + String(value);
  return value;
}

function reviveNumbers(_key: string, value: unknown): unknown {
  if (typeof value === 'string' && value.startsWith(NON_FINITE))
    return Number(value.slice(NON_FINITE.length));
  return value;
}
