import assert from 'node:assert/strict';
import { copyFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, test } from 'node:test';
import { FsArtifactStore, sha256File } from '../../src/artifacts/index.js';
import { CatalogService, type CatalogRef, type CatalogServiceOptions } from '../../src/catalog/index.js';
import { readArchiveOsRelease, unpackRootfs } from '../../src/image/index.js';
import type { Store } from '../../src/store/index.js';
import { cachedMinbase, MINBASE_RECIPE } from '../support/base-image.js';
import { describeEachBackend } from '../support/stores.js';

const ref: CatalogRef = { publisher: 'Debian', offer: 'debian-12', sku: '12-minbase', version: '12.0.0' };

describeEachBackend('catalog ensureArtifact on a real Debian base', (b) => {
  let store: Store;
  let home: string;
  let calls = 0;
  // Stands in for mmdebstrap with the machine-wide cached minbase: the real build runs once per machine.
  const builder: NonNullable<CatalogServiceOptions['builder']> = async (_recipe, out) => {
    calls++;
    await sleep(100); // long enough for a concurrent caller to arrive mid-build
    await copyFile(await cachedMinbase(), out);
    return { digest: await sha256File(out), size: statSync(out).size, os: (await readArchiveOsRelease(out))! };
  };
  const service = () => new CatalogService(store, new FsArtifactStore(join(home, 'artifacts')), { home, builder });

  before(async () => {
    await cachedMinbase();
    store = await b.open();
    home = mkdtempSync(join(tmpdir(), 'gs-ens-'));
    await service().add({ ...ref, recipe: MINBASE_RECIPE });
  });
  after(async () => {
    await store.close();
    rmSync(home, { recursive: true, force: true });
  });

  test('concurrent callers share one build; later calls are cached; the OS is recorded', async () => {
    const catalog = service();
    const [x, y] = await Promise.all([catalog.ensureArtifact(ref), catalog.ensureArtifact({ ...ref, version: 'latest' })]);
    assert.equal(calls, 1);
    assert.equal(x.digest, y.digest);
    assert.equal(x.cached, false);
    assert.equal(x.digest, await sha256File(await cachedMinbase()));
    assert.equal(await sha256File(x.path), x.digest);
    const t0 = Date.now();
    const z = await catalog.ensureArtifact(ref);
    assert.equal(z.cached, true);
    assert.ok(Date.now() - t0 < 2000, 'a cached base comes back at once');
    const e = await catalog.show(ref);
    assert.equal(e.os?.id, 'debian');
    assert.equal(e.os?.versionId, '12');
    assert.match(e.os?.prettyName ?? '', /Debian GNU\/Linux 12/);
    assert.equal(e.artifact?.digest, x.digest);
  });

  test('two services (as two processes would) wait on the build lock instead of building twice', async () => {
    await new FsArtifactStore(join(home, 'artifacts')).remove('local', (await service().show(ref)).artifact!.digest);
    const before = calls;
    const [p, q] = await Promise.all([service().ensureArtifact(ref), service().ensureArtifact(ref)]);
    assert.equal(calls - before, 1, 'the missing blob is rebuilt once');
    assert.deepEqual([p.cached, q.cached].sort(), [false, true]);
    assert.equal(p.digest, q.digest);
    assert.deepEqual(await readdir(join(home, 'locks')), [], 'the lock is released');
    assert.deepEqual(await readdir(join(home, 'tmp')), [], 'build work dirs are removed');
  });

  test('the base is a real minbase bookworm without package lists, host name or resolver', async () => {
    const got = await service().ensureArtifact(ref);
    const dir = await mkdtemp(join(home, 'unpacked-'));
    try {
      await unpackRootfs(got.path, dir);
      assert.ok(existsSync(join(dir, 'usr/bin/apt-get')));
      assert.ok(existsSync(join(dir, 'var/lib/dpkg/status')));
      const lists = (await readdir(join(dir, 'var/lib/apt/lists'))).filter((n) => n !== 'lock' && n !== 'partial');
      assert.deepEqual(lists, []);
      assert.ok(!existsSync(join(dir, 'etc/hostname')));
      assert.ok(!existsSync(join(dir, 'etc/resolv.conf')));
      assert.equal(Math.floor(statSync(join(dir, 'usr/bin/apt-get')).mtimeMs / 1000), 1704067200);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
