import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { upsertResources, type ArmResource } from '../../src/fleet/index.js';
import { deleteResourceTree } from '../../src/arm/index.js';
import type { Queryable, Store } from '../../src/store/index.js';
import { backends, describeEachBackend } from '../support/stores.js';

/**
 * image_usage counts the VMs and scale sets per image version, team and role, kept by triggers on
 * resources and gallery_versions. Whatever is written, by whichever path, it must equal what counting
 * the VMs themselves gives, and link each version it names to gallery_versions while that exists.
 */
const SUB = '00000000-0000-0000-0000-000000000000';
const G = `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/galleries/g1`;
const IMAGES = ['web', 'db'];
const VERSIONS = ['1.0.0', '1.0.1', '1.0.2'];

function vm(name: string, opts: { image: string; version: string; pinned: boolean; tags: Record<string, string>; scaleSet?: boolean }): ArmResource {
  const type = opts.scaleSet ? 'Microsoft.Compute/virtualMachineScaleSets' : 'Microsoft.Compute/virtualMachines';
  const id = `/subscriptions/${SUB}/resourceGroups/apps/providers/${type}/${name}`;
  const def = `${G}/images/${opts.image}`;
  const imageReference = opts.pinned ? { id: `${def}/versions/${opts.version}` } : { id: def, exactVersion: opts.version };
  const storageProfile = { imageReference };
  const properties = opts.scaleSet ? { virtualMachineProfile: { storageProfile } } : { storageProfile };
  return { id, name, type, location: 'westeurope', tags: opts.tags, properties } as ArmResource;
}

async function publish(store: Queryable, image: string, version: string): Promise<void> {
  const [major, minor, patch] = version.split('.').map(Number);
  await store.query(
    `INSERT INTO gallery_versions (id, id_lower, image_id, name, major, minor, patch, location, published_date) VALUES ($1, lower($1), $2, $3, $4, $5, $6, 'local', now())`,
    [`${G}/images/${image}/versions/${version}`, `${G}/images/${image}`, version, major, minor, patch],
  );
}

async function seedGallery(store: Store): Promise<void> {
  await store.query(`INSERT INTO gallery_galleries (id, id_lower, subscription, resource_group, name, location, created_at) VALUES ($1, lower($1), $2, 'rg', 'g1', 'local', now())`, [G, SUB]);
  for (const image of IMAGES) {
    await store.query(
      `INSERT INTO gallery_images (id, id_lower, gallery_id, name, publisher, offer, sku, os_type, os_state, hyper_v_generation, created_at)
       VALUES ($1, lower($1), $2, $3, 'P', 'O', $3, 'Linux', 'Generalized', 'V2', now())`,
      [`${G}/images/${image}`, G, image],
    );
  }
}

type Row = { image_version: string; team: string | null; role: string | null; vms: number; version_seq: number | null };
const order = `ORDER BY image_version COLLATE "C", team COLLATE "C" NULLS LAST, role COLLATE "C" NULLS LAST`;

const usage = (store: Store) => store.query<Row>(`SELECT image_version, team, role, vms, version_seq FROM image_usage ${order}`);

/** The truth image_usage must equal: the VMs counted, each version looked up. */
const counted = (store: Store) =>
  store.query<Row>(
    `SELECT image_version, team, role, vms, version_seq FROM (
       SELECT r.image_version, r.team, r.role, count(*)::int AS vms, (SELECT g.seq FROM gallery_versions g WHERE g.id_lower = r.image_version) AS version_seq
       FROM resources r WHERE r.image_version IS NOT NULL GROUP BY 1, 2, 3) c ${order}`,
  );

/** A small deterministic generator, so a failure replays. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => ((s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x9e3779b9) >>> 0), s / 2 ** 32);
}

describeEachBackend('image usage counts', (b) => {
  let store: Store;
  const at = '2026-11-24T00:00:00Z';
  before(async () => {
    store = await b.open();
    await seedGallery(store);
  });
  after(async () => store.close());
  it('counts VMs and scale sets per version, team and role; links versions that exist', async () => {
    await publish(store, 'web', '1.0.0');
    await upsertResources(
      store,
      [
        vm('a', { image: 'web', version: '1.0.0', pinned: true, tags: { team: 'shop', role: 'Cattle' } }),
        vm('b', { image: 'WEB', version: '1.0.0', pinned: false, tags: { Team: 'shop', ROLE: 'cattle' } }),
        vm('c', { image: 'web', version: '1.0.0', pinned: true, tags: { team: 'shop', role: 'pet' }, scaleSet: true }),
        vm('d', { image: 'db', version: '1.0.2', pinned: true, tags: {} }),
        { id: `/subscriptions/${SUB}/resourceGroups/apps/providers/Microsoft.Network/virtualNetworks/n`, name: 'n', type: 'Microsoft.Network/virtualNetworks', location: 'westeurope' } as ArmResource,
      ],
      at,
    );
    const web = `${G}/images/web/versions/1.0.0`.toLowerCase();
    const rows = await usage(store);
    assert.deepEqual(
      rows.map((r) => [r.image_version, r.team, r.role, r.vms, r.version_seq === null]),
      [
        [`${G}/images/db/versions/1.0.2`.toLowerCase(), null, null, 1, true],
        [web, 'shop', 'cattle', 2, false],
        [web, 'shop', 'pet', 1, false],
      ],
    );
    assert.deepEqual(rows, await counted(store));
  });

  it('moves counts when a VM is retagged or re-imaged, and drops rows that reach zero', async () => {
    await upsertResources(store, [vm('a', { image: 'web', version: '1.0.0', pinned: true, tags: { team: 'shop', role: 'cattle' } })], at); // unchanged
    await upsertResources(store, [vm('b', { image: 'web', version: '1.0.0', pinned: false, tags: { team: 'ops', role: 'cattle' } })], at);
    await upsertResources(store, [vm('c', { image: 'db', version: '1.0.2', pinned: true, tags: {}, scaleSet: true })], at);
    const rows = await usage(store);
    assert.ok(!rows.some((r) => r.role === 'pet'), 'the pet row emptied by the re-image is gone');
    assert.deepEqual(rows.map((r) => [r.team, r.role, r.vms]), [[null, null, 2], ['ops', 'cattle', 1], ['shop', 'cattle', 1]]);
    assert.deepEqual(rows, await counted(store));
  });

  it('links a version published after its VMs, and unlinks a purged one', async () => {
    await publish(store, 'db', '1.0.2');
    const db = `${G}/images/db/versions/1.0.2`.toLowerCase();
    const [seq] = await store.query<{ seq: number }>(`SELECT seq FROM gallery_versions WHERE id_lower = $1`, [db]);
    assert.deepEqual((await usage(store)).filter((r) => r.image_version === db).map((r) => r.version_seq), [seq!.seq]);
    await store.query(`DELETE FROM gallery_versions WHERE id_lower = $1`, [db]);
    assert.deepEqual((await usage(store)).filter((r) => r.image_version === db).map((r) => r.version_seq), [null]);
    assert.deepEqual(await usage(store), await counted(store));
  });

  it('changes nothing when the writing transaction rolls back', async () => {
    const beforeRows = await usage(store);
    await assert.rejects(
      store.tx(async (tx) => {
        await upsertResources(tx, [vm('e', { image: 'web', version: '1.0.0', pinned: true, tags: { team: 'shop' } })], at);
        await deleteResourceTree(tx, `/subscriptions/${SUB}/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/a`);
        throw new Error('abort');
      }),
      /abort/,
    );
    assert.deepEqual(await usage(store), beforeRows);
  });

  it('equals counting the VMs after any sequence of writes, deletes, publishes and purges', async () => {
    const rnd = prng(20261124);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
    const teams = [undefined, 'shop', 'ops', 'Shop'];
    const roles = [undefined, 'pet', 'cattle', 'Pet'];
    for (let step = 0; step < 40; step++) {
      const op = rnd();
      if (op < 0.55) {
        // One statement upserting a batch, with a repeated name: the last write of a name wins in the
        // batch's order, except that a batch cannot name one row twice, so names are made unique first.
        const batch = new Map<string, ArmResource>();
        for (let i = 0, n = 1 + Math.floor(rnd() * 8); i < n; i++) {
          const name = `vm${Math.floor(rnd() * 25)}`;
          const tags: Record<string, string> = {};
          const team = pick(teams);
          const role = pick(roles);
          if (team) tags[rnd() < 0.5 ? 'team' : 'Team'] = team;
          if (role) tags.role = role;
          batch.set(name, vm(name, { image: pick(IMAGES), version: pick(VERSIONS), pinned: rnd() < 0.5, tags, scaleSet: rnd() < 0.2 }));
        }
        await upsertResources(store, [...batch.values()], at);
      } else if (op < 0.8) {
        await deleteResourceTree(store, `/subscriptions/${SUB}/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/vm${Math.floor(rnd() * 25)}`);
      } else if (op < 0.9) {
        const [image, version] = [pick(IMAGES), pick(VERSIONS)];
        const exists = await store.query(`SELECT 1 FROM gallery_versions WHERE id_lower = lower($1)`, [`${G}/images/${image}/versions/${version}`]);
        if (!exists.length) await publish(store, image, version);
      } else {
        await store.query(`DELETE FROM gallery_versions WHERE id_lower = lower($1)`, [`${G}/images/${pick(IMAGES)}/versions/${pick(VERSIONS)}`]);
      }
      assert.deepEqual(await usage(store), await counted(store), `after step ${step}`);
    }
    assert.ok((await usage(store)).length > 3, 'the sequence left VMs to count');
  });
});

/**
 * READ COMMITTED race: a VM written while the version it names is being published must end up
 * linked whichever commits first (each side waits for the other on the key's advisory lock).
 */
describe('image usage while a version is being published [postgres]', () => {
  let store: Store;
  before(async () => {
    store = await backends.find((x) => x.name === 'postgres')!.open();
    await seedGallery(store);
  });
  after(async () => store.close());

  for (const first of ['publish', 'vm'] as const) {
    it(`links the VM's row when the ${first} transaction is open while the other writes`, async () => {
      const version = first === 'publish' ? '2.0.0' : '2.0.1';
      const write = (q: Queryable) => upsertResources(q, [vm(`race-${version}`, { image: 'web', version, pinned: true, tags: { team: 'shop' } })], '2026-11-24T00:00:00Z');
      const open = first === 'publish' ? (q: Queryable) => publish(q, 'web', version) : write;
      const second = first === 'publish' ? write : (q: Queryable) => publish(q, 'web', version);
      let opened!: () => void;
      let release!: () => void;
      const isOpen = new Promise<void>((r) => (opened = r));
      const released = new Promise<void>((r) => (release = r));
      const holding = store.tx(async (tx) => {
        await open(tx);
        opened();
        await released;
      });
      await isOpen;
      let done = false;
      const other = store.tx(async (tx) => second(tx)).then(() => (done = true));
      try {
        await sleep(300);
        assert.equal(done, false, 'the second writer waits for the open transaction');
      } finally {
        release();
        await Promise.all([holding, other]);
      }
      const [row] = await store.query<{ version_seq: number | null; seq: number }>(
        `SELECT u.version_seq, g.seq FROM image_usage u JOIN gallery_versions g ON g.id_lower = u.image_version WHERE u.image_version = lower($1)`,
        [`${G}/images/web/versions/${version}`],
      );
      assert.equal(row?.version_seq, row?.seq);
    });
  }
});

