import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { createApp } from '../../src/app/index.js';
import { migrate } from '../../src/store/index.js';
import { cachedMinbase, MINBASE_RECIPE } from '../support/base-image.js';
import { TEST_BASE } from '../support/app.js';
import { openPostgresSchema, testPgUrl } from '../support/stores.js';

const BIN = fileURLToPath(new URL('../../../bin/goldsmith.js', import.meta.url));

interface WorkerProc {
  id: string;
  child: ChildProcess;
  events: Array<Record<string, unknown>>;
  exit: Promise<number | null>;
}

/** A `goldsmith worker` process on the shared PostgreSQL schema and data directory, its NDJSON events collected. */
function startWorker(id: string, env: NodeJS.ProcessEnv): WorkerProc {
  const child = spawn(process.execPath, [BIN, 'worker', '--id', id, '--lease', '4', '--poll', '0.3', '--json'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<Record<string, unknown>> = [];
  createInterface({ input: child.stdout! }).on('line', (l) => events.push(JSON.parse(l) as Record<string, unknown>));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exit = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
  return Object.assign({ id, child, events, exit }, { get stderr() { return stderr; } });
}

async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(250);
  }
}

test('three workers on PostgreSQL: the one building is SIGKILLed after customize, another resumes the run and hands it back on SIGTERM, the third finishes it; it publishes exactly once', { timeout: 420_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-workers-'));
  const store = await openPostgresSchema('jobs');
  const workers: WorkerProc[] = [];
  try {
    await migrate(store);
    const app = createApp({ home, databaseUrl: testPgUrl(), databaseSchema: store.schema }, store);
    await app.catalog.add({ ...TEST_BASE, recipe: MINBASE_RECIPE });
    await app.catalog.adoptArtifact(TEST_BASE, await cachedMinbase());
    const motd = 'built by whichever worker\n';
    writeFileSync(join(home, 'motd'), motd);
    const template = join(home, 't.json');
    writeFileSync(template, JSON.stringify({
      name: 'scaleout',
      source: { ...TEST_BASE, version: 'latest' },
      customize: [{ type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: createHash('sha256').update(motd).digest('hex') }],
      validate: { checks: [{ type: 'command', name: 'motd', run: 'grep -q whichever /etc/motd' }] },
      distribute: { gallery: 'w', image: 'img', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], versioning: { scheme: 'latest' } },
    }));

    const env: NodeJS.ProcessEnv = { ...process.env, GOLDSMITH_HOME: home, GOLDSMITH_DATABASE_URL: testPgUrl(), GOLDSMITH_DATABASE_SCHEMA: store.schema };
    for (const id of ['w1', 'w2', 'w3']) workers.push(startWorker(id, env));

    const t0 = Date.now();
    const { run, job } = await app.buildJobs.enqueue(template);
    assert.equal(run.state, 'queued', 'enqueue returns at once with the queued run');
    assert.equal(job.state, 'queued');

    // Kill whichever worker holds the job as soon as its customize step is committed.
    await waitFor('customize to finish', async () => {
      const [s] = await store.query(`SELECT 1 FROM build_steps WHERE run_id = $1 AND name = 'customize' AND status = 'succeeded'`, [run.id]);
      return s;
    }, 120_000);
    const holder = (await app.jobs.get(job.id)).leaseOwner;
    const victim = workers.find((w) => w.id === holder);
    assert.ok(victim, `the job is held by one of the workers (${holder})`);
    victim.child.kill('SIGKILL');
    await victim.exit;
    const killedAt = Date.now();

    // The worker that takes the job over is stopped with SIGTERM as soon as it resumes the run: it
    // finishes its current step, hands the job back and exits 0; the last worker finishes the build.
    const survivors = workers.filter((w) => w !== victim);
    const resumer = await waitFor('a worker to resume the run', async () =>
      survivors.find((w) => w.events.some((e) => e.type === 'run.start' && e.job === job.id && e.resumed === true)), 120_000);
    const takenOverAt = Date.now();
    resumer.child.kill('SIGTERM');
    assert.equal(await resumer.exit, 0, 'a worker stopped with SIGTERM exits 0');
    assert.ok(resumer.events.some((e) => e.type === 'job.finished' && e.job === job.id && e.state === 'released'), 'and hands its job back');

    const done = await waitFor('the job to finish', async () => {
      const j = await app.jobs.get(job.id);
      return j.state === 'running' || j.state === 'queued' ? undefined : j;
    }, 180_000);
    const total = Date.now() - t0;
    assert.equal(done.state, 'succeeded', JSON.stringify(done.error));
    assert.equal(done.attempts, 2, 'taken up once more after the kill; a job handed back is not an attempt');

    const finisher = workers.find((w) => w.events.some((e) => e.type === 'job.finished' && e.job === job.id && e.state === 'succeeded'));
    assert.ok(finisher && finisher !== victim && finisher !== resumer, 'the third worker finished it');
    const resumedStart = finisher.events.find((e) => e.type === 'run.start' && e.job === job.id);
    assert.equal(resumedStart?.resumed, true);
    assert.notEqual(resumedStart?.from, 'resolve-base', 'resumed after the finished steps, not from the start');

    const final = await app.builds.show(run.id);
    assert.equal(final.run.state, 'succeeded');
    assert.equal(final.steps.filter((s) => s.name === 'customize').length, 1, 'customize ran once');
    assert.equal(final.steps.filter((s) => s.name === 'publish' && s.status === 'succeeded').length, 1, 'published once');
    const versions = await store.query('SELECT id FROM gallery_versions WHERE build_run_id = $1', [run.id]);
    assert.equal(versions.length, 1, 'one gallery version');
    const successes = await store.query(`SELECT seq FROM change_events WHERE type = 'build.run.succeeded' AND subject = $1`, [run.id]);
    assert.equal(successes.length, 1, 'one success');

    const steps = final.steps.map((s) => s.name);

    finisher.child.kill('SIGTERM');
    const code = await Promise.race([finisher.exit, sleep(15_000).then(() => 'timeout')]);
    assert.equal(code, 0, 'an idle worker exits 0 on SIGTERM');
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`workers test: worker killed after customize at ${s(killedAt - t0)}, run resumed by another at ${s(takenOverAt - t0)}, handed back on SIGTERM, finished by the third at ${s(total)}; steps: ${steps.join(' ')}`);
  } catch (e) {
    // What each worker saw, for a failure on a slow or busy machine.
    for (const w of workers) console.error(`--- worker ${w.id} (exit ${w.child.exitCode ?? w.child.signalCode ?? 'running'}):\n${w.events.filter((ev) => ev.type !== 'step.output').slice(-25).map((ev) => JSON.stringify(ev)).join('\n')}\n${(w as unknown as { stderr: string }).stderr.slice(-2000)}`);
    throw e;
  } finally {
    for (const w of workers) if (w.child.exitCode === null && w.child.signalCode === null) w.child.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exit));
    await store.close();
    rmSync(home, { recursive: true, force: true });
  }
});
