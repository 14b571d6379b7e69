import * as path from 'node:path';

/** A malformed or unsupported weight file. The message names the file, the tensor and the byte offset. */
export class WeightFileError extends Error {
  constructor(
    readonly file: string,
    readonly detail: string,
    readonly tensor?: string,
    readonly offset?: number,
  ) {
    super(formatMessage(file, detail, tensor, offset));
    this.name = 'WeightFileError';
  }
}

function formatMessage(file: string, detail: string, tensor?: string, offset?: number): string {
  const where: string[] = [];
  if (tensor !== undefined) where.push(`tensor '${tensor}'`);
  if (offset !== undefined) where.push(`byte ${offset}`);
  return `${path.basename(file)}${where.length ? ` (${where.join(', ')})` : ''}: ${detail}`;
}
