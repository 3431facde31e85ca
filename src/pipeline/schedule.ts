import { Cron } from 'croner';
import { resolve } from 'node:path';
import { ConflictError, InputError, isGoldsmithError, NotFoundError } from '../errors/index.js';
import type { Queryable, Store, Tx } from '../store/index.js';
import { loadTemplate } from '../template/index.js';
import type { BuildService } from './build-service.js';
import type { PipelineListener } from './events.js';
import type { RunRecord } from './run-store.js';

export interface Schedule {
  templateFile: string;
  templateName: string;
  cron: string;
  createdAt: string;
  lastDueAt: string | null;
  lastRunId: string | null;
}

const cols = `template_file AS "templateFile", template_name AS "templateName", cron, created_at AS "createdAt",
  last_due_at AS "lastDueAt", last_run_id AS "lastRunId"`;

/** The newest cron occurrence at or before `now` that is after `since` (UTC), if any. */
export function dueOccurrence(cron: string, since: Date, now: Date): Date | undefined {
  const c = new Cron(cron, { paused: true, timezone: 'UTC' });
  let due: Date | undefined;
  for (let t = c.nextRun(since); t && t <= now; t = c.nextRun(t)) due = t;
  return due;
}

/**
 * Monthly (or any cron) rebuilds of registered templates. `runDue` is meant to be called by a
 * systemd timer or cron every few minutes: each template whose cron fired since its last scheduled
 * run builds once (missed occurrences collapse into one build), as kind "scheduled".
 */
export class ScheduleService {
  constructor(
    private store: Store,
    private builds: BuildService,
    private clock: () => Date = () => new Date(),
  ) {}

  async add(file: string): Promise<Schedule> {
    const loaded = await loadTemplate(resolve(file));
    const cron = loaded.template.schedule?.cron;
    if (!cron) throw new InputError('SCHEDULE_NO_CRON', `${loaded.file} has no schedule.cron`, { where: `${loaded.file} (/schedule/cron)` });
    const [row] = await this.store.tx(async (tx) => {
      const r = await tx.query<Schedule>(
        `INSERT INTO build_schedules (template_file, template_name, cron) VALUES ($1, $2, $3)
         ON CONFLICT (template_file) DO UPDATE SET cron = EXCLUDED.cron, template_name = EXCLUDED.template_name
         RETURNING ${cols}`,
        [loaded.file, loaded.template.name, cron],
      );
      tx.emit({ type: 'build.schedule.set', subject: loaded.file, data: { cron } });
      return r;
    });
    return row!;
  }

  async remove(file: string): Promise<void> {
    const rows = await this.store.query('DELETE FROM build_schedules WHERE template_file = $1 RETURNING template_file', [resolve(file)]);
    if (rows.length === 0) throw new NotFoundError('SCHEDULE_NOT_FOUND', `no schedule for ${resolve(file)}`, { where: file });
  }

  async list(): Promise<Array<Schedule & { nextRun: string | null }>> {
    const rows = await this.store.query<Schedule>(`SELECT ${cols} FROM build_schedules ORDER BY template_name, template_file`);
    const now = this.clock();
    return rows.map((s) => ({ ...s, nextRun: new Cron(s.cron, { paused: true, timezone: 'UTC' }).nextRun(now)?.toISOString() ?? null }));
  }

  /** Which schedules are due now, without building (for --dry-run and tests). */
  async due(): Promise<Array<Schedule & { dueAt: string }>> {
    const now = this.clock();
    const out: Array<Schedule & { dueAt: string }> = [];
    for (const s of await this.list()) {
      const d = dueOccurrence(s.cron, new Date(s.lastDueAt ?? s.createdAt), now);
      if (d) out.push({ ...s, dueAt: d.toISOString() });
    }
    return out;
  }

  /** Build every due template, one after another; records the occurrence before building so a
   * crash does not rebuild in a loop (the run itself is resumable). An occurrence another process
   * claimed first is skipped. */
  async runDue(onEvent?: PipelineListener): Promise<RunRecord[]> {
    const runs: RunRecord[] = [];
    for (const s of await this.due()) {
      if (!(await this.claimOccurrence(this.store, s))) continue;
      const run = await this.builds.start(s.templateFile, { kind: 'scheduled', onEvent });
      await this.store.query('UPDATE build_schedules SET last_run_id = $2 WHERE template_file = $1', [s.templateFile, run.id]);
      runs.push(run);
    }
    return runs;
  }

  /**
   * For workers: queue a build of every due template. The occurrence is claimed in the transaction
   * that creates the queued run (and its job), so with any number of workers ticking at once each
   * occurrence yields exactly one run, and a crash between the two cannot lose or repeat it.
   * A template that cannot be queued (unreadable, invalid) is reported and the others still go.
   */
  async enqueueDue(enqueue: EnqueueScheduled): Promise<{ runs: RunRecord[]; failed: Array<{ templateFile: string; error: unknown }> }> {
    const runs: RunRecord[] = [];
    const failed: Array<{ templateFile: string; error: unknown }> = [];
    for (const s of await this.due()) {
      try {
        runs.push(await enqueue(s.templateFile, async (tx, run) => {
          if (!(await this.claimOccurrence(tx, s, run.id))) throw new ConflictError('SCHEDULE_ALREADY_FIRED', `the ${s.dueAt} occurrence of ${s.templateFile} was queued by another process`, { where: s.templateFile });
        }));
      } catch (e) {
        if (!(isGoldsmithError(e) && e.code === 'SCHEDULE_ALREADY_FIRED')) failed.push({ templateFile: s.templateFile, error: e });
      }
    }
    return { runs, failed };
  }

  /** Move the schedule to `dueAt` unless someone already did: one winner per occurrence (the row lock
   * makes a concurrent claimer wait and then see the new last_due_at). */
  private async claimOccurrence(q: Queryable, s: Schedule & { dueAt: string }, runId?: string): Promise<boolean> {
    const rows = await q.query(
      `UPDATE build_schedules SET last_due_at = $2, last_run_id = COALESCE($3, last_run_id)
       WHERE template_file = $1 AND (last_due_at IS NULL OR last_due_at < $2) RETURNING template_file`,
      [s.templateFile, s.dueAt, runId ?? null],
    );
    return rows.length === 1;
  }
}

/** Queue a scheduled build of a template; `claim` runs in the transaction creating the run and may refuse it. */
export type EnqueueScheduled = (templateFile: string, claim: (tx: Tx, run: RunRecord) => Promise<void>) => Promise<RunRecord>;
