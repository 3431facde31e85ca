import { existsSync } from 'node:fs';
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ensurePrivateDir, ensureScratchRoot, mkdirPrivate, PRIVATE_FILE_MODE } from '../config/private-files.js';
import { isGoldsmithError, type ErrorCode } from '../errors/index.js';
import { unpackRootfs } from '../image/index.js';
import { DEFAULT_SCRATCH_QUOTA, mountScratchQuota, sandboxGid, unmountScratchQuota } from '../sandbox/index.js';
import type { LoadedTemplate } from '../template/types.js';
import type { PipelineListener } from './events.js';
import { StepLog } from './step-log.js';
import type { RunRecord } from './run-store.js';
import type { PipelineServices, StepContext, StepDefinition } from './step.js';

interface RootfsMarker {
  /** The last step whose effect on the rootfs is complete, or the step that was mutating it. */
  after?: string;
  during?: string;
}

/** The marker lives beside the rootfs in scratch, so losing scratch loses both and forces a restore. */
const markerPath = (scratchRun: string) => join(scratchRun, 'rootfs.state.json');

const writeMarker = (scratchRun: string, m: RootfsMarker) => writeFile(markerPath(scratchRun), JSON.stringify(m), { mode: PRIVATE_FILE_MODE });

async function readMarker(scratchRun: string): Promise<RootfsMarker> {
  try {
    return JSON.parse(await readFile(markerPath(scratchRun), 'utf8')) as RootfsMarker;
  } catch {
    return {};
  }
}

/**
 * Executes a run's remaining steps. Each finished step is committed (with its outputs and log) before
 * the next starts. On resume the working rootfs is trusted only if the marker says the last
 * rootfs-changing step completed; otherwise it is restored from the newest checkpoint artifact and the
 * steps after that checkpoint run again. Nothing becomes visible outside the run until `publish`.
 */
export class Runner {
  constructor(
    private services: PipelineServices,
    private steps: readonly StepDefinition[],
    private onEvent: PipelineListener = () => {},
  ) {}

  /** `signal`: when aborted, stop before the next step (the run stays running and resumable). */
  async execute(initial: RunRecord, template: LoadedTemplate, opts: { resumed?: boolean; signal?: AbortSignal } = {}): Promise<RunRecord> {
    let run = initial;
    const started = Date.now();
    const now = () => this.services.clock().toISOString();
    const scratchRun = join(this.services.scratch, run.id);
    const rootfs = join(scratchRun, 'rootfs');
    await mkdirPrivate(run.workDir);
    // The rootfs inside keeps the image's own modes; the run directory around it is ours alone.
    await ensureScratchRoot(this.services.scratch, sandboxGid());
    await ensurePrivateDir(scratchRun, sandboxGid());
    // A hard size for everything the run's steps write (see scratch-quota.ts).
    await mountScratchQuota(scratchRun, this.services.scratchQuotaBytes ?? DEFAULT_SCRATCH_QUOTA);
    try {
      run = await this.runSteps(run, template, scratchRun, rootfs, opts, now);
    } finally {
      // The working rootfs goes with the run's scratch quota: nothing of a finished run stays
      // mounted, not even when a restore or the store throws (a tmpfs left mounted holds its
      // content in RAM). A needs-repair run restarts from prepare; a failed run resumed later
      // restores its checkpoint.
      await unmountScratchQuota(scratchRun);
      await rm(scratchRun, { recursive: true, force: true });
    }
    this.onEvent({ type: 'run.end', runId: run.id, state: run.state, durationMs: Date.now() - started, at: now(), error: run.error ? { code: run.error.code, message: run.error.message } : undefined });
    return run;
  }

  private async runSteps(initial: RunRecord, template: LoadedTemplate, scratchRun: string, rootfs: string, opts: { resumed?: boolean; signal?: AbortSignal }, now: () => string): Promise<RunRecord> {
    let run = initial;
    run = await this.restoreIfNeeded(run, scratchRun, rootfs);
    const startIdx = this.steps.findIndex((s) => !(s.name in run.outputs));
    this.onEvent({ type: 'run.start', runId: run.id, template: run.templateName, resumed: Boolean(opts.resumed), from: this.steps[startIdx]?.name ?? 'done', at: now() });

    for (let i = Math.max(startIdx, 0); i < this.steps.length && startIdx >= 0; i++) {
      if (opts.signal?.aborted) break;
      const step = this.steps[i]!;
      const lines = new StepLog();
      const ctx: StepContext = {
        run,
        template,
        workDir: run.workDir,
        rootfs,
        services: this.services,
        log: (line) => {
          lines.push(line);
          this.onEvent({ type: 'step.output', runId: run.id, step: step.name, line });
        },
        outputOf: <T>(name: string) => {
          const o = run.outputs[name];
          if (!o) throw new Error(`step ${step.name} needs the outputs of ${name}, which has not finished`);
          return o as T;
        },
      };
      const startedAt = now();
      const t0 = Date.now();
      this.onEvent({ type: 'step.start', runId: run.id, step: step.name, description: step.description, at: startedAt });
      if (step.rootfs === 'mutates' || step.rootfs === 'creates') await writeMarker(scratchRun, { during: step.name });
      try {
        const outcome = await step.run(ctx);
        const durationMs = Date.now() - t0;
        const last = i === this.steps.length - 1;
        const needsRepair = outcome.status === 'needs-repair';
        run = await this.services.runs.finishStep(
          run,
          { name: step.name, status: needsRepair ? 'failed' : 'succeeded', startedAt, finishedAt: now(), durationMs, result: outcome.result ?? outcome.outputs, log: lines.text() },
          needsRepair
            ? { state: 'needs-repair', error: { code: 'BUILD_CHECKS_FAILED' satisfies ErrorCode, message: 'validation failed; fix the template and run `goldsmith build resume`', step: step.name } }
            : { outputs: outcome.outputs, state: last ? 'succeeded' : undefined },
          outcome.commit,
        );
        if (step.rootfs === 'mutates' || step.rootfs === 'creates') await writeMarker(scratchRun, { after: step.name });
        this.onEvent({ type: 'step.end', runId: run.id, step: step.name, status: needsRepair ? 'needs-repair' : 'succeeded', durationMs, at: now() });
        if (needsRepair) break;
      } catch (e) {
        const durationMs = Date.now() - t0;
        const error = isGoldsmithError(e)
          ? { code: e.code, message: e.message, step: step.name, data: { where: e.where, ...e.data } }
          : { code: 'BUILD_STEP_CRASHED' satisfies ErrorCode, message: (e as Error).message ?? String(e), step: step.name };
        lines.push(`error: ${error.message}`);
        run = await this.services.runs.finishStep(
          run,
          { name: step.name, status: 'failed', startedAt, finishedAt: now(), durationMs, result: { error }, log: lines.text() },
          { state: 'failed', error },
        );
        this.onEvent({ type: 'step.end', runId: run.id, step: step.name, status: 'failed', durationMs, at: now(), error: error.message });
        break;
      }
    }
    return run;
  }

  /** Make the on-disk rootfs match the committed steps, restoring a checkpoint when it does not. */
  private async restoreIfNeeded(run: RunRecord, scratchRun: string, rootfs: string): Promise<RunRecord> {
    const done = this.steps.filter((s) => s.name in run.outputs);
    const lastRootfsStep = [...done].reverse().find((s) => s.rootfs === 'mutates' || s.rootfs === 'creates');
    const remaining = this.steps.filter((s) => !(s.name in run.outputs));
    if (!lastRootfsStep || remaining.every((s) => s.rootfs === 'none')) return run;
    const marker = await readMarker(scratchRun);
    if (marker.after === lastRootfsStep.name && !marker.during && existsSync(rootfs)) return run;
    // Newest finished step with a checkpoint whose artifact still exists.
    const withCheckpoint = [...done].reverse().find((s) => {
      const d = s.checkpoint?.(run.outputs[s.name]!);
      return d !== undefined && existsSync(this.services.artifacts.path(this.services.buildRegion, d));
    });
    const keep = withCheckpoint ? this.steps.slice(0, this.steps.indexOf(withCheckpoint) + 1).map((s) => s.name) : ['resolve-base'];
    const reason = marker.during ? `run stopped during ${marker.during}` : 'working rootfs missing or out of date';
    this.onEvent({ type: 'run.restore', runId: run.id, from: withCheckpoint?.name ?? 'prepare', reason, at: this.services.clock().toISOString() });
    await rm(rootfs, { recursive: true, force: true });
    if (withCheckpoint) {
      await mkdir(rootfs, { recursive: true });
      await unpackRootfs(this.services.artifacts.path(this.services.buildRegion, withCheckpoint.checkpoint!(run.outputs[withCheckpoint.name]!)!), rootfs);
      await writeMarker(scratchRun, { after: withCheckpoint.name });
    }
    return this.services.runs.reopen(run, { keepOutputsOf: keep });
  }
}
