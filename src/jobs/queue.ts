import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Queryable, Store } from '../store/index.js';

export type JobState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface JobError {
  code: string;
  message: string;
}

export interface Job<P = Record<string, unknown>> {
  id: number;
  kind: string;
  payload: P;
  state: JobState;
  /** Claims so far. The value at claim time is the claim's fencing token: a worker whose job was
   * taken over (its lease expired) holds an older number, and every write it tries is refused. */
  attempts: number;
  maxAttempts: number;
  dedupeKey: string | null;
  runAfter: string;
  leaseOwner: string | null;
  leaseExpiresAt: string | null;
  heartbeatAt: string | null;
  result: Record<string, unknown> | null;
  error: JobError | null;
  createdAt: string;
  startedAt: string | null;
  updatedAt: string;
  finishedAt: string | null;
}

export interface EnqueueOptions {
  /** At most one job ever carries a key: a second enqueue with it is refused (JOB_DUPLICATE). */
  dedupeKey?: string;
  maxAttempts?: number;
  /** Not claimable before this many milliseconds from now. */
  delayMs?: number;
}

const cols = `id, kind, payload, state, attempts, max_attempts AS "maxAttempts", dedupe_key AS "dedupeKey",
  run_after AS "runAfter", lease_owner AS "leaseOwner", lease_expires_at AS "leaseExpiresAt",
  heartbeat_at AS "heartbeatAt", result, error, created_at AS "createdAt", started_at AS "startedAt",
  updated_at AS "updatedAt", finished_at AS "finishedAt"`;

/** The claim a worker holds: job id, its name, and the attempt (fencing token) it claimed. */
const held = `id = $1 AND state = 'running' AND lease_owner = $2 AND attempts = $3`;

/** PostgreSQL's unique_violation, the same code on both backends. */
export const isUniqueViolation = (e: unknown) => (e as { code?: string } | null)?.code === '23505';

/**
 * The job queue in the database, shared by every worker on every machine. Times come from the
 * database clock (`now()`), never from a worker's, so machines with skewed clocks agree on leases.
 *
 * Claiming is one statement: the inner SELECT … FOR UPDATE SKIP LOCKED picks the oldest claimable
 * row no other transaction is looking at, the UPDATE takes it, and RETURNING hands it over. On
 * PostgreSQL concurrent claimers therefore never get the same job and never wait for each other;
 * PGlite runs the same statement on its single connection, where statements cannot interleave at all.
 */
export class JobQueue {
  constructor(private store: Store) {}

  /** Add a job; `q` lets a caller enqueue inside its own transaction (with the record the job is about). */
  async enqueue<P extends object>(kind: string, payload: P, opts: EnqueueOptions = {}, q: Queryable = this.store): Promise<Job<P>> {
    try {
      const [row] = await q.query<Job<P>>(
        `INSERT INTO jobs (kind, payload, dedupe_key, max_attempts, run_after)
         VALUES ($1, $2, $3, $4, now() + $5 * interval '1 millisecond') RETURNING ${cols}`,
        [kind, payload, opts.dedupeKey ?? null, opts.maxAttempts ?? 3, opts.delayMs ?? 0],
      );
      return row!;
    } catch (e) {
      if (isUniqueViolation(e)) throw new ConflictError('JOB_DUPLICATE', `a job with key ${opts.dedupeKey} already exists`, { where: opts.dedupeKey });
      throw e;
    }
  }

  /**
   * Take the oldest job that is waiting, or whose worker's lease expired (the worker died), for
   * `owner` with a lease of `leaseMs`. A job whose lease expired on its last allowed attempt is
   * failed first instead of handed out again, so a job that kills its workers stops eventually.
   */
  async claim(owner: string, opts: { leaseMs: number; kinds?: readonly string[] }): Promise<Job | undefined> {
    await this.failExhausted();
    const [row] = await this.store.query<Job>(
      `UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = $1,
         lease_expires_at = now() + $2 * interval '1 millisecond', heartbeat_at = now(),
         started_at = COALESCE(started_at, now()), updated_at = now()
       WHERE id = (
         SELECT id FROM jobs
         WHERE ((state = 'queued' AND run_after <= now())
                OR (state = 'running' AND lease_expires_at < now() AND attempts < max_attempts))
           AND ($3::text[] IS NULL OR kind = ANY($3::text[]))
         ORDER BY run_after, id
         LIMIT 1
         FOR UPDATE SKIP LOCKED)
       RETURNING ${cols}`,
      [owner, opts.leaseMs, opts.kinds ? [...opts.kinds] : null],
    );
    return row;
  }

  /** Jobs whose lease expired on their last attempt: their worker died every time. */
  private async failExhausted(): Promise<void> {
    await this.store.query(
      `UPDATE jobs SET state = 'failed', finished_at = now(), updated_at = now(), lease_owner = NULL,
         error = jsonb_build_object('code', 'JOB_LEASE_EXHAUSTED', 'message',
           'the worker holding this job stopped renewing its lease on each of ' || attempts || ' attempts')
       WHERE state = 'running' AND lease_expires_at < now() AND attempts >= max_attempts`,
    );
  }

  /** Renew the lease. False when the claim is no longer this worker's (expired and taken, or cancelled). */
  async heartbeat(job: Job, owner: string, leaseMs: number): Promise<boolean> {
    const rows = await this.store.query(
      `UPDATE jobs SET lease_expires_at = now() + $4 * interval '1 millisecond', heartbeat_at = now(), updated_at = now()
       WHERE ${held} RETURNING id`,
      [job.id, owner, job.attempts, leaseMs],
    );
    return rows.length === 1;
  }

  /** Finish a claimed job. False when the claim was lost meanwhile (the result is then not recorded). */
  async complete(job: Job, owner: string, outcome: { state: 'succeeded' | 'failed'; result?: Record<string, unknown>; error?: JobError }): Promise<boolean> {
    const rows = await this.store.query(
      `UPDATE jobs SET state = $4, result = $5, error = $6, lease_owner = NULL, lease_expires_at = NULL,
         finished_at = now(), updated_at = now()
       WHERE ${held} RETURNING id`,
      [job.id, owner, job.attempts, outcome.state, outcome.result ?? null, outcome.error ?? null],
    );
    return rows.length === 1;
  }

  /**
   * A handler failed: queue the job again after `retryDelayMs` while attempts remain, else fail it.
   * Returns the state the job is in now, or undefined when the claim was lost.
   */
  async retryOrFail(job: Job, owner: string, error: JobError, retryDelayMs: number): Promise<JobState | undefined> {
    const [row] = await this.store.query<{ state: JobState }>(
      `UPDATE jobs SET error = $4, lease_owner = NULL, lease_expires_at = NULL, updated_at = now(),
         state = CASE WHEN attempts < max_attempts THEN 'queued' ELSE 'failed' END,
         run_after = now() + $5 * interval '1 millisecond',
         finished_at = CASE WHEN attempts < max_attempts THEN NULL ELSE now() END
       WHERE ${held} RETURNING state`,
      [job.id, owner, job.attempts, error, retryDelayMs],
    );
    return row?.state;
  }

  /** Hand a claimed job back untouched (a worker shutting down): it does not count as an attempt. */
  async release(job: Job, owner: string): Promise<boolean> {
    const rows = await this.store.query(
      `UPDATE jobs SET state = 'queued', attempts = attempts - 1, lease_owner = NULL, lease_expires_at = NULL,
         run_after = now(), updated_at = now()
       WHERE ${held} RETURNING id`,
      [job.id, owner, job.attempts],
    );
    return rows.length === 1;
  }

  /** Cancel a job that has not finished. A running job's worker sees it at its next heartbeat. */
  async cancel(id: number): Promise<Job> {
    const [row] = await this.store.query<Job>(
      `UPDATE jobs SET state = 'cancelled', lease_owner = NULL, lease_expires_at = NULL, finished_at = now(), updated_at = now()
       WHERE id = $1 AND state IN ('queued', 'running') RETURNING ${cols}`,
      [id],
    );
    if (row) return row;
    const job = await this.get(id);
    throw new ConflictError('JOB_FINISHED', `job ${id} is already ${job.state}`, { where: String(id) });
  }

  async get(id: number): Promise<Job> {
    const [row] = await this.store.query<Job>(`SELECT ${cols} FROM jobs WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError('JOB_NOT_FOUND', `no job ${id}`, { where: String(id) });
    return row;
  }

  list(opts: { state?: JobState; kind?: string; limit?: number } = {}): Promise<Job[]> {
    return this.store.query<Job>(
      `SELECT ${cols} FROM jobs WHERE ($1::text IS NULL OR state = $1) AND ($2::text IS NULL OR kind = $2)
       ORDER BY id DESC LIMIT $3`,
      [opts.state ?? null, opts.kind ?? null, opts.limit ?? 50],
    );
  }
}
