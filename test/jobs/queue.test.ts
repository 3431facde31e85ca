import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { JobQueue, Worker, type Job, type JobHandler } from '../../src/jobs/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';

describeEachBackend('job queue', (backend) => {
  let store: Store;
  let q: JobQueue;
  before(async () => {
    store = await backend.open();
    q = new JobQueue(store);
  });
  after(() => store.close());

  /** Each test uses its own kind, so jobs other tests left never interfere. */
  let n = 0;
  const kind = () => `test-${++n}`;

  it('hands each job to exactly one of many concurrent claimers', async () => {
    const k = kind();
    const ids = new Set<number>();
    for (let i = 0; i < 24; i++) ids.add((await q.enqueue(k, { i })).id);
    const got: number[] = [];
    const claimer = async (name: string) => {
      for (let j = await q.claim(name, { leaseMs: 60_000, kinds: [k] }); j; j = await q.claim(name, { leaseMs: 60_000, kinds: [k] })) got.push(j.id);
    };
    await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map(claimer));
    assert.equal(got.length, ids.size, 'every job claimed once, none twice');
    assert.deepEqual(new Set(got), ids);
    const rows = await q.list({ kind: k, limit: 100 });
    assert.ok(rows.every((r) => r.state === 'running' && r.attempts === 1 && r.leaseOwner), 'all running, one attempt each, with an owner');
  });

  it('claims in order and only the kinds asked for', async () => {
    const k = kind();
    const first = await q.enqueue(k, {});
    await q.enqueue(kind(), {});
    const second = await q.enqueue(k, {});
    assert.equal((await q.claim('w', { leaseMs: 60_000, kinds: [k] }))?.id, first.id);
    assert.equal((await q.claim('w', { leaseMs: 60_000, kinds: [k] }))?.id, second.id);
    assert.equal(await q.claim('w', { leaseMs: 60_000, kinds: [k] }), undefined);
  });

  it('hands a job over when its lease expires, and fences the old holder out', async () => {
    const k = kind();
    const job = await q.enqueue(k, { x: 1 });
    const a = (await q.claim('a', { leaseMs: 300, kinds: [k] }))!;
    assert.equal(a.id, job.id);
    assert.equal(await q.claim('b', { leaseMs: 300, kinds: [k] }), undefined, 'a live lease is not taken');
    await sleep(450);
    const b = (await q.claim('b', { leaseMs: 60_000, kinds: [k] }))!;
    assert.equal(b?.id, job.id, 'the expired lease is taken over');
    assert.equal(b.attempts, 2);
    assert.deepEqual(b.payload, { x: 1 });
    assert.equal(await q.heartbeat(a, 'a', 300), false, 'the old holder learns it lost the job');
    assert.equal(await q.complete(a, 'a', { state: 'succeeded' }), false, 'and cannot finish it');
    assert.equal(await q.complete(b, 'b', { state: 'succeeded', result: { ok: true } }), true);
    const done = await q.get(job.id);
    assert.equal(done.state, 'succeeded');
    assert.deepEqual(done.result, { ok: true });
    assert.equal(done.leaseOwner, null);
  });

  it('keeps the lease while the holder heartbeats', async () => {
    const k = kind();
    await q.enqueue(k, {});
    const a = (await q.claim('a', { leaseMs: 300, kinds: [k] }))!;
    for (let i = 0; i < 8; i++) {
      await sleep(100);
      assert.equal(await q.heartbeat(a, 'a', 300), true);
      assert.equal(await q.claim('b', { leaseMs: 300, kinds: [k] }), undefined, `still a's after ${(i + 1) * 100} ms`);
    }
    const row = await q.get(a.id);
    assert.equal(row.leaseOwner, 'a');
    assert.ok(Date.parse(row.leaseExpiresAt!) > Date.parse(a.leaseExpiresAt!), 'the lease moved forward');
  });

  it('retries a failing job a bounded number of times', async () => {
    const k = kind();
    const job = await q.enqueue(k, {}, { maxAttempts: 2 });
    const err = { code: 'X', message: 'boom' };
    const j1 = (await q.claim('w', { leaseMs: 60_000, kinds: [k] }))!;
    assert.equal(await q.retryOrFail(j1, 'w', err, 0), 'queued');
    const j2 = (await q.claim('w', { leaseMs: 60_000, kinds: [k] }))!;
    assert.equal(j2.attempts, 2);
    assert.equal(await q.retryOrFail(j2, 'w', err, 0), 'failed');
    assert.equal(await q.claim('w', { leaseMs: 60_000, kinds: [k] }), undefined);
    const row = await q.get(job.id);
    assert.equal(row.state, 'failed');
    assert.deepEqual(row.error, err);
  });

  it('fails a job whose worker died on every allowed attempt', async () => {
    const k = kind();
    const job = await q.enqueue(k, {}, { maxAttempts: 2 });
    assert.ok(await q.claim('a', { leaseMs: 100, kinds: [k] }));
    await sleep(200);
    assert.ok(await q.claim('b', { leaseMs: 100, kinds: [k] }), 'second attempt after the first lease expired');
    await sleep(200);
    assert.equal(await q.claim('c', { leaseMs: 100, kinds: [k] }), undefined, 'no third attempt');
    const row = await q.get(job.id);
    assert.equal(row.state, 'failed');
    assert.equal(row.error?.code, 'JOB_LEASE_EXHAUSTED');
  });

  it('refuses a second job with the same key, releases without counting, cancels', async () => {
    const k = kind();
    const job = await q.enqueue(k, {}, { dedupeKey: `${k}:once` });
    await assert.rejects(q.enqueue(k, {}, { dedupeKey: `${k}:once` }), { code: 'JOB_DUPLICATE' });
    const c = (await q.claim('w', { leaseMs: 60_000, kinds: [k] }))!;
    assert.equal(await q.release(c, 'w'), true);
    const again = (await q.claim('w2', { leaseMs: 60_000, kinds: [k] }))!;
    assert.equal(again.attempts, 1, 'a released claim is not an attempt');
    assert.equal((await q.cancel(job.id)).state, 'cancelled');
    assert.equal(await q.heartbeat(again, 'w2', 60_000), false, 'the holder of a cancelled job sees it');
    await assert.rejects(q.cancel(job.id), { code: 'JOB_FINISHED' });
    await assert.rejects(q.get(999_999_999), { code: 'JOB_NOT_FOUND' });
  });

  it('workers run each job once, retry a crash, and hand a job back when stopped', async () => {
    const k = kind();
    const seen: number[] = [];
    let crashes = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const handlers: Record<string, JobHandler> = {
      [k]: async (job: Job) => {
        seen.push(job.id);
        if ((job.payload as { crash?: boolean }).crash && crashes++ === 0) throw new Error('first try crashes');
        return { state: 'succeeded', result: { id: job.id } };
      },
      [`${k}-slow`]: async (_job, ctx) => {
        release();
        await new Promise((r) => ctx.signal.addEventListener('abort', r));
        return { state: 'released' };
      },
    };
    const ids = [];
    for (let i = 0; i < 6; i++) ids.push((await q.enqueue(k, { crash: i === 0 })).id);
    const slow = await q.enqueue(`${k}-slow`, {});
    const workers = ['w1', 'w2'].map((id) => new Worker(q, handlers, { id, concurrency: 2, pollMs: 20, retryDelayMs: 0, leaseMs: 2000 }));
    const running = workers.map((w) => w.run());
    const deadline = Date.now() + 10_000;
    while ((await q.list({ kind: k, state: 'succeeded', limit: 100 })).length < ids.length && Date.now() < deadline) await sleep(50);
    await gate;
    await Promise.all(workers.map((w) => w.stop()));
    await Promise.all(running);
    assert.equal(seen.length, ids.length + 1, 'each job handled once, the crashing one twice');
    for (const id of ids) assert.equal((await q.get(id)).state, 'succeeded');
    const back = await q.get(slow.id);
    assert.equal(back.state, 'queued', 'a stopping worker hands its job back');
    assert.equal(back.attempts, 0);
  });
});
