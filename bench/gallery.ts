import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import pg from 'pg';
import { FsArtifactStore } from '../src/artifacts/index.js';
import { GalleryService } from '../src/gallery/index.js';
import { migrate, PGliteStore, PostgresStore, type Store } from '../src/store/index.js';

const PG_URL = process.env.GOLDSMITH_TEST_DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const VERSIONS = Number(process.env.GOLDSMITH_BENCH_GALLERY_VERSIONS ?? 10_000);
const BATCH = 500;

/** Store figures for the gallery: publish, list and resolve-latest over 10,000 versions, on both backends. */
export async function benchGallery(): Promise<void> {
  console.log(`gallery: ${VERSIONS} versions of one image definition, 2 target regions each`);
  await runOn('pglite (in memory)', async () => {
    const s = await PGliteStore.open();
    await migrate(s);
    return { store: s, drop: async () => {} };
  });
  await runOn('postgresql', async () => {
    const schema = `bench_gallery_${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const s = await PostgresStore.open(PG_URL, schema);
    await migrate(s);
    return {
      store: s,
      drop: async () => {
        const c = new pg.Client({ connectionString: PG_URL });
        await c.connect();
        await c.query(`DROP SCHEMA "${schema}" CASCADE`).finally(() => c.end());
      },
    };
  });
}

async function runOn(label: string, open: () => Promise<{ store: Store; drop: () => Promise<void> }>): Promise<void> {
  let opened: { store: Store; drop: () => Promise<void> };
  try {
    opened = await open();
  } catch (e) {
    console.log(`  ${label}: skipped (${(e as Error).message})`);
    return;
  }
  const { store, drop } = opened;
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-gallery-'));
  try {
    const artifacts = new FsArtifactStore(join(dir, 'artifacts'));
    const svc = new GalleryService(store, artifacts);
    await svc.createGallery({ name: 'bench' });
    await svc.createImageDefinition({ gallery: 'bench', name: 'img', identifier: { publisher: 'Bench', offer: 'Gallery', sku: 'img' } });
    const blob = await artifacts.putBytes('local', 'bench rootfs');
    const regions = [{ name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }];
    await svc.replicateArtifacts([blob.digest], 'local', regions);

    const input = (i: number) => ({
      gallery: 'bench',
      image: 'img',
      version: `${Math.floor(i / 1000)}.${Math.floor(i / 100) % 10}.${i % 100}`,
      location: 'local',
      // Mixed exclusions so `latest` has to skip rows: every 7th globally, every 5th in westeurope.
      excludeFromLatest: i % 7 === 6,
      targetRegions: regions.map((r) => ({ ...r, excludeFromLatest: r.name === 'westeurope' && i % 5 === 4 })),
      artifacts: [{ kind: 'rootfs' as const, ...blob }],
    });
    // One transaction per publish (what a build does), then the rest in batches through the caller-tx path.
    const single = Math.min(1000, VERSIONS);
    const t0 = performance.now();
    for (let i = 0; i < single; i++) await svc.publishVersion(input(i));
    const singleMs = performance.now() - t0;
    const tb = performance.now();
    for (let i = single; i < VERSIONS; i += BATCH) {
      await store.tx(async (tx) => {
        for (let j = i; j < Math.min(i + BATCH, VERSIONS); j++) await svc.publishVersion(input(j), tx);
      });
    }
    const batchMs = performance.now() - tb;
    const batched = VERSIONS - single;

    const t1 = performance.now();
    const list = await svc.listVersions('bench', 'img');
    const listMs = performance.now() - t1;

    const n = 200;
    const t2 = performance.now();
    let latest = '';
    for (let i = 0; i < n; i++) latest = (await svc.resolveLatest('bench', 'img', i % 2 ? 'westeurope' : undefined))?.name ?? '-';
    const resolveMs = (performance.now() - t2) / n;

    // The indexed resolver must give the pure resolver's answer over the same 10,000 rows.
    const pure = list.find((v) => v.latestIn.includes('westeurope'))?.name;
    const fast = (await svc.resolveLatest('bench', 'img', 'westeurope'))?.name;
    if (pure !== fast) throw new Error(`resolve-latest disagrees: indexed ${fast}, pure ${pure}`);

    const t3 = performance.now();
    const next = await svc.nextVersion('bench', 'img');
    const nextMs = performance.now() - t3;

    console.log(
      `  ${label}: publish ${single} one per transaction ${(singleMs / single).toFixed(2)} ms/version; ` +
        (batched > 0 ? `${batched} more in transactions of ${BATCH} ${Math.round(batched / (batchMs / 1000))}/s; ` : '') +
        `list ${list.length} with lifecycle+latest ${listMs.toFixed(0)} ms; ` +
        `resolve-latest ${resolveMs.toFixed(2)} ms avg (last: ${latest}); next version ${next} in ${nextMs.toFixed(0)} ms`,
    );
  } finally {
    await store.close();
    await drop().catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await benchGallery();
