import { setTimeout as sleep } from 'node:timers/promises';
import { isGoldsmithError } from '../errors/index.js';
import type { Job, JobError, JobQueue } from './queue.js';

/** What a handler gets besides the job: `signal` aborts when the worker shuts down or loses the lease. */
export interface JobContext {
  worker: string;
  signal: AbortSignal;
}

/** A handler's verdict. `released`: it stopped early on `signal` and the job should be handed back. */
export type JobOutcome =
  | { state: 'succeeded'; result?: Record<string, unknown> }
  | { state: 'failed'; result?: Record<string, unknown>; error: JobError }
  | { state: 'released' };

export type JobHandler = (job: Job, ctx: JobContext) => Promise<JobOutcome>;

export type WorkerEvent =
  | { type: 'worker.start'; worker: string; concurrency: number; kinds: string[] }
  | { type: 'job.claimed'; worker: string; job: number; kind: string; attempt: number }
  | { type: 'job.finished'; worker: string; job: number; kind: string; state: string; durationMs: number; error?: JobError }
  | { type: 'job.lost'; worker: string; job: number; kind: string }
  | { type: 'worker.tick-failed'; worker: string; error: JobError }
  | { type: 'worker.stop'; worker: string };

export interface WorkerOptions {
  id: string;
  concurrency?: number;
  /** How long a claim lasts without a heartbeat; heartbeats come every third of it. */
  leaseMs?: number;
  /** Pause between claims when the queue is empty. */
  pollMs?: number;
  /** Pause before a failed job is tried again. */
  retryDelayMs?: number;
  /** Work done every `tickMs` besides jobs (enqueueing due scheduled builds); errors are reported, not fatal. */
  tick?: () => Promise<void>;
  tickMs?: number;
  onEvent?: (e: WorkerEvent) => void;
}

/** Errors that say the job itself is wrong (bad input, missing record, conflict, a digest that does not match): trying again would not help. */
const permanent = (e: unknown) => isGoldsmithError(e) && ['usage', 'input', 'not-found', 'conflict', 'integrity', 'permission'].includes(e.kind);

const toJobError = (e: unknown): JobError =>
  isGoldsmithError(e) ? { code: e.code, message: e.message } : { code: 'JOB_HANDLER_CRASHED', message: (e as Error)?.message ?? String(e) };

/**
 * Runs jobs from the queue: `concurrency` slots, each claiming one job at a time and renewing its
 * lease while the handler runs. `stop()` stops claiming and aborts running handlers' signals; each
 * handler finishes what it cannot interrupt (a build finishes its current step) and hands its job
 * back, so another worker continues it at once instead of waiting for the lease to expire.
 */
export class Worker {
  private readonly stopping = new AbortController();
  private readonly running = new Set<AbortController>();
  private done?: Promise<void>;
  private readonly leaseMs: number;

  constructor(
    private queue: JobQueue,
    private handlers: Readonly<Record<string, JobHandler>>,
    private opts: WorkerOptions,
  ) {
    this.leaseMs = opts.leaseMs ?? 60_000;
  }

  /** Start the slots (and the tick); resolves when all have stopped after `stop()`. */
  run(): Promise<void> {
    const n = Math.max(1, this.opts.concurrency ?? 1);
    this.emit({ type: 'worker.start', worker: this.opts.id, concurrency: n, kinds: Object.keys(this.handlers) });
    const loops = Array.from({ length: n }, () => this.slot());
    if (this.opts.tick) loops.push(this.ticker(this.opts.tick));
    this.done ??= Promise.all(loops).then(() => this.emit({ type: 'worker.stop', worker: this.opts.id }));
    return this.done;
  }

  /** Stop claiming, ask running handlers to stop, and wait for the slots to end. */
  async stop(): Promise<void> {
    this.stopping.abort();
    for (const c of this.running) c.abort();
    await this.done;
  }

  private emit(e: WorkerEvent): void {
    this.opts.onEvent?.(e);
  }

  private async slot(): Promise<void> {
    const kinds = Object.keys(this.handlers);
    while (!this.stopping.signal.aborted) {
      const job = await this.queue.claim(this.opts.id, { leaseMs: this.leaseMs, kinds });
      if (job) await this.runJob(job);
      else await this.pause(this.opts.pollMs ?? 1000);
    }
  }

  private async ticker(tick: () => Promise<void>): Promise<void> {
    while (!this.stopping.signal.aborted) {
      await tick().catch((e: unknown) => this.emit({ type: 'worker.tick-failed', worker: this.opts.id, error: toJobError(e) }));
      await this.pause(this.opts.tickMs ?? 30_000);
    }
  }

  private pause(ms: number): Promise<void> {
    return sleep(ms, undefined, { signal: this.stopping.signal }).catch(() => {});
  }

  private async runJob(job: Job): Promise<void> {
    const t0 = Date.now();
    const ctl = new AbortController();
    this.running.add(ctl);
    if (this.stopping.signal.aborted) ctl.abort();
    let lost = false;
    const beat = setInterval(() => {
      this.queue.heartbeat(job, this.opts.id, this.leaseMs).then(
        (held) => {
          if (held || lost) return;
          lost = true;
          this.emit({ type: 'job.lost', worker: this.opts.id, job: job.id, kind: job.kind });
          ctl.abort();
        },
        () => {}, // a missed beat is retried at the next one; the lease has two more in reserve
      );
    }, Math.max(10, Math.floor(this.leaseMs / 3)));
    this.emit({ type: 'job.claimed', worker: this.opts.id, job: job.id, kind: job.kind, attempt: job.attempts });
    try {
      const outcome = await this.handlers[job.kind]!(job, { worker: this.opts.id, signal: ctl.signal }).catch((e: unknown) => ({ state: 'threw' as const, e }));
      clearInterval(beat);
      if (lost) return;
      const state = await this.settle(job, outcome);
      this.emit({ type: 'job.finished', worker: this.opts.id, job: job.id, kind: job.kind, state: state ?? 'lost', durationMs: Date.now() - t0, ...('error' in outcome ? { error: outcome.error as JobError } : 'e' in outcome ? { error: toJobError(outcome.e) } : {}) });
    } finally {
      clearInterval(beat);
      this.running.delete(ctl);
    }
  }

  /** Record the outcome under this worker's claim; the job's new state, or undefined if the claim was lost. */
  private async settle(job: Job, outcome: JobOutcome | { state: 'threw'; e: unknown }): Promise<string | undefined> {
    const me = this.opts.id;
    switch (outcome.state) {
      case 'released':
        return (await this.queue.release(job, me)) ? 'released' : undefined;
      case 'threw':
        if (permanent(outcome.e)) return (await this.queue.complete(job, me, { state: 'failed', error: toJobError(outcome.e) })) ? 'failed' : undefined;
        return this.queue.retryOrFail(job, me, toJobError(outcome.e), this.opts.retryDelayMs ?? 5000);
      default:
        return (await this.queue.complete(job, me, outcome)) ? outcome.state : undefined;
    }
  }
}
