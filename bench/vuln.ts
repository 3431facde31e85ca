import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate, PGliteStore, PostgresStore, type Store } from '../src/store/index.js';
import { affectedVersionsFor, findAdvisories, impact, importAdvisories, readAdvisories } from '../src/vuln/index.js';

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
export async function seedBlastRadius(store: Store): Promise<void> {
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
  // Per version 700 binaries: 200 from 100 base sources every image has (glibc-like), 500 from 250
  // application sources that only one image family in twenty has. Package revisions rise with the
  // version number (deb12u0 … deb12u11), so a fix at deb12u9 affects the older three quarters.
  // The distinct package rows first (what publishing many versions of the same images leaves behind) …
  const revisions = 12;
  await store.query(
    `INSERT INTO package_rows (ecosystem, package, version, source, source_version, arch)
     SELECT 'Debian:12', b.bin, b.ver, b.src, b.ver, 'amd64' FROM (
       SELECT 'base' || p AS bin, 'base' || (p / 2) AS src, '1.' || (p % 50) || '-1+deb12u' || u AS ver
         FROM generate_series(0, 199) AS p, generate_series(0, $1 - 1) AS u
       UNION ALL
       SELECT 'app' || (p - 200 + f * 500), 'app' || ((p - 200 + f * 500) / 2), '1.' || (p % 50) || '-1+deb12u' || u
         FROM generate_series(200, $2 - 1) AS p, generate_series(0, 19) AS f, generate_series(0, $1 - 1) AS u) b`,
    [revisions, PACKAGES],
  );
  // … then which version holds which, bulk-loaded without per-row index and foreign-key work, the
  // indexes built once (as a restore would).
  await store.query(`ALTER TABLE version_packages DROP CONSTRAINT version_packages_row_id_fkey, DROP CONSTRAINT version_packages_version_seq_fkey,
    DROP CONSTRAINT version_packages_pkey; DROP INDEX version_packages_version`);
  for (let start = 0; start < VERSIONS; start += 500) {
    await store.query(
      `INSERT INTO version_packages (row_id, version_seq)
       SELECT r.id, gv.seq
       FROM generate_series($1::int, $2::int) AS v
       JOIN gallery_versions gv ON gv.id = $3 || '/images/img' || (v % $4) || '/versions/1.0.' || (v / $4)
       CROSS JOIN LATERAL (
         SELECT CASE WHEN p < 200 THEN 'base' || p ELSE 'app' || (p - 200 + ((v % $4) % 20) * 500) END AS bin,
                '1.' || (p % 50) || '-1+deb12u' || ((v / $4) * $7 / ($5 / $4)) AS ver
         FROM generate_series(0, $6 - 1) AS p) b
       JOIN package_rows r ON r.ecosystem = 'Debian:12' AND r.package = b.bin AND r.arch = 'amd64' AND r.version = b.ver`,
      [start, Math.min(start + 499, VERSIONS - 1), g, IMAGES, VERSIONS, PACKAGES, revisions],
    );
  }
  await store.query(`ALTER TABLE version_packages ADD PRIMARY KEY (row_id, version_seq);
    CREATE INDEX version_packages_version ON version_packages (version_seq);
    ALTER TABLE version_packages ADD CONSTRAINT version_packages_row_id_fkey FOREIGN KEY (row_id) REFERENCES package_rows (id),
      ADD CONSTRAINT version_packages_version_seq_fkey FOREIGN KEY (version_seq) REFERENCES gallery_versions (seq) ON DELETE CASCADE`);
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
    await seedBlastRadius(store);
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
    // Three readings per advisory: the affected versions alone (the versions × packages blast radius),
    // `cve impact` as run (VM counts per team and role, first 100 VMs listed) and with every VM listed.
    const modes = [
      ['affected versions', async (id: string) => ({ versions: (await affectedVersionsFor(store, await findAdvisories(store, id))).length, vms: 0 })],
      ['impact, VMs counted + 100 listed', async (id: string) => { const r = await impact(store, id); return { versions: r.affectedVersions.length, vms: r.vmCount }; }],
      ['impact, every VM listed', async (id: string) => { const r = await impact(store, id, { vmLimit: null }); return { versions: r.affectedVersions.length, vms: r.vms.length }; }],
    ] as const;
    for (const [label, list] of [['typical (one image family)', typical], ['worst (a package in every version)', worst]] as const) {
      console.log(`${label}:`);
      for (const [mode, run] of modes) {
        const times: number[] = [];
        let versions = 0;
        let vms = 0;
        for (const a of list) await run(a.id); // warm: plans and caches, as a second query in a response would find them
        for (const a of list) {
          t0 = performance.now();
          const r = await run(a.id);
          times.push(performance.now() - t0);
          versions += r.versions;
          vms += r.vms;
        }
        times.sort((x, y) => x - y);
        const q = (p: number) => times[Math.min(times.length - 1, Math.floor(p * times.length))]!.toFixed(1);
        console.log(`  ${mode}: median ${q(0.5)} ms, p95 ${q(0.95)} ms, max ${q(1)} ms over ${list.length} advisories (target < 50 ms); per advisory ${(versions / list.length).toFixed(0)} versions${vms ? `, ${(vms / list.length).toFixed(0)} VMs` : ''}`);
      }
    }
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

