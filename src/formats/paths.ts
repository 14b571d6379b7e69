import * as path from 'node:path';
import { WeightFileError } from './errors';

/**
 * A file named inside a weight file (a shard, ONNX external data, a TF.js weight file), resolved in `dir`.
 * Absolute paths, drive letters and `..` are refused: a model only reads files from its own folder.
 */
export function resolveInside(dir: string, file: string, relative: string, tensor?: string): string {
  const parts = relative.split(/[\\/]/);
  if (relative === '' || path.isAbsolute(relative) || /^[a-zA-Z]:/.test(relative) || parts.includes('..')) {
    throw new WeightFileError(
      file,
      `refused path '${relative}' (must stay inside the model's folder)`,
      tensor,
    );
  }
  return path.join(dir, ...parts.filter((p) => p !== '' && p !== '.'));
}
