// A pool of analysis workers. Each request goes to one idle worker and gets one answer.
// Cancelling a running request terminates its worker (which frees its memory at once) and
// starts a fresh one; a worker that dies fails only the request it was running.
import { Worker } from 'node:worker_threads';
import type { WorkerAnswer, WorkerRequest } from '../protocol';
import { CancelledError } from './errors';

interface Job {
  request: WorkerRequest;
  signal?: AbortSignal;
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  job?: Job;
}

export interface PoolOptions {
  resourceLimits?: { maxOldGenerationSizeMb: number };
  /** Given to every worker (see WorkerOptions in worker.ts). */
  workerData?: unknown;
}

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private disposed = false;

  constructor(
    private readonly workerPath: string,
    readonly size: number,
    private readonly options: PoolOptions = {},
  ) {}

  run(request: WorkerRequest, signal?: AbortSignal): Promise<WorkerAnswer> {
    if (this.disposed) return Promise.reject(new Error('The analysis pool was shut down'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const job: Job = { request, signal, resolve, reject };
      signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.dispatch();
    });
  }

  dispose(): Promise<unknown> {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new CancelledError());
    return Promise.all(this.slots.splice(0).map((slot) => this.stop(slot)));
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      let slot = this.slots.find((s) => !s.job);
      if (!slot && this.slots.length < this.size) slot = this.spawn();
      if (!slot) return;
      const job = this.queue.shift()!;
      slot.job = job;
      slot.worker.postMessage(job.request);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerPath, {
      resourceLimits: this.options.resourceLimits,
      workerData: this.options.workerData,
    });
    const slot: Slot = { worker };
    worker.on('message', (answer: WorkerAnswer) => {
      const job = slot.job;
      slot.job = undefined;
      job?.resolve(answer);
      this.dispatch();
    });
    const fail = (reason: string) => {
      this.remove(slot);
      slot.job?.reject(new Error(reason));
      slot.job = undefined;
      this.dispatch();
    };
    worker.on('error', (error) => fail(`The analysis worker failed: ${describeCrash(error)}`));
    worker.on('exit', (code) => {
      if (this.slots.includes(slot)) fail(`The analysis worker stopped unexpectedly (exit code ${code})`);
    });
    this.slots.push(slot);
    return slot;
  }

  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) this.queue.splice(queued, 1);
    const slot = this.slots.find((s) => s.job === job);
    if (slot) {
      slot.job = undefined;
      this.remove(slot);
      void this.stop(slot);
    }
    job.reject(new CancelledError());
    this.dispatch();
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
  }

  private stop(slot: Slot): Promise<number> {
    slot.worker.removeAllListeners('exit');
    return slot.worker.terminate();
  }
}

function describeCrash(error: Error): string {
  if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory';
  return error.message.split('\n')[0];
}
