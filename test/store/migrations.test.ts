import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { migrate, PGliteStore, type Store } from '../../src/store/index.js';
import { migrations } from '../../src/store/migrations/index.js';
import { openPostgresSchema } from '../support/stores.js';

/**
 * Upgrading keeps data: a database migrated up to 0006-supply-chain-2 (the package index keyed by
 * version id, VMs without generated columns) holds versions, packages and VMs; migrating the rest
 * must carry every package row over and compute the VM columns for rows written before they existed.
 */
const UPTO = '0006-supply-chain-2';
const before2 = migrations.slice(0, migrations.findIndex((m) => m.id === UPTO) + 1);

const empties: Array<{ name: string; open(): Promise<Store> }> = [
  { name: 'pglite', open: () => PGliteStore.open() },
  { name: 'postgres', open: () => openPostgresSchema('t_mig') },
];

const G = '/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g1';
const v = (n: string) => `${G}/images/web/versions/${n}`;
const packages = [
  [v('1.0.0'), 'Debian:12', 'libc6', '2.36-9+deb12u4', 'glibc', '2.36-9+deb12u4', 'amd64'],
  [v('1.0.0'), 'Debian:12', 'libc-bin', '2.36-9+deb12u4', 'glibc', '2.36-9+deb12u4', 'amd64'],
  [v('1.0.1'), 'Debian:12', 'libc6', '2.36-9+deb12u4', 'glibc', '2.36-9+deb12u4', 'amd64'],
  [v('1.0.1'), 'Debian:12', 'bash', '5.2.15-2+b2', 'bash', '5.2.15-2', 'amd64'],
];

for (const backend of empties) {
  describe(`upgrading a populated database [${backend.name}]`, () => {
    let store: Store;
    before(async () => {
      store = await backend.open();
      await migrate(store, before2);
      await store.query(`INSERT INTO gallery_galleries (id, id_lower, subscription, resource_group, name, location, created_at) VALUES ($1, lower($1), 's', 'rg', 'g1', 'local', now())`, [G]);
      await store.query(
        `INSERT INTO gallery_images (id, id_lower, gallery_id, name, publisher, offer, sku, os_type, os_state, hyper_v_generation, created_at)
         VALUES ($1 || '/images/web', lower($1 || '/images/web'), $1, 'web', 'P', 'O', 'S', 'Linux', 'Generalized', 'V2', now())`,
        [G],
      );
      for (const [n, patch] of [['1.0.0', 0], ['1.0.1', 1]] as const) {
        await store.query(
          `INSERT INTO gallery_versions (id, id_lower, image_id, name, major, minor, patch, location, published_date) VALUES ($1, lower($1), $2, $3, 1, 0, $4, 'local', now())`,
          [v(n), `${G}/images/web`, n, patch],
        );
      }
      for (const p of packages) await store.query(`INSERT INTO image_packages (version_id, ecosystem, package, version, source, source_version, arch) VALUES ($1, $2, $3, $4, $5, $6, $7)`, p);
      const vm = (name: string, tags: Record<string, string>, imageReference: Record<string, string>) =>
        store.query(`INSERT INTO resources (id, id_lower, type, name, doc) VALUES ($1, lower($1), 'microsoft.compute/virtualmachines', $2, $3)`, [
          `/subscriptions/s/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/${name}`,
          name,
          { name, tags, properties: { storageProfile: { imageReference } } },
        ]);
      await vm('pinned', { Team: 'shop', ROLE: 'Pet' }, { id: v('1.0.0').toUpperCase() });
      await vm('latest', { team: 'shop' }, { id: `${G}/images/web`, exactVersion: '1.0.1' });
      await migrate(store);
    });
    after(async () => store.close());

    it('carries every package row over into the normalised index', async () => {
      const rows = await store.query<Record<string, string>>(`SELECT version_id, ecosystem, package, version, source, source_version, arch FROM image_packages ORDER BY version_id, package`);
      const want = [...packages].sort((a, b) => (a[0]! + a[2]! < b[0]! + b[2]! ? -1 : 1));
      assert.deepEqual(rows.map((r) => Object.values(r)), want);
      const [{ n }] = (await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM package_rows`)) as [{ n: number }];
      assert.equal(n, 3, 'libc6 of both versions is one shared row');
    });

    it('computes the VM columns for rows written before they existed', async () => {
      const rows = await store.query<{ name: string; image_version: string; image_definition: string; team: string | null; role: string | null }>(
        `SELECT name, image_version, image_definition, team, role FROM resources ORDER BY name`,
      );
      assert.deepEqual(rows, [
        { name: 'latest', image_version: v('1.0.1').toLowerCase(), image_definition: `${G}/images/web`.toLowerCase(), team: 'shop', role: null },
        { name: 'pinned', image_version: v('1.0.0').toLowerCase(), image_definition: `${G}/images/web`.toLowerCase(), team: 'shop', role: 'pet' },
      ]);
    });

    it('counts the VMs written before image_usage existed, linked to their versions', async () => {
      const rows = await store.query<{ image_version: string; team: string | null; role: string | null; vms: number; linked: boolean }>(
        `SELECT u.image_version, u.team, u.role, u.vms, g.id IS NOT NULL AS linked FROM image_usage u LEFT JOIN gallery_versions g ON g.seq = u.version_seq ORDER BY u.image_version`,
      );
      assert.deepEqual(rows, [
        { image_version: v('1.0.0').toLowerCase(), team: 'shop', role: 'pet', vms: 1, linked: true },
        { image_version: v('1.0.1').toLowerCase(), team: 'shop', role: null, vms: 1, linked: true },
      ]);
    });

    it('deleting a version removes its index rows', async () => {
      await store.query(`DELETE FROM gallery_versions WHERE id = $1`, [v('1.0.0')]);
      const rows = await store.query<{ version_id: string }>(`SELECT DISTINCT version_id FROM image_packages`);
      assert.deepEqual(rows.map((r) => r.version_id), [v('1.0.1')]);
    });
  });
}
