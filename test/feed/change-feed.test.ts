import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { ChangeFeed, sseBody, type FeedEvent, type FeedSubscription } from '../../src/feed/index.js';
import { Metrics } from '../../src/metrics/index.js';
import { PostgresStore, type Store } from '../../src/store/index.js';
import { describeEachBackend, testPgUrl } from '../support/stores.js';

/** Commit one transaction emitting these subjects (type "t.x"). */
async function commit(store: Store, ...subjects: string[]): Promise<void> {
  await store.tx(async (tx) => {
    for (const s of subjects) tx.emit({ type: 't.x', subject: s, data: { s } });
  });
}

/** The next n events, failing after a timeout instead of hanging the suite. */
async function take(sub: FeedSubscription, n: number, ms = 5000): Promise<FeedEvent[]> {
  const out: FeedEvent[] = [];
  const deadline = setTimeout(() => sub.close('test timeout'), ms);
  try {
    while (out.length < n) {
      const e = await sub.next();
      if (!e) throw new Error(`subscription closed after ${out.length}/${n} events: ${sub.closedReason}`);
      out.push(e);
    }
  } finally {
    clearTimeout(deadline);
  }
  return out;
}

const allIds = async (store: Store) => (await store.query<{ seq: number }>('SELECT seq FROM change_events ORDER BY seq')).map((r) => r.seq);

describeEachBackend('change feed', (b) => {
  let store: Store;
  let feed: ChangeFeed;
  let metrics: Metrics;

  before(async () => {
    store = await b.open();
    metrics = new Metrics();
    feed = new ChangeFeed(store, { pageSize: 3, metrics });
    await feed.start();
  });
  after(async () => {
    await feed.stop();
    await store.close();
  });

  test('delivers events committed after subscribing, in commit order, with their data', async () => {
    await commit(store, 'before');
    await feed.settled();
    const sub = feed.subscribe();
    await commit(store, '/a/1', '/a/2');
    await commit(store, '/a/3');
    const got = await take(sub, 3);
    assert.deepEqual(got.map((e) => e.subject), ['/a/1', '/a/2', '/a/3']);
    assert.deepEqual(got[0]!.data, { s: '/a/1' });
    assert.ok(got[0]!.id < got[1]!.id && got[1]!.id < got[2]!.id);
    assert.equal(metrics.value('goldsmith_feed_subscribers'), 1);
    sub.close();
    assert.equal(metrics.value('goldsmith_feed_subscribers'), 0);
  });

  test('a rolled-back transaction delivers nothing', async () => {
    const sub = feed.subscribe();
    await assert.rejects(store.tx(async (tx) => {
      tx.emit({ type: 't.x', subject: '/rolled/back' });
      throw new Error('no');
    }));
    await commit(store, '/after/rollback');
    const [e] = await take(sub, 1);
    assert.equal(e!.subject, '/after/rollback');
    sub.close();
  });

  test('resumes after an id (Last-Event-ID) across a backlog longer than a page, then goes live without gaps or repeats', async () => {
    for (let i = 0; i < 7; i++) await commit(store, `/r/${i}`);
    await feed.settled();
    const ids = await allIds(store);
    const from = ids.at(-6)!; // five backlog events after it
    const sub = feed.subscribe({ from });
    // Commits racing the backlog read must come once, after it.
    const racing = (async () => {
      for (let i = 0; i < 4; i++) await commit(store, `/live/${i}`);
    })();
    const got = await take(sub, 9);
    await racing;
    assert.deepEqual(got.map((e) => e.subject), ['/r/2', '/r/3', '/r/4', '/r/5', '/r/6', '/live/0', '/live/1', '/live/2', '/live/3']);
    assert.ok(got.every((e) => e.id > from));
    sub.close();
  });

  test('a filter skips events but keeps the order of the rest', async () => {
    const sub = feed.subscribe({ filter: (e) => e.subject.startsWith('/keep/') });
    await commit(store, '/keep/1', '/drop/1', '/keep/2');
    await commit(store, '/drop/2', '/keep/3');
    assert.deepEqual((await take(sub, 3)).map((e) => e.subject), ['/keep/1', '/keep/2', '/keep/3']);
    sub.close();
  });

  test('a subscriber that does not read is dropped at its buffer limit, and resumes from its last id', async () => {
    const slow = feed.subscribe({ bufferLimit: 4 });
    const [first] = await Promise.all([take(slow, 1), commit(store, '/slow/0')]);
    for (let i = 1; i <= 10; i++) await commit(store, `/slow/${i}`);
    await feed.settled();
    assert.match(slow.closedReason ?? '', /^slow consumer: more than 4 events waiting/);
    assert.equal(await slow.next(), undefined, 'a dropped subscription holds nothing');
    assert.equal(metrics.value('goldsmith_feed_subscribers_dropped_total', { reason: 'slow_consumer' }), 1);
    // The client reconnects with the last id it received and reads the backlog from the database.
    const again = feed.subscribe({ from: first[0]!.id, bufferLimit: 4 });
    assert.deepEqual((await take(again, 10)).map((e) => e.subject), Array.from({ length: 10 }, (_, i) => `/slow/${i + 1}`));
    again.close();
  });

  test('concurrent writers: every committed event once, ids increasing, none skipped', async () => {
    const before = feed.head;
    const sub = feed.subscribe();
    await Promise.all(Array.from({ length: 12 }, (_, w) => (async () => {
      for (let i = 0; i < 5; i++) await commit(store, `/c/${w}/${i}`, `/c/${w}/${i}b`);
    })()));
    const got = await take(sub, 120, 15000);
    const committed = (await allIds(store)).filter((id) => id > before);
    assert.deepEqual(got.map((e) => e.id), committed);
    sub.close();
  });

  test('sseBody: retry hint, keep-alives while idle, one frame per event, and why the stream ended', async () => {
    const sub = feed.subscribe();
    const body = sseBody(sub, { heartbeatMs: 40, retryMs: 1500 });
    assert.equal((await body.next()).value, 'retry: 1500\n\n');
    assert.equal((await body.next()).value, ': keep-alive\n\n');
    await commit(store, '/sse/1');
    let frame = await body.next();
    while (frame.value === ': keep-alive\n\n') frame = await body.next();
    assert.match(String(frame.value), /^id: \d+\nevent: t\.x\ndata: \{.*"subject":"\/sse\/1".*\}\n\n$/);
    sub.close('slow consumer: test');
    assert.equal((await body.next()).value, ': stream closed: slow consumer: test; reconnect with Last-Event-ID\n\n');
    assert.equal((await body.next()).done, true);
    const other = feed.subscribe();
    const early = sseBody(other, { heartbeatMs: 1000 });
    await early.next();
    await early.return();
    assert.equal(other.closedReason, 'closed', 'a client that goes away closes its subscription');
  });

  test('metrics: delivered events, head and lag', async () => {
    assert.ok(metrics.value('goldsmith_feed_events_delivered_total') >= 120);
    assert.equal(metrics.value('goldsmith_feed_head_id'), (await allIds(store)).at(-1));
    const lag = metrics.value('goldsmith_feed_lag_seconds');
    assert.ok(lag >= 0 && lag < 30, `lag ${lag}`);
  });
});

test('PostgreSQL: events committed by other processes arrive through LISTEN/NOTIFY in id order, and the safe horizon never passes a late commit', { skip: !process.env.GOLDSMITH_TEST_DATABASE_URL }, async () => {
  const { backends } = await import('../support/stores.js');
  const a = await backends.find((x) => x.name === 'postgres')!.open();
  const [{ s: schema }] = await a.query<{ s: string }>('SELECT current_schema() AS s');
  const b = await PostgresStore.open(testPgUrl(), schema);
  const c = await PostgresStore.open(testPgUrl(), schema);
  // pollMs high: delivery must come from NOTIFY, not from the safety-net poll.
  const feed = new ChangeFeed(a, { pollMs: 60_000 });
  let polling = true;
  let poller: Promise<void> = Promise.resolve();
  try {
    await feed.start();
    const sub = feed.subscribe();
    // A poller reading up to the safe horizon from a fourth connection: whatever it sees up to the
    // horizon must already be everything that id range will ever hold.
    const snapshots: Array<{ top: number; ids: number[] }> = [];
    poller = (async () => {
      while (polling) {
        const top = await c.feedHorizon();
        snapshots.push({ top, ids: (await allIds(c)).filter((id) => id <= top) });
      }
    })();
    // Enough concurrent commits that, without the writers' shared lock, some commit out of id order.
    await Promise.all([b, c].flatMap((s, k) => Array.from({ length: 8 }, (_, w) => (async () => {
      for (let i = 0; i < 25; i++) await commit(s, `/x/${k}/${w}/${i}`);
    })())));
    const got = await take(sub, 400, 20000);
    polling = false;
    await poller;
    const final = await allIds(a);
    assert.deepEqual(got.map((e) => e.id), final.slice(-400));
    assert.equal(new Set(got.map((e) => e.subject)).size, 400);
    assert.ok(snapshots.length > 3, `the poller read ${snapshots.length} times`);
    for (const { top, ids } of snapshots) assert.deepEqual(ids, final.filter((id) => id <= top), `a reader at horizon ${top} missed an id below it that committed later`);
    sub.close();
  } finally {
    polling = false;
    await poller.catch(() => {});
    await feed.stop();
    await b.close();
    await c.close();
    await a.close();
  }
});
