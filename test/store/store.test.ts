import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it, test } from 'node:test';
import { isGoldsmithError } from '../../src/errors/index.js';
import { migrate, PGliteStore, type Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';

describeEachBackend('store contract', (b) => {
  let store: Store;
  before(async () => {
    store = await b.open();
  });
  after(async () => store.close());

  it('migrates idempotently', async () => {
    assert.deepEqual(await migrate(store), []);
  });

  it('normalises timestamps, int8 and jsonb the same way', async () => {
    const [row] = await store.query<{ t: string; n: number; j: unknown }>(
      `SELECT '2026-01-02T03:04:05Z'::timestamptz AS t, 9007199254740::int8 AS n, '{"a":[1]}'::jsonb AS j`,
    );
    assert.equal(row!.t, '2026-01-02T03:04:05.000Z');
    assert.equal(row!.n, 9007199254740);
    assert.deepEqual(row!.j, { a: [1] });
  });

  it('commits a transaction and delivers its events after commit', async () => {
    const seen: string[] = [];
    const off = store.onChange((e) => void seen.push(`${e.type}:${e.subject}`));
    await store.tx(async (tx) => {
      await tx.query(
        `INSERT INTO resources (id, id_lower, type, name, doc) VALUES ($1, lower($1), 'test/things', 'a', $2)`,
        ['/things/a', { name: 'a' }],
      );
      tx.emit({ type: 'thing.created', subject: '/things/a' });
      assert.deepEqual(seen, [], 'not delivered before commit');
    });
    off();
    assert.deepEqual(seen, ['thing.created:/things/a']);
    const rows = await store.query<{ doc: { name: string } }>(`SELECT doc FROM resources WHERE id = '/things/a'`);
    assert.equal(rows[0]!.doc.name, 'a');
    const ev = await store.query(`SELECT type FROM change_events WHERE subject = '/things/a'`);
    assert.equal(ev.length, 1);
  });

  it('rolls back everything, events included, when the transaction throws', async () => {
    const seen: string[] = [];
    const off = store.onChange((e) => void seen.push(e.type));
    await assert.rejects(
      store.tx(async (tx) => {
        await tx.query(`INSERT INTO resources (id, id_lower, type, name, doc) VALUES ('/things/b', '/things/b', 't', 'b', '{}')`);
        tx.emit({ type: 'thing.created', subject: '/things/b' });
        throw new Error('boom');
      }),
      /boom/,
    );
    off();
    assert.deepEqual(seen, []);
    assert.equal((await store.query(`SELECT 1 FROM resources WHERE id = '/things/b'`)).length, 0);
    assert.equal((await store.query(`SELECT 1 FROM change_events WHERE subject = '/things/b'`)).length, 0);
  });
});

test('a second process on the same PGlite directory gets an error naming the holder', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-lock-'));
  const first = await PGliteStore.open(dir);
  try {
    const code = `import('${new URL('../../src/store/index.js', import.meta.url).href}').then(async (m) => {
      try { await m.PGliteStore.open(${JSON.stringify(dir)}); console.log('OPENED'); }
      catch (e) { console.log(JSON.stringify({ code: e.code, message: e.message })); }
    })`;
    const out = await new Promise<string>((resolve) => {
      const p = spawn(process.execPath, ['-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
      let s = '';
      p.stdout.on('data', (d) => (s += d));
      p.on('close', () => resolve(s));
    });
    const res = JSON.parse(out) as { code: string; message: string };
    assert.equal(res.code, 'STORE_LOCKED');
    assert.match(res.message, new RegExp(`process ${process.pid}`));
    // In-process second open is refused too (same pid is still a live holder).
    await assert.rejects(PGliteStore.open(dir), (e) => isGoldsmithError(e) && e.code === 'STORE_LOCKED');
    await first.query(`INSERT INTO change_events (type, subject) VALUES ('x', 'y')`).catch(async () => {
      await migrate(first);
    });
  } finally {
    await first.close();
  }
  // After release, the directory opens again and the data is there.
  const again = await PGliteStore.open(dir);
  await migrate(again);
  await again.close();
});

test('a stale lock from a dead process is taken over', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-lock-'));
  const { writeFileSync } = await import('node:fs');
  const { hostname } = await import('node:os');
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: 2 ** 22 + 12345, host: hostname(), command: 'x', since: 'y' }));
  const s = await PGliteStore.open(dir);
  await s.close();
});
