import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import { jobHandlers } from '../../src/app/job-handlers.js';
import { Worker } from '../../src/jobs/index.js';
import { setTimeout as sleep } from 'node:timers/promises';
import { RunStore } from '../../src/pipeline/run-store.js';
import { testApp, TEST_BASE } from '../support/app.js';
import { describeEachBackend } from '../support/stores.js';

describeEachBackend('builds as jobs', (backend) => {
  let now = new Date('2026-11-20T00:00:00Z');
  let app: App & { close(): Promise<void> };
  let dir: string;
  let file: string;
  before(async () => {
    app = await testApp(backend, { clock: () => now });
    dir = mkdtempSync(join(tmpdir(), 'gs-bjobs-'));
    writeFileSync(join(dir, 'motd'), 'queued\n');
    file = join(dir, 't.json');
    writeFileSync(file, JSON.stringify({
      name: 'queued',
      source: { ...TEST_BASE, version: 'latest' },
      customize: [{ type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: createHash('sha256').update('queued\n').digest('hex') }],
      distribute: { gallery: 'q', image: 'img', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], versioning: { scheme: 'latest' } },
      schedule: { cron: '0 3 1 * *' },
    }));
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('enqueue returns the queued run with its job; a template that cannot load leaves neither', async () => {
    const { run, job } = await app.buildJobs.enqueue(file, { params: { version: '1.0.0' } });
    assert.equal(run.state, 'queued');
    assert.equal(run.attempt, 1);
    assert.deepEqual(job.payload, { runId: run.id });
    assert.equal((await app.jobs.get(job.id)).kind, 'build');
    const before = (await app.store.query('SELECT id FROM build_runs')).length;
    await assert.rejects(app.buildJobs.enqueue(join(dir, 'missing.json')), { kind: 'not-found' });
    assert.equal((await app.store.query('SELECT id FROM build_runs')).length, before);
    await app.jobs.cancel(job.id);
  });

  it('a run taken over by another executor refuses the old one any further commit, publish included', async () => {
    const runs = new RunStore(app.store);
    const runsDir = join(app.config.home, 'runs');
    const old = await runs.create({ id: `run-fence-${backend.name}`, templateName: 't', templateFile: file, templateDigest: 'd', template: { name: 't' } as never, kind: 'on-demand', params: {}, workDir: join(runsDir, 'x') });
    const step = { name: 'resolve-base', status: 'succeeded' as const, startedAt: now.toISOString(), finishedAt: now.toISOString(), durationMs: 1, result: {}, log: '' };
    const held = await runs.finishStep(old, step, { outputs: { a: 1 } });
    const taken = await runs.reopen(held, { keepOutputsOf: Object.keys(held.outputs), takeOver: true });
    assert.equal(taken.attempt, held.attempt + 1);
    let published = false;
    await assert.rejects(
      runs.finishStep(held, { ...step, name: 'publish' }, { state: 'succeeded' }, async () => void (published = true)),
      { code: 'BUILD_RUN_SUPERSEDED' },
    );
    assert.equal(published, false, 'the publish commit of the superseded executor never ran');
    await assert.rejects(runs.reopen(held, { keepOutputsOf: [] }), { code: 'BUILD_RUN_SUPERSEDED' }, 'nor may it restore a checkpoint');
    const done = await runs.finishStep(taken, { ...step, name: 'publish' }, { state: 'succeeded' }, async () => void (published = true));
    assert.equal(done.state, 'succeeded');
    assert.equal(published, true);
    await assert.rejects(runs.finishStep(done, step, {}), { code: 'BUILD_RUN_SUPERSEDED' }, 'a finished run takes no more steps');
    assert.equal((await runs.steps(old.id)).length, 2);
  });

  it("a worker goes on past a run lock left on another machine; a live one here, or a person's resume, is refused", async () => {
    const { run, job } = await app.buildJobs.enqueue(file, { params: { version: '1.0.1' } });
    await app.jobs.cancel(job.id);
    const lock = join(run.workDir, 'lock');
    const holder = (pid: number, host: string) => JSON.stringify({ pid, host, command: 'goldsmith worker', since: now.toISOString() }) + '\n';
    writeFileSync(lock, holder(4242, 'another-machine.invalid'), { mode: 0o600 });
    const stop = new AbortController();
    stop.abort(); // stop before the first step: only the takeover is under test
    const taken = await app.builds.executeQueued(run.id, { signal: stop.signal });
    assert.equal(taken.state, 'running');
    assert.equal(taken.attempt, 2, 'taken over as a new attempt');
    await assert.rejects(app.builds.resume(run.id), { code: 'BUILD_RUN_BUSY' }, 'build resume is no job holder');
    writeFileSync(lock, holder(process.pid, hostname()), { mode: 0o600 });
    await assert.rejects(app.builds.executeQueued(run.id, { signal: stop.signal }), { code: 'BUILD_RUN_BUSY' });
    assert.equal((await app.pipeline.runs.get(run.id)).attempt, 2, 'and nothing was taken over');
    rmSync(lock);
  });

  it('a worker runs a compliance scan job with the app\'s handler', async () => {
    const job = await app.jobs.enqueue('scan', {});
    const worker = new Worker(app.jobs, { scan: jobHandlers(app).scan! }, { id: 'scanner', pollMs: 20 });
    const running = worker.run();
    let done = await app.jobs.get(job.id);
    for (let i = 0; i < 200 && done.state !== 'succeeded' && done.state !== 'failed'; i++) {
      await sleep(50);
      done = await app.jobs.get(job.id);
    }
    await worker.stop();
    await running;
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.result?.scope, null);
    assert.equal(typeof done.result?.resources, 'number');
  });

  it('concurrent schedule ticks queue each occurrence exactly once', async () => {
    await app.schedules.add(file);
    await app.store.query('UPDATE build_schedules SET created_at = $1', [now.toISOString()]);
    const tick = () => app.buildJobs.enqueueDueSchedules();
    assert.deepEqual((await tick()).runs, [], 'nothing due yet');
    now = new Date('2026-12-01T04:00:00Z');
    const results = await Promise.all([tick(), tick(), tick(), tick()]);
    assert.deepEqual(results.flatMap((r) => r.failed), []);
    const runs = results.flatMap((r) => r.runs);
    assert.equal(runs.length, 1, 'one run for the occurrence');
    assert.equal(runs[0]!.kind, 'scheduled');
    assert.equal(runs[0]!.state, 'queued');
    const jobs = (await app.jobs.list({ kind: 'build', state: 'queued' })).filter((j) => (j.payload as { runId: string }).runId === runs[0]!.id);
    assert.equal(jobs.length, 1, 'with one job');
    const [s] = await app.schedules.list();
    assert.equal(s!.lastRunId, runs[0]!.id);
    assert.equal(s!.lastDueAt, '2026-12-01T03:00:00.000Z');
    assert.deepEqual((await tick()).runs, [], 'not again');
    const scheduledRuns = await app.store.query(`SELECT id FROM build_runs WHERE kind = 'scheduled'`);
    assert.equal(scheduledRuns.length, 1);
    // A losing tick leaves no run directory behind.
    const dirs = readdirSync(join(app.config.home, 'runs')).filter((d) => d.startsWith('run-2026'));
    assert.equal(dirs.length, (await app.store.query(`SELECT id FROM build_runs WHERE id LIKE 'run-2026%'`)).length);
  });
});
