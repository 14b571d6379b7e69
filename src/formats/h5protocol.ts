// Messages between the HDF5 client (h5client.ts, any thread) and the HDF5 worker (h5worker.ts),
// the only place h5wasm runs.

/** A dataset as the worker lists it (plain data; the h5wasm objects stay in the worker). */
export interface H5DatasetInfo {
  /** Name in the model: the HDF5 path below the weights' root group, without a leading slash. */
  name: string;
  /** Absolute HDF5 path, for reads. */
  path: string;
  /** Declared shape (null: HDF5 reported none, e.g. a null dataspace). */
  shape: number[] | null;
  /** Our dtype name (F32, I8, …), or undefined for a non-numeric HDF5 datatype. */
  dtype?: string;
  /** Bytes per element as HDF5 stores them. */
  elementSize: number;
}

export type H5Request =
  | { id: number; type: 'open'; path: string }
  | {
      id: number;
      type: 'read';
      handle: number;
      path: string;
      /** Hyperslab: rows of the leading dimension (null: the whole scalar). */
      count: number[] | null;
      offset: number[] | null;
      bytes: number;
    }
  | { id: number; type: 'close'; handle: number };

export type H5Reply =
  | {
      id: number;
      type: 'opened';
      handle: number;
      datasets: H5DatasetInfo[];
      metadata: Record<string, string>;
    }
  | { id: number; type: 'data'; bytes: Uint8Array }
  | { id: number; type: 'closed' }
  | {
      id: number;
      type: 'error';
      message: string;
      /** The wasm trapped (e.g. out-of-bounds memory): HDF5's state is suspect, the worker must be replaced. */
      trapped?: boolean;
    };

/** The worker's first message: h5wasm is loaded (or could not be). */
export type H5Ready = { type: 'ready' } | { type: 'failed'; message: string };

/**
 * The deepest cause in HDF5's error stack (the last frame of its first stack), e.g. "truncated file: eof = 2000,
 * stored_eof = 23392", from text like
 * `HDF5-DIAG: Error detected in HDF5 (2.0.0):\n  #000: …/H5F.c line 821 in H5Fopen(): unable to open file\n…`.
 */
export function hdf5Cause(stderr: string): string | undefined {
  const stacks = stderr.split(/^HDF5-DIAG: /m).slice(1);
  if (!stacks.length) return undefined;
  const frames = [...stacks[0].matchAll(/^\s*#\d+: .*? in [\w.]+\(\): (.*)$/gm)];
  const cause = frames.at(-1)?.[1].trim();
  if (!cause) return undefined;
  return cause.length > 200 ? `${cause.slice(0, 199)}…` : cause;
}
