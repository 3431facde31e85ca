import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { FsArtifactStore, sha256File, type ArtifactStore } from '../../src/artifacts/index.js';

test('content-addressed put, replicate with verification, and corruption detection', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gs-art-'));
  const store = new FsArtifactStore(join(root, 'artifacts'));
  const src = join(root, 'blob');
  writeFileSync(src, 'hello golden image');
  const { digest, size } = await store.putFile('westeurope', src);
  assert.equal(digest, await sha256File(src));
  assert.equal(size, 18);
  assert.ok(await store.has('westeurope', digest));
  assert.ok(!(await store.has('eastus', digest)));
  await store.copy(digest, 'westeurope', 'eastus');
  assert.ok(await store.has('eastus', digest));
  // no temp files left behind
  assert.deepEqual(readdirSync(join(root, 'artifacts', 'eastus', 'tmp')), []);
  // tamper with the source copy: replication to a new region refuses it
  writeFileSync(store.path('westeurope', digest), 'tampered');
  await assert.rejects(store.copy(digest, 'westeurope', 'northeurope'), { code: 'ARTIFACT_CORRUPT' });
  assert.ok(!(await store.has('northeurope', digest)));
  await assert.rejects(store.verify('westeurope', digest), { code: 'ARTIFACT_CORRUPT' });
});

test('the ArtifactStore interface on the filesystem backend: put a stream, get, getBytes with a limit, stat, list, localPath', async (t) => {
  const root = mkdtempSync(join(tmpdir(), 'gs-art-if-'));
  t.after(() => rmSync(root, { recursive: true, force: true }));
  const store: ArtifactStore = new FsArtifactStore(join(root, 'artifacts'));
  const a = await store.put('r1', Readable.from([Buffer.from('part one, '), Buffer.from('part two')]));
  const b = await store.putBytes('r1', 'another');
  assert.equal(a.size, 18);
  assert.deepEqual(await store.stat('r1', a.digest), { size: 18 });
  assert.equal(await store.stat('r2', a.digest), undefined);
  const chunks: Buffer[] = [];
  for await (const c of await store.get('r1', a.digest)) chunks.push(c as Buffer);
  assert.equal(Buffer.concat(chunks).toString(), 'part one, part two');
  assert.equal((await store.getBytes('r1', b.digest)).toString(), 'another');
  await assert.rejects(store.getBytes('r1', a.digest, 10), { code: 'ARTIFACT_TOO_LARGE' });
  const listed: string[] = [];
  for await (const d of store.list('r1')) listed.push(d);
  assert.deepEqual(listed, [a.digest, b.digest].sort());
  for await (const d of store.list('nowhere')) assert.fail(`unexpected ${d}`);
  assert.equal(await sha256File(await store.localPath('r1', a.digest)), a.digest);
  await assert.rejects(store.localPath('r2', a.digest), { code: 'ARTIFACT_NOT_FOUND' });
  await assert.rejects(store.get('r2', a.digest), { code: 'ARTIFACT_NOT_FOUND' });
  await assert.rejects(store.localPath('r1', 'sha256:../../etc/passwd'), { code: 'ARTIFACT_BAD_DIGEST' });
  await store.copy(a.digest, 'r1', 'r2');
  assert.deepEqual(await store.regions(), ['r1', 'r2']);
});
