// HDF5 files through a killable thread. h5wasm runs in one worker thread per process (h5worker.ts), which
// serves one request at a time under a watchdog: a request that does not finish within its deadline (a corrupt
// file that sends HDF5 into an endless loop) terminates the worker and fails with one clear line naming the
// file; the next request starts a fresh worker, and files opened before are reopened there transparently.
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { WeightFileError } from './errors';
import type { H5DatasetInfo, H5Ready, H5Reply, H5Request } from './h5protocol';

/**
 * Header parsing (open and list every dataset) gets 30 s. A healthy Keras file opens in milliseconds (the
 * fixtures in 5–40 ms, an 80-dataset 95 MB file in under 50 ms, about 0.5 ms per dataset), so 30 s is tens
 * of thousands of datasets, more than any Keras model has, and still bounded when a file loops.
 * `RMT_LENS_HDF5_TIMEOUT` (seconds) overrides it, e.g. for a very slow network disk, or for tests.
 */
export const HEADER_SECONDS = 30;
/**
 * A data read gets the header's time plus one second per 4 MiB (gzip-compressed chunks decompress at
 * 50–100 MB/s here, plain ones far faster: more than ten times the rate assumed).
 */
export const READ_BYTES_PER_SECOND = 4 * 1024 * 1024;
/** Loading h5wasm (about 4 MB of JavaScript and wasm) in a fresh worker; not a file's fault. */
const STARTUP_MS = 120_000;
/** A worker with no open file is stopped after this long, which frees its wasm memory. */
const IDLE_MS = 5_000;

/** The watchdog's deadline in seconds for a request that moves `bytes` bytes (0: header parsing). */
export function deadlineSeconds(bytes: number, env: NodeJS.ProcessEnv = process.env): number {
  const override = Number(env.RMT_LENS_HDF5_TIMEOUT);
  const base = Number.isFinite(override) && override > 0 ? override : HEADER_SECONDS;
  return base + bytes / READ_BYTES_PER_SECOND;
}

function formatSeconds(s: number): string {
  return s >= 10 ? `${Math.round(s)} s` : `${Number(s.toPrecision(2))} s`;
}

type Body<T> = T extends unknown ? Omit<T, 'id'> : never;

interface Job {
  request: Body<H5Request>;
  /** The user's file, for messages. */
  file: string;
  seconds: number;
  resolve(reply: H5Reply): void;
  reject(error: Error): void;
}

class Hdf5Service {
  private worker: Worker | undefined;
  private ready = false;
  /** Bumped whenever the worker is replaced: handles of an older generation are gone. */
  generation = 0;
  private readonly queue: Job[] = [];
  private current: { job: Job; id: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private idle: NodeJS.Timeout | undefined;
  private nextId = 1;
  openFiles = 0;

  request(file: string, request: Body<H5Request>, seconds: number): Promise<H5Reply> {
    return new Promise((resolve, reject) => {
      this.queue.push({ request, file, seconds, resolve, reject });
      this.pump();
    });
  }

  /** Called when a file closes; an idle worker is stopped after a while. */
  released(): void {
    if (this.openFiles > 0 || this.current || this.queue.length) return;
    clearTimeout(this.idle);
    this.idle = setTimeout(() => {
      if (this.openFiles === 0 && !this.current && !this.queue.length) this.stop();
    }, IDLE_MS);
    this.idle.unref();
  }

  private pump(): void {
    if (this.current || !this.queue.length) return;
    clearTimeout(this.idle);
    if (!this.worker) this.start();
    if (!this.ready) return;
    const job = this.queue.shift()!;
    const id = this.nextId++;
    this.current = { job, id };
    this.arm(job.seconds * 1000, () => {
      this.stop();
      const s = formatSeconds(job.seconds);
      this.finish(
        new WeightFileError(
          job.file,
          `${job.request.type === 'read' ? 'HDF5 read' : 'HDF5 parsing'} did not finish within ${s} — the file is probably corrupt`,
        ),
      );
    });
    this.worker!.postMessage({ ...job.request, id });
  }

  private start(): void {
    // (the worker keeps whatever HDF5 prints; piping its stdio here would keep the process alive despite unref)
    const worker = new Worker(path.join(__dirname, 'h5worker.js'));
    this.worker = worker;
    this.ready = false;
    this.arm(STARTUP_MS, () => this.crash('the HDF5 reader did not start'));
    worker.on('message', (m: H5Reply | H5Ready) => {
      if (worker !== this.worker) return;
      if (m.type === 'ready') {
        this.ready = true;
        clearTimeout(this.timer);
        this.pump();
      } else if (m.type === 'failed') this.crash(m.message);
      else if (this.current && m.id === this.current.id) {
        // a trap left HDF5 half-way through something: its next answers could be wrong
        if (m.type === 'error' && m.trapped) this.stop();
        this.finish(m);
      }
    });
    worker.on('error', (err) => {
      if (worker === this.worker) this.crash(`the HDF5 reader failed: ${err.message.split('\n')[0]}`);
    });
    worker.on('exit', (code) => {
      if (worker === this.worker) this.crash(`the HDF5 reader stopped (exit code ${code})`);
    });
    // after the listeners: adding a 'message' listener refs the worker again
    worker.unref();
  }

  /** Timers keep the process alive while a request is in flight (the worker itself is unref'd). */
  private arm(ms: number, fire: () => void): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(fire, ms);
  }

  private finish(outcome: H5Reply | Error): void {
    clearTimeout(this.timer);
    const current = this.current;
    this.current = undefined;
    if (current) {
      if (outcome instanceof Error) current.job.reject(outcome);
      else current.job.resolve(outcome);
    }
    this.pump();
  }

  /** The worker failed on its own: the request in flight (or, before it started, every queued one) fails. */
  private crash(reason: string): void {
    const wasReady = this.ready;
    this.stop();
    if (this.current) this.finish(new WeightFileError(this.current.job.file, reason));
    else if (!wasReady)
      for (const job of this.queue.splice(0)) job.reject(new WeightFileError(job.file, reason));
    this.pump();
  }

  private stop(): void {
    clearTimeout(this.timer);
    const worker = this.worker;
    this.worker = undefined;
    this.ready = false;
    this.generation++;
    if (worker) void worker.terminate();
  }
}

const service = new Hdf5Service();

/** An HDF5 file open in the worker. */
export interface Hdf5File {
  datasets: H5DatasetInfo[];
  metadata: Record<string, string>;
  /** Raw elements of rows of a dataset (`count`/`offset` per dimension; null for a scalar). */
  read(dataset: string, count: number[] | null, offset: number[] | null, bytes: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

function replyError(file: string, reply: H5Reply, tensor?: string): WeightFileError {
  const detail = reply.type === 'error' ? reply.message : `unexpected answer '${reply.type}'`;
  return new WeightFileError(file, `HDF5: ${detail}`, tensor);
}

/** Opens `h5path` (the file itself, or a `.keras` archive's extracted member) and lists its datasets. */
export async function openHdf5(file: string, h5path: string): Promise<Hdf5File> {
  const open = async () => {
    const generation = service.generation;
    const reply = await service.request(file, { type: 'open', path: h5path }, deadlineSeconds(0));
    if (reply.type !== 'opened') throw replyError(file, reply);
    return { handle: reply.handle, generation, reply };
  };
  const first = await open();
  let { handle, generation } = first;
  const byName = new Map(first.reply.datasets.map((d) => [d.name, d]));
  service.openFiles++;
  let closed = false;
  return {
    datasets: first.reply.datasets,
    metadata: first.reply.metadata,
    async read(dataset, count, offset, bytes) {
      if (closed) throw new WeightFileError(file, 'file is closed', dataset);
      const info = byName.get(dataset);
      if (!info) throw new WeightFileError(file, 'no such dataset', dataset);
      const inDataset = (err: unknown) => {
        throw err instanceof WeightFileError ? new WeightFileError(file, err.detail, dataset) : err;
      };
      // the worker was replaced since (another file hung it): open this one again there
      if (generation !== service.generation) ({ handle, generation } = await open().catch(inDataset));
      const reply = await service
        .request(
          file,
          { type: 'read', handle, path: info.path, count, offset, bytes },
          deadlineSeconds(bytes),
        )
        .catch(inDataset);
      if (reply.type !== 'data') throw replyError(file, reply, dataset);
      if (reply.bytes.length !== bytes)
        throw new WeightFileError(file, `HDF5: ${reply.bytes.length} bytes read, ${bytes} expected`, dataset);
      return reply.bytes;
    },
    async close() {
      if (closed) return;
      closed = true;
      service.openFiles--;
      if (generation === service.generation)
        await service.request(file, { type: 'close', handle }, deadlineSeconds(0)).catch(() => undefined);
      service.released();
    },
  };
}
