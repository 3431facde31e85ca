import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ArtifactStore, sha256File } from '../../src/artifacts/index.js';

test('content-addressed put, replicate with verification, and corruption detection', async () => {
  const root = mkdtempSync(join(tmpdir(), 'gs-art-'));
  const store = new ArtifactStore(join(root, 'artifacts'));
  const src = join(root, 'blob');
  writeFileSync(src, 'hello golden image');
  const { digest, size } = await store.putFile('westeurope', src);
  assert.equal(digest, await sha256File(src));
  assert.equal(size, 18);
  assert.ok(await store.has('westeurope', digest));
  assert.ok(!(await store.has('eastus', digest)));
  await store.replicate(digest, 'westeurope', 'eastus');
  assert.ok(await store.has('eastus', digest));
  // no temp files left behind
  assert.deepEqual(readdirSync(join(root, 'artifacts', 'eastus', 'tmp')), []);
  // tamper with the source copy: replication to a new region refuses it
  writeFileSync(store.path('westeurope', digest), 'tampered');
  await assert.rejects(store.replicate(digest, 'westeurope', 'northeurope'), { code: 'ARTIFACT_CORRUPT' });
  assert.ok(!(await store.has('northeurope', digest)));
  await assert.rejects(store.verify('westeurope', digest), { code: 'ARTIFACT_CORRUPT' });
});
