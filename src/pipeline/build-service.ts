import { createHash, randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirPrivate } from '../config/private-files.js';
import { ConflictError, isGoldsmithError } from '../errors/index.js';
import { acquireDirLock } from '../store/lock.js';
import { assertBaseCanBoot, loadTemplate, loadTemplateText } from '../template/index.js';
import type { Tx } from '../store/index.js';
import type { LoadedTemplate } from '../template/types.js';
import type { PipelineListener } from './events.js';
import { PIPELINE } from './registry.js';
import type { RunKind, RunParams, RunRecord } from './run-store.js';
import { Runner } from './runner.js';
import type { PipelineServices, StepDefinition } from './step.js';

export function newRunId(now: Date): string {
  const ts = now.toISOString().replace(/[-:]/g, '').replace(/\..*/, '');
  return `run-${ts}-${randomBytes(3).toString('hex')}`;
}

const FINISHED: ReadonlySet<RunRecord['state']> = new Set(['succeeded', 'failed', 'needs-repair']);

/** BUILD_RUN_BUSY naming a holder on another machine. */
function heldElsewhere(e: unknown): boolean {
  const holder = isGoldsmithError(e) && e.code === 'BUILD_RUN_BUSY' ? (e.data as { holder?: { host?: string } } | undefined)?.holder : undefined;
  return holder !== undefined && holder.host !== hostname();
}

const canon = (v: unknown) => JSON.stringify(v, Object.keys(v as object).sort());

/** Use cases of the build pipeline: start a build, resume one, look at runs. Edges (CLI, server) call this. */
export class BuildService {
  constructor(
    private services: PipelineServices,
    private home: string,
    private steps: readonly StepDefinition[] = PIPELINE,
  ) {}

  async start(templateFile: string, opts: { kind?: RunKind; params?: RunParams; onEvent?: PipelineListener } = {}): Promise<RunRecord> {
    const loaded = await loadTemplate(resolve(templateFile));
    return this.startLoaded(loaded, opts);
  }

  async startLoaded(loaded: LoadedTemplate, opts: { kind?: RunKind; params?: RunParams; onEvent?: PipelineListener } = {}): Promise<RunRecord> {
    await this.assertBaseCanBoot(loaded);
    const id = newRunId(this.services.clock());
    const workDir = join(this.home, 'runs', id);
    await mkdirPrivate(workDir);
    const run = await this.services.runs.create({
      id,
      templateName: loaded.template.name,
      templateFile: loaded.file,
      templateDigest: loaded.digest,
      template: loaded.template,
      kind: opts.kind ?? (opts.params?.emergency ? 'emergency' : 'on-demand'),
      params: opts.params ?? {},
      workDir,
    });
    return this.execute(run, loaded, opts.onEvent, false);
  }

  /**
   * Like a template error, a Gen2 / Trusted Launch claim on a base that cannot boot is refused before
   * a run exists (a resumed run keeps its source and distribute, so it was checked at start). A base
   * that does not resolve is left to the resolve-base step, which records that failure on the run.
   */
  private async assertBaseCanBoot(loaded: LoadedTemplate): Promise<void> {
    const base = await this.services.catalog.resolve(loaded.template.source).catch((e: unknown) => {
      if (isGoldsmithError(e) && e.kind === 'not-found') return undefined;
      throw e;
    });
    if (base) assertBaseCanBoot(loaded, base);
  }

  /**
   * Keep a template sent as a document (the API) as `<home>/submitted/<sha256>/template.json` (where
   * workers and resumes read it again) and load it for `enqueue`. Relative file references resolve in that directory, which
   * holds nothing else, so a submitted template reaches no file of the server's beyond the template
   * roots the operator configured.
   */
  async saveSubmitted(doc: unknown): Promise<LoadedTemplate> {
    const text = JSON.stringify(doc);
    const dir = join(this.home, 'submitted', createHash('sha256').update(text).digest('hex'));
    await mkdirPrivate(dir);
    const file = join(dir, 'template.json');
    await writeFile(file, text, { mode: 0o600 });
    // Errors name it `template.json`, not where the server keeps it; the run keeps the real file.
    return { ...(await loadTemplateText(text, 'template.json', { baseDir: dir })), file };
  }

  /**
   * Create the run queued, with the job that will execute it (`enqueueJob`, given the transaction),
   * and return at once: a worker takes the job and calls `executeQueued`. Template and base are
   * checked now, so a bad template is refused here rather than failing later in a worker.
   */
  async enqueue(
    templateFile: string | LoadedTemplate,
    enqueueJob: (tx: Tx, run: RunRecord) => Promise<void>,
    opts: { kind?: RunKind; params?: RunParams } = {},
  ): Promise<RunRecord> {
    const loaded = typeof templateFile === 'string' ? await loadTemplate(resolve(templateFile)) : templateFile;
    await this.assertBaseCanBoot(loaded);
    const id = newRunId(this.services.clock());
    const workDir = join(this.home, 'runs', id);
    await mkdirPrivate(workDir);
    try {
      return await this.services.runs.create(
        { id, templateName: loaded.template.name, templateFile: loaded.file, templateDigest: loaded.digest, template: loaded.template, kind: opts.kind ?? (opts.params?.emergency ? 'emergency' : 'on-demand'), params: opts.params ?? {}, workDir },
        { state: 'queued', then: enqueueJob },
      );
    } catch (e) {
      await rm(workDir, { recursive: true, force: true });
      throw e;
    }
  }

  /**
   * Execute a queued run for a worker, or resume it when an earlier worker died executing it. A run
   * that already finished is returned as it is: a job taken up again after its worker committed the
   * run's end (and died before closing the job) never builds or publishes a second time. With
   * `signal` aborted the run stops before its next step and stays resumable (state running).
   */
  async executeQueued(runId: string, opts: { onEvent?: PipelineListener; signal?: AbortSignal } = {}): Promise<RunRecord> {
    const first = await this.services.runs.get(runId);
    if (FINISHED.has(first.state)) return first;
    return this.withRunLock(first, { jobHolder: true }, async () => {
      const run = await this.services.runs.get(runId);
      if (FINISHED.has(run.state)) return run;
      const reopened = await this.reopenForResume(run);
      return new Runner(this.services, this.steps, opts.onEvent).execute(reopened.run, reopened.loaded, { resumed: run.state !== 'queued', signal: opts.signal });
    });
  }

  /**
   * Resume a run that stopped: killed mid-way (continues at the first unfinished step, restoring the
   * rootfs from the last checkpoint), failed, or needs-repair. The template is read again; when it
   * changed, the run restarts from customisation on the same base (never rebuilt).
   */
  async resume(runId: string, opts: { onEvent?: PipelineListener } = {}): Promise<RunRecord> {
    const first = await this.services.runs.get(runId);
    if (first.state === 'succeeded') throw new ConflictError('BUILD_ALREADY_SUCCEEDED', `run ${runId} already succeeded; start a new build`, { where: runId });
    // The run directory's lock first: taking the run over (a new attempt) while another process
    // still executes it would only stop that process's commits and then fail here with BUILD_RUN_BUSY.
    return this.withRunLock(first, {}, async () => {
      const run = await this.services.runs.get(runId);
      if (run.state === 'succeeded') throw new ConflictError('BUILD_ALREADY_SUCCEEDED', `run ${runId} already succeeded; start a new build`, { where: runId });
      const reopened = await this.reopenForResume(run);
      return new Runner(this.services, this.steps, opts.onEvent).execute(reopened.run, reopened.loaded, { resumed: true });
    });
  }

  /** Re-read the template and take the run over as a new attempt, keeping what may be kept. */
  private async reopenForResume(run: RunRecord): Promise<{ run: RunRecord; loaded: LoadedTemplate }> {
    const loaded = await loadTemplate(run.templateFile);
    const changed = loaded.digest !== run.templateDigest;
    if (changed) {
      for (const key of ['source', 'distribute'] as const) {
        if (canon(loaded.template[key]) !== canon(run.template[key])) {
          throw new ConflictError('BUILD_RESUME_TEMPLATE_CHANGED', `the template's ${key} changed since run ${run.id} started; start a new build instead`, { where: `${run.templateFile} (/${key})` });
        }
      }
    }
    const reopened = changed || run.state === 'needs-repair'
      ? await this.services.runs.reopen(run, { template: loaded.template, templateDigest: loaded.digest, keepOutputsOf: ['resolve-base'], takeOver: true })
      : await this.services.runs.reopen(run, { keepOutputsOf: Object.keys(run.outputs), takeOver: true });
    return { run: reopened, loaded };
  }

  private async execute(run: RunRecord, loaded: LoadedTemplate, onEvent: PipelineListener | undefined, resumed: boolean): Promise<RunRecord> {
    return this.withRunLock(run, {}, () => new Runner(this.services, this.steps, onEvent).execute(run, loaded, { resumed }));
  }

  /**
   * One executor per run on a machine: the run directory's lock, which also keeps two executors off
   * the machine's scratch copy of the run. A lock held on another machine cannot be judged from here
   * (its holder may be alive); a worker holding the run's job (`jobHolder`) goes on without it, because
   * the job's lease says that holder lost the run, its scratch is on its own machine, and the new
   * attempt this worker opens stops every commit it could still try.
   */
  private async withRunLock<T>(run: RunRecord, opts: { jobHolder?: boolean }, fn: () => Promise<T>): Promise<T> {
    let release = () => {};
    try {
      release = acquireDirLock(run.workDir, {
        noun: 'build run',
        code: 'BUILD_RUN_BUSY',
        hint: 'another process is executing this run; wait for it or stop it first',
        corruptCode: 'BUILD_RUN_LOCK_CORRUPT',
      });
    } catch (e) {
      if (!(opts.jobHolder && heldElsewhere(e))) throw e;
    }
    try {
      return await fn();
    } finally {
      release();
    }
  }

  list(opts: { template?: string; state?: string; limit?: number } = {}) {
    return this.services.runs.list(opts);
  }

  async show(runId: string) {
    const run = await this.services.runs.get(runId);
    return { run, steps: await this.services.runs.steps(runId) };
  }
}
