import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import { RunStore } from '../../src/pipeline/run-store.js';
import type { Store } from '../../src/store/index.js';
import { cveTimeline, importAdvisories, type MirrorProbe, type RespondEvent } from '../../src/vuln/index.js';
import { describeEachBackend } from '../support/stores.js';
import { count, fixture, inventory, newApp, publishWith, putVm, type Pkg } from './helpers.js';

const glibc = (v: string): Pkg[] => [['libc6', v, 'glibc'], ['libc-bin', v, 'glibc']];

class FakeProbe implements MirrorProbe {
  calls: Array<{ archive: string; packages: readonly string[] }> = [];
  constructor(private offer: Record<string, string[]>) {}
  async available(archive: string, packages: readonly string[]) {
    this.calls.push({ archive, packages });
    return Object.fromEntries(packages.map((p) => [p, this.offer[p] ?? []]));
  }
}

describeEachBackend('cve respond (plan, and apply without a build)', (b) => {
  let store: Store;
  let app: App;
  let template: string;
  const ids: Record<string, string> = {};
  before(async () => {
    store = await b.open();
    app = newApp(store, () => new Date('2026-11-23T19:00:00Z'));
    const dir = mkdtempSync(join(tmpdir(), 'gs-vuln-tpl-'));
    template = join(dir, 'web.json');
    writeFileSync(template, '{}');
    await new RunStore(store).create({ id: 'run-web-1', templateName: 'web', templateFile: template, templateDigest: 'sha256:' + '0'.repeat(64), template: {} as never, kind: 'on-demand', params: {}, workDir: dir });
    const regions = [{ name: 'local', replicaCount: 1 }, { name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }];
    ids.web0 = await publishWith(app, { image: 'web', version: '1.0.0', regions }, inventory(glibc('2.36-9+deb12u6')));
    ids.web1 = await publishWith(app, { image: 'web', version: '1.0.1', regions, buildRunId: 'run-web-1' }, inventory(glibc('2.36-9+deb12u4')));
    ids.db = await publishWith(app, { image: 'db', version: '1.0.0' }, inventory(glibc('2.36-9+deb12u5')));
    await importAdvisories(store, fixture('dsa-5673-1.osv.json'), { now: new Date('2026-11-23T18:59:00Z') });
  });
  after(async () => store.close());

  it('plans exclusions, the rebuild template and pins from the mirror, without changing anything', async () => {
    const probe = new FakeProbe({ libc6: ['2.36-9+deb12u4', '2.36-9+deb12u6', '2.36-9+deb12u7'], 'libc-bin': ['2.36-9+deb12u4', '2.36-9+deb12u6'] });
    const events: RespondEvent[] = [];
    const r = await app.vuln.respond('CVE-2024-2961', { probe, onEvent: (e) => events.push(e) });
    assert.equal(r.applied, false);
    assert.deepEqual(r.plan.exclude.map((e) => [e.image, e.version, e.regions.join(',')]), [['db', '1.0.0', 'local'], ['web', '1.0.1', 'local,westeurope,eastus']]);
    const web = r.plan.rebuild.find((x) => x.image === 'web')!;
    assert.equal(web.templateFile, template);
    assert.deepEqual(web.pins.sort(), ['libc-bin=2.36-9+deb12u6', 'libc6=2.36-9+deb12u6']);
    assert.equal(web.blocked, undefined);
    assert.match(probe.calls[0]!.archive, /artifacts\/local\//, "the version's own rootfs is asked");
    assert.match(r.plan.rebuild.find((x) => x.image === 'db')!.blocked!, /has no build run/);
    assert.deepEqual(r.plan.cves, ['CVE-2024-2961']);
    assert.deepEqual(r.plan.advisoryIds, ['DSA-5673-1'], 'tattooed beside the CVE');
    assert.equal(events[0]!.type === 'step' && events[0].step, 'matched');
    // Nothing changed.
    assert.equal((await app.gallery.showVersion(ids.web1!)).excludeFromLatest, false);
    assert.equal(await count(store, "cve_events WHERE step <> 'imported'"), 0);
  });

  it('an advisory without a CVE id is rebuilt all the same, tattooed with its own id', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-vuln-nocve-'));
    const record = { schema_version: '1.6.0', id: 'GHSA-gs00-0000-0001', modified: '2026-11-23T00:00:00Z', summary: 'glibc: a flaw with no CVE yet',
      affected: [{ package: { ecosystem: 'Debian:12', name: 'glibc' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '2.36-9+deb12u6' }] }] }] };
    writeFileSync(join(dir, 'ghsa.json'), JSON.stringify(record));
    await importAdvisories(store, join(dir, 'ghsa.json'));
    const probe = new FakeProbe({ libc6: ['2.36-9+deb12u6'], 'libc-bin': ['2.36-9+deb12u6'] });
    const r = await app.vuln.respond('GHSA-gs00-0000-0001', { probe });
    assert.deepEqual([r.plan.cves, r.plan.advisoryIds], [[], ['GHSA-gs00-0000-0001']]);
    assert.equal(r.plan.rebuild.find((x) => x.image === 'web')!.blocked, undefined);
  });

  it('a mirror without the fix blocks the rebuild and says what it offers', async () => {
    const r = await app.vuln.respond('DSA-5673-1', { probe: new FakeProbe({ libc6: ['2.36-9+deb12u4'] }) });
    const web = r.plan.rebuild.find((x) => x.image === 'web')!;
    assert.match(web.blocked!, /no fixed package is available/);
    assert.match(web.unpinned.find((u) => u.package === 'libc6')!.reason, /it offers 2\.36-9\+deb12u4/);
    assert.match(web.unpinned.find((u) => u.package === 'libc-bin')!.reason, /does not offer it/);
  });

  it('apply excludes every affected version in every region, records the timeline, and reports blocked rebuilds', async () => {
    assert.equal((await app.gallery.resolveLatest('g1', 'web'))!.name, '1.0.1');
    const r = await app.vuln.respond('CVE-2024-2961', { apply: true, probe: new FakeProbe({}) });
    assert.equal(r.ok, false, 'rebuilds were blocked');
    assert.deepEqual(r.excluded.sort(), [ids.db, ids.web1].sort());
    const v = await app.gallery.showVersion(ids.web1!);
    assert.equal(v.excludeFromLatest, true);
    assert.ok(v.targetRegions.every((t) => t.excludeFromLatest === true), JSON.stringify(v.targetRegions));
    for (const region of ['local', 'westeurope', 'eastus']) assert.equal((await app.gallery.resolveLatest('g1', 'web', region))!.name, '1.0.0', region);
    assert.equal((await app.gallery.showVersion(ids.web0!)).excludeFromLatest, false, 'the unaffected version is untouched');
    const t = await cveTimeline(store, 'DSA-5673-1', '2024-04-23T00:00:00.000Z');
    assert.deepEqual(t.map((e) => e.step), ['published', 'imported', 'matched', 'excluded', 'excluded', 'failed', 'failed']);
    const ex = t.find((e) => e.step === 'excluded')!;
    assert.match(String((ex.data as { reason: string }).reason), /DSA-5673-1, CVE-2024-2961/);
    assert.equal(r.totalMs, 60_000, 'from import (18:59) to the last step (19:00, the test clock)');
    // Idempotent: a second apply finds them already excluded and changes nothing more.
    const again = await app.vuln.respond('CVE-2024-2961', { apply: true, probe: new FakeProbe({}) });
    assert.ok(again.plan.exclude.every((e) => e.alreadyExcluded));
  });

  it('plans replacing the VMs on a soft-deleted affected version, without planning to exclude or rebuild from it', async () => {
    const old = await publishWith(app, { image: 'old', version: '1.0.0' }, inventory(glibc('2.36-9+deb12u1')));
    await putVm(store, 'old-vm', { team: 'legacy' }, { id: old });
    await putVm(store, 'web-vm', { team: 'shop' }, { id: ids.web1! });
    await app.gallery.deleteVersion(old);
    const r = await app.vuln.respond('CVE-2024-2961', { probe: new FakeProbe({}) });
    assert.deepEqual(r.plan.vms.map((v) => [v.name, v.imageVersion]), [['old-vm', old], ['web-vm', ids.web1]]);
    assert.ok(!r.plan.exclude.some((e) => e.id === old));
    assert.ok(!r.plan.rebuild.some((x) => x.image === 'old'));
  });
});

