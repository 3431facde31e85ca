import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, PGliteStore, PostgresStore, type Store } from '../src/store/index.js';
import { impact, importAdvisories, readAdvisories } from '../src/vuln/index.js';

/**
 * Advisory import (10,000 OSV records: parse + schema-validate + write, then re-import) and blast
 * radius over 10,000 image versions × 700 packages (target < 50 ms per advisory). PGlite by default;
 * GOLDSMITH_BENCH_DATABASE_URL runs the same on PostgreSQL.
 */
const ms = (t0: number) => `${(performance.now() - t0).toFixed(0)} ms`;

async function openStore(label: string): Promise<Store> {
  const url = process.env.GOLDSMITH_BENCH_DATABASE_URL;
  const schema = `bench_vuln_${label}_${Date.now().toString(36)}`;
  const store = url ? await PostgresStore.open(url, schema) : await PGliteStore.open();
  await migrate(store);
  console.log(`backend: ${store.backend}`);
  if (!url) return store;
  // Leave no 7-million-row schema behind in the shared database.
  const close = store.close.bind(store);
  return Object.assign(store, { close: async () => (await store.query(`DROP SCHEMA ${schema} CASCADE`), close()) });
}

function osvRecord(i: number): unknown {
  const pkg = `src${i % 700}`;
  return {
    schema_version: '1.6.0',
    id: `DSA-${10000 + i}-1`,
    modified: '2026-01-01T00:00:00Z',
    published: '2026-01-01T00:00:00Z',
    upstream: [`CVE-2026-${String(10000 + i)}`],
    summary: `${pkg} - security update`,
    affected: [
      { package: { ecosystem: 'Debian:12', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${i % 50}-1+deb12u${i % 9}` }] }] },
      { package: { ecosystem: 'Debian:11', name: pkg }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${i % 50}-1+deb11u${i % 9}` }] }] },
    ],
  };
}

export async function benchVulnImport(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-vuln-'));
  const store = await openStore('import');
  try {
    const records = Array.from({ length: 10_000 }, (_, i) => osvRecord(i));
    writeFileSync(join(dir, 'all.json'), JSON.stringify(records));
    let t0 = performance.now();
    const read = await readAdvisories(join(dir, 'all.json'));
    console.log(`parse + validate 10,000 OSV records: ${ms(t0)} (${read.advisories.length} advisories)`);
    t0 = performance.now();
    const first = await importAdvisories(store, join(dir, 'all.json'));
    console.log(`import 10,000 OSV records (one JSON array): ${ms(t0)} — ${first.inserted} new, ${first.affectedRows} affected rows`);
    t0 = performance.now();
    const again = await importAdvisories(store, join(dir, 'all.json'));
    console.log(`re-import the same 10,000 (upsert, affected rows replaced): ${ms(t0)} — ${again.updated} updated`);
    try {
      const files = join(dir, 'files');
      execFileSync('mkdir', ['-p', files]);
      for (const [i, r] of records.entries()) writeFileSync(join(files, `DSA-${10000 + i}-1.json`), JSON.stringify(r));
      execFileSync('sh', ['-c', `cd ${files} && zip -q -r ../all.zip .`]);
      t0 = performance.now();
      const z = await importAdvisories(store, join(dir, 'all.zip'));
      console.log(`import all.zip with 10,000 members (own zip reader): ${ms(t0)} — ${z.files} files`);
    } catch (e) {
      console.log(`zip import skipped: ${(e as Error).message}`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const VERSIONS = 10_000;
const PACKAGES = 700;
const IMAGES = 100;

/** Seed galleries, versions, the package index and VMs with set-based SQL (the services would take far longer to seed this much). */
async function seed(store: Store): Promise<void> {
  const g = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/bench';
  await store.query(`INSERT INTO gallery_galleries (id, id_lower, subscription, resource_group, name, location, created_at) VALUES ($1, lower($1), 's', 'rg', 'bench', 'local', now())`, [g]);
  await store.query(
    `INSERT INTO gallery_images (id, id_lower, gallery_id, name, publisher, offer, sku, os_type, os_state, hyper_v_generation, created_at)
     SELECT $1 || '/images/img' || i, lower($1 || '/images/img' || i), $1, 'img' || i, 'P', 'O', 'sku' || i, 'Linux', 'Generalized', 'V2', now()
     FROM generate_series(0, $2 - 1) AS i`,
    [g, IMAGES],
  );
  await store.query(
    `INSERT INTO gallery_versions (id, id_lower, image_id, name, major, minor, patch, location, published_date)
     SELECT $1 || '/images/img' || (v % $3) || '/versions/1.0.' || (v / $3), lower($1 || '/images/img' || (v % $3) || '/versions/1.0.' || (v / $3)),
            $1 || '/images/img' || (v % $3), '1.0.' || (v / $3), 1, 0, v / $3, 'local', now()
     FROM generate_series(0, $2 - 1) AS v`,
    [g, VERSIONS, IMAGES],
  );
  // Bulk load without per-row index and foreign-key work, then build them once (as a restore would).
  await store.query(`ALTER TABLE image_packages DROP CONSTRAINT image_packages_version_id_fkey, DROP CONSTRAINT image_packages_pkey;
    DROP INDEX image_packages_source; DROP INDEX image_packages_binary`);
  // Per version 700 binaries: 200 from 100 base sources every image has (glibc-like), 500 from 250
  // application sources that only one image family in twenty has. Package revisions rise with the
  // version number (deb12u0 … deb12u11), so a fix at deb12u9 affects the older three quarters.
  for (let start = 0; start < VERSIONS; start += 500) {
    await store.query(
      `INSERT INTO image_packages (version_id, ecosystem, package, version, source, source_version, arch)
       SELECT $3 || '/images/img' || (v % $4) || '/versions/1.0.' || (v / $4), 'Debian:12', b.bin, b.ver, b.src, b.ver, 'amd64'
       FROM generate_series($1::int, $2::int) AS v
       CROSS JOIN LATERAL (
         SELECT CASE WHEN p < 200 THEN 'base' || p ELSE 'app' || (p - 200 + ((v % $4) % 20) * 500) END AS bin,
                CASE WHEN p < 200 THEN 'base' || (p / 2) ELSE 'app' || ((p - 200 + ((v % $4) % 20) * 500) / 2) END AS src,
                '1.' || (p % 50) || '-1+deb12u' || ((v / $4) * 12 / ($5 / $4)) AS ver
         FROM generate_series(0, $6 - 1) AS p) b`,
      [start, Math.min(start + 499, VERSIONS - 1), g, IMAGES, VERSIONS, PACKAGES],
    );
  }
  await store.query(`ALTER TABLE image_packages ADD PRIMARY KEY (version_id, package, arch, version);
    CREATE INDEX image_packages_source ON image_packages (ecosystem, source, source_version) INCLUDE (version_id, package, version, arch);
    CREATE INDEX image_packages_binary ON image_packages (ecosystem, package, version) INCLUDE (version_id, source, source_version, arch);
    ALTER TABLE image_packages ADD CONSTRAINT image_packages_version_id_fkey FOREIGN KEY (version_id) REFERENCES gallery_versions (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED`);
  // 20,000 VMs: half pinned to a version, half on latest with exactVersion.
  await store.query(
    `INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc)
     SELECT '/subscriptions/s/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/vm' || n,
            lower('/subscriptions/s/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/vm' || n),
            'microsoft.compute/virtualmachines', 's', 'apps', 'vm' || n,
            jsonb_build_object('name', 'vm' || n, 'tags', jsonb_build_object('team', 'team' || (n % 17), 'role', CASE WHEN n % 3 = 0 THEN 'pet' ELSE 'cattle' END),
              'properties', jsonb_build_object('storageProfile', jsonb_build_object('imageReference',
                CASE WHEN n % 2 = 0 THEN jsonb_build_object('id', $1 || '/images/img' || (n % $2) || '/versions/1.0.' || ((n / $2) % ($3 / $2)))
                ELSE jsonb_build_object('id', $1 || '/images/img' || (n % $2), 'exactVersion', '1.0.' || ((n / $2) % ($3 / $2))) END)))
     FROM generate_series(0, 19999) AS n`,
    [g, IMAGES, VERSIONS],
  );
  await store.query('VACUUM ANALYZE');
}

export async function benchVulnBlastRadius(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'gs-bench-vuln-'));
  const store = await openStore('radius');
  try {
    let t0 = performance.now();
    await seed(store);
    console.log(`seeded ${VERSIONS.toLocaleString()} versions × ${PACKAGES} packages (${(VERSIONS * PACKAGES).toLocaleString()} rows) + 20,000 VMs: ${ms(t0)}`);
    // Typical: an application package (one image family in twenty); worst: a base package in every version.
    const advisory = (id: string, src: string, p: number) => ({
      id, modified: '2026-01-01T00:00:00Z', upstream: [`CVE-2026-${id.slice(4, 9)}`],
      affected: [{ package: { ecosystem: 'Debian:12', name: src }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: `1.${p % 50}-1+deb12u9` }] }] }],
    });
    const typical = Array.from({ length: 30 }, (_, i) => advisory(`DSA-${20000 + i}-1`, `app${i * 331}`, 200 + ((i * 331 * 2) % 500)));
    const worst = Array.from({ length: 10 }, (_, i) => advisory(`DSA-${30000 + i}-1`, `base${i * 9}`, i * 18));
    writeFileSync(join(dir, 'adv.json'), JSON.stringify([...typical, ...worst]));
    await importAdvisories(store, join(dir, 'adv.json'));
    for (const [label, list] of [['typical (one image family)', typical], ['worst (a package in every version)', worst]] as const) {
      const times: number[] = [];
      let versions = 0;
      let vms = 0;
      for (const a of list) {
        t0 = performance.now();
        const r = await impact(store, a.id);
        times.push(performance.now() - t0);
        versions += r.affectedVersions.length;
        vms += r.vms.length;
      }
      times.sort((x, y) => x - y);
      const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
      console.log(`impact() ${label}: median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms over ${list.length} advisories (target < 50 ms)`);
      console.log(`  per advisory: ${(versions / list.length).toFixed(0)} affected versions, ${(vms / list.length).toFixed(0)} VMs`);
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

