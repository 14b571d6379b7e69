const FS_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'is a folder, not a file',
  EMFILE: 'too many open files',
};

/** One line for the user: the message of a known error, never a stack trace. */
export function errorMessage(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { code, path } = error as NodeJS.ErrnoException;
  if (code && path && FS_ERRORS[code]) return `${path}: ${FS_ERRORS[code]}`;
  return error.message.split('\n')[0] || error.name;
}

/** Thrown when the user cancels an analysis. */
export class CancelledError extends Error {
  constructor() {
    super('Analysis cancelled');
    this.name = 'CancelledError';
  }
}
