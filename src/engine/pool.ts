// A pool of analysis workers. Each request goes to one idle worker and gets one answer.
// Cancelling a running request terminates its worker (which frees its memory) and starts a fresh
// one when needed; a worker that dies fails only the request it was running.
// A worker idle for `idleTimeoutMs` (default 30 s) is stopped, so that the memory it retains goes
// back to the system once an analysis is over; the next request starts a fresh one.
// Requests that state their memory run only while the sum over the workers stays within the
// pool's budget (first come, first served: a job too big to run beside the others waits for
// them, and later jobs start around it only where they leave it its room; a job above the whole
// budget runs alone). A request that runs alone, with nothing queued that could run beside it,
// gets every thread of the pool (its engine shares the matrix's products over them), and nothing
// else starts until it ends.
import { availableParallelism, totalmem } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { WorkerAnswer, WorkerRequest } from '../protocol';
import { CancelledError } from './errors';

/** What one request needs in its worker, in bytes (see layerMemory in sizePolicy.ts). */
export interface JobMemory {
  /** Kept by the worker after the request (the engine's WebAssembly memory never shrinks). */
  retained: number;
  /** Freed when the request ends. */
  transient: number;
}

interface Job {
  request: WorkerRequest;
  signal?: AbortSignal;
  memory: JobMemory;
  resolve(answer: WorkerAnswer): void;
  reject(error: Error): void;
  /** The waiting head of the queue this job was started around (see `around`). */
  around?: Job;
  /** Threads its worker's engine may use (set when it starts). */
  threads?: number;
}

interface Slot {
  worker: Worker;
  job?: Job;
  /** Bytes the worker holds between requests: the largest `retained` of the requests it ran. */
  retained: number;
  /** Stops the worker when it has been idle for the pool's idleTimeoutMs. */
  idleTimer?: NodeJS.Timeout;
}

/** Bytes of the default budget per two cores [ours]: see defaultMemoryBudget. */
export const MEMORY_PER_TWO_CORES = 1.1 * 2 ** 30;

/**
 * Default budget for the analyses running at once [ours]: 1.1 GiB per two cores, so that on a
 * 2-core machine the whole analysis, with the processes' own memory (Node, V8 heaps, the engines'
 * code), stays within 1.5 GB of resident memory while more cores may run more big layers at once;
 * never more than half the machine's memory.
 */
export function defaultMemoryBudget(): number {
  const perCore = MEMORY_PER_TWO_CORES / 2;
  return Math.min(Math.max(MEMORY_PER_TWO_CORES, perCore * availableParallelism()), totalmem() / 2);
}

export interface PoolOptions {
  resourceLimits?: { maxOldGenerationSizeMb: number };
  /** Given to every worker (see WorkerOptions in worker.ts). */
  workerData?: unknown;
  /** Bytes the running requests may need together (default: defaultMemoryBudget()). */
  memoryBudget?: number;
  /** Milliseconds after which an idle worker is stopped (default IDLE_TIMEOUT_MS). */
  idleTimeoutMs?: number;
}

/** An idle worker's lifetime [ours]: long enough to serve the next analysis of a session without a restart. */
export const IDLE_TIMEOUT_MS = 30_000;

const NO_MEMORY: JobMemory = { retained: 0, transient: 0 };

export class WorkerPool {
  private readonly slots: Slot[] = [];
  private readonly queue: Job[] = [];
  private disposed = false;
  /** Bytes of workers being stopped (to make room, or cancelled), until their termination completes. */
  private stopping = 0;
  /** The most bytes the pool's requests and workers were counted to hold at once. */
  peakEstimate = 0;
  /** A dispatch is due at the end of this tick (requests made together are seen together). */
  private dispatchDue = false;

  constructor(
    private readonly workerPath: string,
    readonly size: number,
    private readonly options: PoolOptions = {},
  ) {}

  run(request: WorkerRequest, signal?: AbortSignal, memory: JobMemory = NO_MEMORY): Promise<WorkerAnswer> {
    if (this.disposed) return Promise.reject(new Error('The analysis pool was shut down'));
    if (signal?.aborted) return Promise.reject(new CancelledError());
    return new Promise<WorkerAnswer>((resolve, reject) => {
      const job: Job = { request, signal, memory, resolve, reject };
      signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      if (this.dispatchDue) return;
      this.dispatchDue = true;
      queueMicrotask(() => {
        this.dispatchDue = false;
        this.dispatch();
      });
    });
  }

  dispose(): Promise<unknown> {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new CancelledError());
    return Promise.all(this.slots.splice(0).map((slot) => this.stop(slot)));
  }

  private get budget(): number {
    return this.options.memoryBudget ?? defaultMemoryBudget();
  }

  private dispatch(): void {
    while (this.queue.length > 0) {
      // A request with every thread runs alone.
      if (this.slots.some((s) => (s.job?.threads ?? 1) > 1)) return;
      const head = this.queue[0];
      const slot = this.place(head.memory);
      if (slot) {
        this.start(head, slot);
        continue;
      }
      const later = this.around(head);
      if (!later) return;
      later.job.around = head;
      this.start(later.job, later.slot ?? this.spawn());
    }
  }

  private start(job: Job, slot: Slot): void {
    this.queue.splice(this.queue.indexOf(job), 1);
    clearTimeout(slot.idleTimer);
    // Alone, a request has the threads of every worker (its engine uses at most one per core).
    job.threads = this.alone(job) ? this.size : 1;
    slot.job = job;
    slot.retained = Math.max(slot.retained, job.memory.retained);
    this.peakEstimate = Math.max(this.peakEstimate, this.counted());
    slot.worker.postMessage(job.threads > 1 ? { ...job.request, threads: job.threads } : job.request);
  }

  /** Nothing else runs, and no queued request could run beside `job` (by memory). */
  private alone(job: Job): boolean {
    if (this.slots.some((s) => s.job) || this.stopping > 0) return false;
    const bytes = held(0, job.memory);
    return this.queue.every((q) => bytes + held(0, q.memory) > this.budget);
  }

  /**
   * A later request that may start while `head` waits for room: one that fits now without stopping
   * an idle worker, and beside which (and the others started around `head`) `head` fits too, so
   * that `head` still starts as soon as the requests it waits for have ended.
   */
  private around(head: Job): { job: Job; slot: Slot | undefined } | undefined {
    let reserved = held(0, head.memory);
    for (const s of this.slots) if (s.job?.around === head) reserved += held(s.retained, s.job.memory);
    for (const job of this.queue.slice(1)) {
      const best = this.cheapest(job.memory);
      if (!best) return undefined;
      if (best.total > this.budget) continue;
      if (reserved + held(best.slot?.retained ?? 0, job.memory) <= this.budget)
        return { job, slot: best.slot };
    }
    return undefined;
  }

  /** Bytes counted now: running requests, idle workers' retained memory, workers being stopped. */
  private counted(): number {
    let total = this.stopping;
    for (const s of this.slots) total += s.job ? held(s.retained, s.job.memory) : s.retained;
    return total;
  }

  /**
   * A worker for a request needing `memory`, or undefined when it must wait: the idle worker that
   * keeps the total smallest, else a new one; when the budget is exceeded only by what idle workers
   * retain, they are stopped (their memory is freed) and a new worker takes the request.
   */
  private place(memory: JobMemory): Slot | undefined {
    const best = this.cheapest(memory);
    if (!best) return undefined;
    if (best.total <= this.budget) return best.slot ?? this.spawn();
    const idle = this.slots.filter((s) => !s.job);
    const running = this.slots.some((s) => s.job) || this.stopping > 0;
    const freeable = idle.reduce((sum, s) => sum + s.retained, 0);
    if (freeable === 0 || this.counted() - freeable + held(0, memory) > this.budget) {
      if (running) return undefined;
      // Nothing else runs: the request runs alone, whatever it needs.
      if (freeable === 0) return best.slot ?? this.spawn();
    }
    for (const s of idle) if (s.retained > 0) this.recycle(s);
    // The stopped workers' memory counts until they have exited; dispatch runs again then.
    return undefined;
  }

  /**
   * The idle worker (or a new one: `slot` undefined) that keeps the pool's total smallest with a
   * request needing `memory`, and that total; undefined when every worker is busy.
   */
  private cheapest(memory: JobMemory): { slot: Slot | undefined; total: number } | undefined {
    const others = this.counted();
    const options: { slot: Slot | undefined; total: number }[] = this.slots
      .filter((s) => !s.job)
      .map((s) => ({ slot: s, total: others - s.retained + held(s.retained, memory) }));
    if (this.slots.length < this.size) options.push({ slot: undefined, total: others + held(0, memory) });
    options.sort((a, b) => a.total - b.total);
    return options[0];
  }

  /** Stops an idle worker to free the memory it retains. */
  private recycle(slot: Slot): void {
    this.remove(slot);
    this.stopping += slot.retained;
    void this.stop(slot).finally(() => {
      this.stopping -= slot.retained;
      this.dispatch();
    });
  }

  private spawn(): Slot {
    const worker = new Worker(this.workerPath, {
      resourceLimits: this.options.resourceLimits,
      workerData: this.options.workerData,
    });
    const slot: Slot = { worker, retained: 0 };
    worker.on('message', (answer: WorkerAnswer) => {
      const job = slot.job;
      slot.job = undefined;
      job?.resolve(answer);
      this.dispatch();
      if (!slot.job && this.slots.includes(slot)) {
        slot.idleTimer = setTimeout(() => this.recycle(slot), this.options.idleTimeoutMs ?? IDLE_TIMEOUT_MS);
        slot.idleTimer.unref();
      }
    });
    const fail = (reason: string) => {
      clearTimeout(slot.idleTimer);
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
      // The worker's memory is freed only once it has exited: it counts until then, so a request
      // waiting for the room does not start beside it (dispatch runs again when it has gone).
      const bytes = held(slot.retained, job.memory);
      slot.job = undefined;
      this.remove(slot);
      this.stopping += bytes;
      void this.stop(slot).finally(() => {
        this.stopping -= bytes;
        this.dispatch();
      });
    }
    job.reject(new CancelledError());
    this.dispatch();
  }

  private remove(slot: Slot): void {
    const index = this.slots.indexOf(slot);
    if (index >= 0) this.slots.splice(index, 1);
  }

  private stop(slot: Slot): Promise<number> {
    clearTimeout(slot.idleTimer);
    slot.worker.removeAllListeners('exit');
    return slot.worker.terminate();
  }
}

/** A worker's bytes while it runs a request, given what it retained before. */
function held(retained: number, memory: JobMemory): number {
  return Math.max(retained, memory.retained) + memory.transient;
}

function describeCrash(error: Error): string {
  if ((error as { code?: string }).code === 'ERR_WORKER_OUT_OF_MEMORY') return 'out of memory';
  return error.message.split('\n')[0];
}
