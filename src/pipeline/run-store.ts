import { ConflictError, NotFoundError } from '../errors/index.js';
import type { Queryable, Store, Tx } from '../store/index.js';
import type { Template } from '../template/types.js';

/** `queued`: created by `BuildService.enqueue`, waiting for a worker to take its job. */
export type RunState = 'queued' | 'running' | 'needs-repair' | 'failed' | 'succeeded';
export type RunKind = 'on-demand' | 'scheduled' | 'emergency';

export interface RunParams {
  /** Emergency builds: CVE ids, patch date, package pins that override the template's. */
  /** An out-of-band build: the CVE ids and other advisory ids it answers (at least one), the patch date, the pinned fixes. */
  emergency?: { cves: string[]; advisories?: string[]; patchDate: string; pins?: string[] };
  /** Explicit gallery version (overrides the template's versioning). */
  version?: string;
  /** Disk formats to produce besides the rootfs archive. */
  outputs?: Array<'raw' | 'qcow2' | 'vhd'>;
}

export interface RunRecord {
  id: string;
  templateName: string;
  templateFile: string;
  templateDigest: string;
  template: Template;
  kind: RunKind;
  state: RunState;
  params: RunParams;
  /** Accumulated outputs of finished steps, keyed by step name. */
  outputs: Record<string, Record<string, unknown>>;
  workDir: string;
  /** Fencing token: bumped whenever an executor takes the run over; only that executor may commit steps. */
  attempt: number;
  error: { code: string; message: string; step?: string; data?: unknown } | null;
  createdAt: string;
  updatedAt: string;
  finishedAt: string | null;
}

export interface StepRecord {
  runId: string;
  seq: number;
  name: string;
  status: 'succeeded' | 'failed';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  result: Record<string, unknown>;
  log: string;
}

const runCols = `id, template_name AS "templateName", template_file AS "templateFile", template_digest AS "templateDigest",
  template, kind, state, params, outputs, work_dir AS "workDir", attempt, error, created_at AS "createdAt",
  updated_at AS "updatedAt", finished_at AS "finishedAt"`;
const stepCols = `run_id AS "runId", seq, name, status, started_at AS "startedAt", finished_at AS "finishedAt",
  duration_ms AS "durationMs", result, log`;

/** Persistence of runs and steps. Every method is one statement or one transaction. */
export class RunStore {
  constructor(private store: Store) {}

  /** A new run, running (executed right away) or queued (a worker executes it); `then` runs in the
   * same transaction, so a queued run and the job that will execute it exist together or not at all. */
  async create(
    run: Omit<RunRecord, 'createdAt' | 'updatedAt' | 'finishedAt' | 'error' | 'outputs' | 'state' | 'attempt'>,
    opts: { state?: 'running' | 'queued'; then?: (tx: Tx, run: RunRecord) => Promise<void> } = {},
  ): Promise<RunRecord> {
    const state = opts.state ?? 'running';
    return this.store.tx(async (tx) => {
      const [row] = await tx.query<RunRecord>(
        `INSERT INTO build_runs (id, template_name, template_file, template_digest, template, kind, state, params, work_dir)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) RETURNING ${runCols}`,
        [run.id, run.templateName, run.templateFile, run.templateDigest, run.template, run.kind, state, run.params, run.workDir],
      );
      await opts.then?.(tx, row!);
      tx.emit({ type: state === 'queued' ? 'build.run.queued' : 'build.run.started', subject: run.id, data: { template: run.templateName, kind: run.kind } });
      return row!;
    });
  }

  async get(id: string, q: Queryable = this.store): Promise<RunRecord> {
    const [row] = await q.query<RunRecord>(`SELECT ${runCols} FROM build_runs WHERE id = $1`, [id]);
    if (!row) throw new NotFoundError('BUILD_RUN_NOT_FOUND', `no build run ${id}`, { where: id });
    return row;
  }

  async list(opts: { template?: string; state?: string; limit?: number } = {}): Promise<RunRecord[]> {
    return this.store.query<RunRecord>(
      `SELECT ${runCols} FROM build_runs
       WHERE ($1::text IS NULL OR template_name = $1) AND ($2::text IS NULL OR state = $2)
       ORDER BY created_at DESC, id DESC LIMIT $3`,
      [opts.template ?? null, opts.state ?? null, opts.limit ?? 50],
    );
  }

  async steps(runId: string): Promise<StepRecord[]> {
    return this.store.query<StepRecord>(`SELECT ${stepCols} FROM build_steps WHERE run_id = $1 ORDER BY seq`, [runId]);
  }

  /** Record a finished step and merge its outputs into the run, atomically. `extra` runs in the same
   * transaction (publish uses it to make the gallery version visible together with the run's success). */
  async finishStep(
    run: RunRecord,
    step: Omit<StepRecord, 'runId' | 'seq'>,
    patch: { outputs?: Record<string, unknown>; state?: RunState; error?: RunRecord['error'] },
    extra?: (tx: Tx) => Promise<void>,
  ): Promise<RunRecord> {
    return this.store.tx(async (tx) => {
      await assertHeld(tx, run);
      if (extra) await extra(tx);
      const [{ next }] = (await tx.query<{ next: number }>(
        'SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM build_steps WHERE run_id = $1',
        [run.id],
      )) as [{ next: number }];
      await tx.query(
        `INSERT INTO build_steps (run_id, seq, name, status, started_at, finished_at, duration_ms, result, log)
         VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
        [run.id, next, step.name, step.status, step.startedAt, step.finishedAt, step.durationMs, step.result, step.log],
      );
      const outputs = patch.outputs ? { ...run.outputs, [step.name]: patch.outputs } : run.outputs;
      const terminal = patch.state && patch.state !== 'running';
      const [row] = await tx.query<RunRecord>(
        `UPDATE build_runs SET outputs = $2, state = COALESCE($3, state), error = $4, updated_at = now(),
           finished_at = CASE WHEN $5::boolean THEN now() ELSE NULL END
         WHERE id = $1 RETURNING ${runCols}`,
        [run.id, outputs, patch.state ?? null, patch.error === undefined ? run.error : patch.error, Boolean(terminal)],
      );
      tx.emit({ type: `build.step.${step.status}`, subject: run.id, data: { step: step.name } });
      if (terminal) tx.emit({ type: `build.run.${patch.state}`, subject: run.id });
      return row!;
    });
  }

  /**
   * Put the run back to running, optionally with a new template revision and with only the outputs
   * of `keepOutputsOf` kept (the other steps' rows stay as history). `takeOver` starts a new attempt
   * (a resume: whoever executed the run before may no longer commit); without it the caller must
   * hold the current attempt (the runner restoring a checkpoint mid-execution).
   */
  async reopen(run: RunRecord, opts: { template?: Template; templateDigest?: string; keepOutputsOf: string[]; takeOver?: boolean }): Promise<RunRecord> {
    const outputs = Object.fromEntries(Object.entries(run.outputs).filter(([k]) => opts.keepOutputsOf.includes(k)));
    return this.store.tx(async (tx) => {
      if (!opts.takeOver) await assertHeld(tx, run);
      const [row] = await tx.query<RunRecord>(
        `UPDATE build_runs SET state = 'running', error = NULL, finished_at = NULL, updated_at = now(), outputs = $2,
           template = COALESCE($3, template), template_digest = COALESCE($4, template_digest),
           attempt = attempt + CASE WHEN $5::boolean THEN 1 ELSE 0 END
         WHERE id = $1 RETURNING ${runCols}`,
        [run.id, outputs, opts.template ?? null, opts.templateDigest ?? null, Boolean(opts.takeOver)],
      );
      tx.emit({ type: 'build.run.resumed', subject: run.id });
      return row!;
    });
  }
}

/**
 * Lock the run's row and check that `run` is still the attempt executing it. A worker that lost its
 * job (lease expired while it was stalled, another worker resumed the run) gets BUILD_RUN_SUPERSEDED
 * at its next commit, before anything it would publish is written: a run publishes at most once.
 */
async function assertHeld(tx: Tx, run: RunRecord): Promise<void> {
  const [cur] = await tx.query<{ attempt: number; state: RunState }>('SELECT attempt, state FROM build_runs WHERE id = $1 FOR UPDATE', [run.id]);
  if (!cur) throw new NotFoundError('BUILD_RUN_NOT_FOUND', `no build run ${run.id}`, { where: run.id });
  if (cur.attempt !== run.attempt || cur.state !== 'running') {
    throw new ConflictError('BUILD_RUN_SUPERSEDED', `run ${run.id} is now ${cur.state} under attempt ${cur.attempt}; this executor (attempt ${run.attempt}) stops without committing`, { where: run.id });
  }
}
