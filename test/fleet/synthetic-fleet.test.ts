import assert from 'node:assert/strict';
import { after, afterEach, before, it } from 'node:test';
import { seedFleet, seedGallery, syntheticFleet } from '../../bench/_fleet-data.js';
import { normalizeArmDocument } from '../../src/fleet/index.js';
import type { Store } from '../../src/store/index.js';
import { describeEachBackend } from '../support/stores.js';
import { FleetFixture, resetTables } from './fixtures.js';

const NOW = new Date('2026-06-01T00:00:00Z');

it('syntheticFleet is deterministic by seed and every document has the VM shape', () => {
  const a = syntheticFleet({ vms: 500, subscriptions: 4, resourceGroups: 12, seed: 3, now: NOW });
  const b = syntheticFleet({ vms: 500, subscriptions: 4, resourceGroups: 12, seed: 3, now: NOW });
  const c = syntheticFleet({ vms: 500, subscriptions: 4, resourceGroups: 12, seed: 4, now: NOW });
  assert.equal(JSON.stringify(a), JSON.stringify(b));
  assert.notEqual(JSON.stringify(a.vms), JSON.stringify(c.vms));
  assert.equal(a.scopes.length, 16);
  for (const vm of a.vms) assert.deepEqual(normalizeArmDocument(vm).problems, [], vm.id);
  const m = a.mix;
  assert.equal(m.latest! + m.pinnedCurrent! + m.aged! + m.excluded! + m.endOfLife! + m.marketplace!, 500);
  assert.equal(m.pet! + m.cattle! + m.untagged!, 500);
});

describeEachBackend('synthetic fleet seeded into a store', (b) => {
  let store: Store;
  let f: FleetFixture;
  before(async () => {
    store = await b.open();
    await resetTables(store);
    f = new FleetFixture(store);
    f.now = NOW;
  });
  after(async () => store.close());
  afterEach(() => undefined);

  it('answers fleet questions that agree with what the generator aimed for', async () => {
    const data = syntheticFleet({ vms: 2000, subscriptions: 5, resourceGroups: 20, seed: 11, now: NOW });
    await seedGallery(f.gallery, f.artifacts, data.gallery);
    await seedFleet(store, [...data.scopes, ...data.vms]);
    const roles = await f.fleet.roles();
    const by = Object.fromEntries(roles.map((r) => [r.role, r]));
    assert.equal(by.cattle!.vms, data.mix.cattle);
    assert.equal(by.pet!.vms, data.mix.pet);
    const fromGallery = roles.reduce((n, r) => n + r.fromGallery, 0);
    assert.equal(fromGallery, 2000 - data.mix.marketplace!);
    // Outdated: every aged, excluded and end-of-life VM; none of the ones on today's latest.
    const outdated = await f.fleet.outdated();
    assert.equal(outdated.length, data.mix.aged! + data.mix.excluded! + data.mix.endOfLife!);
    const usage = await f.fleet.imageUsage({ groupBy: 'version' });
    assert.equal(usage.reduce((n, r) => n + r.vms, 0), 2000);
    assert.equal(usage.reduce((n, r) => n + r.outdated, 0), outdated.length);
    f.cleanup();
  });
});
