// The null distributions of the statistics (RMT.md §3, §5) cost seconds to minutes per layer shape;
// they are kept in a file (in the extension's storage, or the CLI's cache folder) across sessions.
import { readFileSync } from 'node:fs';
import { rename, writeFile } from 'node:fs/promises';
import type { NullCache, SerializedNullCache } from '../rmt/nullCalibration';

export class PersistedNulls {
  private saved = -1;

  constructor(
    private readonly cache: NullCache,
    private readonly file: string | undefined,
  ) {
    if (!file) return;
    try {
      cache.import(JSON.parse(readFileSync(file, 'utf8')) as SerializedNullCache);
    } catch {
      // No file yet, or one from another version: start empty.
    }
    this.saved = entries(cache.export());
  }

  /** Writes the cache when it has grown (atomic: a reader never sees half a file). */
  async save(): Promise<void> {
    if (!this.file) return;
    const data = this.cache.export();
    if (entries(data) === this.saved) return;
    const temporary = `${this.file}.${process.pid}.${Date.now()}.tmp`;
    await writeFile(temporary, JSON.stringify(data));
    await rename(temporary, this.file);
    this.saved = entries(data);
  }
}

function entries(data: SerializedNullCache): number {
  return data.spacing.length + data.pt.length;
}
