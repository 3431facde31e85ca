import { createHash, randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { mkdirPrivate } from '../config/private-files.js';
import { ConflictError, isGoldsmithError } from '../errors/index.js';
import { acquireDirLock } from '../store/lock.js';
import { assertBaseCanBoot, loadTemplate, loadTemplateText } from '../template/index.js';
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
    return (await this.beginLoaded(loaded, opts)).finished;
  }

  /**
   * Start a build and return as soon as its run exists: the server answers 202 with the run while
   * `finished` goes on. The caller must handle `finished` (it rejects when the build fails to run).
   */
  async begin(templateFile: string, opts: { kind?: RunKind; params?: RunParams; onEvent?: PipelineListener } = {}): Promise<{ run: RunRecord; finished: Promise<RunRecord> }> {
    return this.beginLoaded(await loadTemplate(resolve(templateFile)), opts);
  }

  /**
   * Start a build of a template sent as a document (the API). It is kept as
   * `<home>/submitted/<sha256>/template.json`, where resume reads it again; relative file references
   * resolve in that directory, which holds nothing else, so a submitted template reaches no file of
   * the server's beyond the template roots the operator configured.
   */
  async submit(doc: unknown, opts: { kind?: RunKind; params?: RunParams; onEvent?: PipelineListener } = {}): Promise<{ run: RunRecord; finished: Promise<RunRecord> }> {
    const text = JSON.stringify(doc);
    const dir = join(this.home, 'submitted', createHash('sha256').update(text).digest('hex'));
    await mkdirPrivate(dir);
    const file = join(dir, 'template.json');
    await writeFile(file, text, { mode: 0o600 });
    // Errors name it `template.json`, not where the server keeps it; the run keeps the real file for resume.
    const loaded = await loadTemplateText(text, 'template.json', { baseDir: dir });
    return this.beginLoaded({ ...loaded, file }, opts);
  }

  private async beginLoaded(loaded: LoadedTemplate, opts: { kind?: RunKind; params?: RunParams; onEvent?: PipelineListener }): Promise<{ run: RunRecord; finished: Promise<RunRecord> }> {
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
    return { run, finished: this.execute(run, loaded, opts.onEvent, false) };
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
   * Resume a run that stopped: killed mid-way (continues at the first unfinished step, restoring the
   * rootfs from the last checkpoint), failed, or needs-repair. The template is read again; when it
   * changed, the run restarts from customisation on the same base (never rebuilt).
   */
  async resume(runId: string, opts: { onEvent?: PipelineListener } = {}): Promise<RunRecord> {
    let run = await this.services.runs.get(runId);
    if (run.state === 'succeeded') throw new ConflictError('BUILD_ALREADY_SUCCEEDED', `run ${runId} already succeeded; start a new build`, { where: runId });
    const loaded = await loadTemplate(run.templateFile);
    const changed = loaded.digest !== run.templateDigest;
    if (changed) {
      for (const key of ['source', 'distribute'] as const) {
        if (canon(loaded.template[key]) !== canon(run.template[key])) {
          throw new ConflictError('BUILD_RESUME_TEMPLATE_CHANGED', `the template's ${key} changed since run ${runId} started; start a new build instead`, { where: `${run.templateFile} (/${key})` });
        }
      }
    }
    if (changed || run.state === 'needs-repair') {
      run = await this.services.runs.reopen(run, { template: loaded.template, templateDigest: loaded.digest, keepOutputsOf: ['resolve-base'] });
    } else {
      run = await this.services.runs.reopen(run, { keepOutputsOf: Object.keys(run.outputs) });
    }
    return this.execute(run, loaded, opts.onEvent, true);
  }

  private async execute(run: RunRecord, loaded: LoadedTemplate, onEvent: PipelineListener | undefined, resumed: boolean): Promise<RunRecord> {
    // One executor per run, also across processes sharing a PostgreSQL store.
    const release = acquireDirLock(run.workDir, {
      noun: 'build run',
      code: 'BUILD_RUN_BUSY',
      hint: 'another process is executing this run; wait for it or stop it first',
      corruptCode: 'BUILD_RUN_LOCK_CORRUPT',
    });
    try {
      return await new Runner(this.services, this.steps, onEvent).execute(run, loaded, { resumed });
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
