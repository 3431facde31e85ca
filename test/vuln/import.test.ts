import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync, copyFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import type { Store } from '../../src/store/index.js';
import { findAdvisories, importAdvisories } from '../../src/vuln/index.js';
import { describeEachBackend } from '../support/stores.js';
import { count, fixture, zipOf } from './helpers.js';

const tmp = () => mkdtempSync(join(tmpdir(), 'gs-vuln-imp-'));
const isErr = (code: string, re: RegExp) => (e: Error & { code?: string; where?: string }) => {
  assert.equal(e.code, code, e.message);
  assert.match(e.message + ' @ ' + (e.where ?? ''), re);
  return true;
};

describeEachBackend('cve import', (b) => {
  let store: Store;
  before(async () => (store = await b.open()));
  after(async () => store.close());

  it('imports OSV records (DSA-5673-1) with normalised affected rows and the upstream CVE as alias', async () => {
    const r = await importAdvisories(store, fixture('dsa-5673-1.osv.json'));
    assert.equal(r.inserted, 1);
    const [a] = await findAdvisories(store, 'CVE-2024-2961');
    assert.equal(a!.id, 'DSA-5673-1');
    assert.equal(a!.source, 'osv');
    assert.equal(a!.published, '2024-04-23T00:00:00.000Z');
    const rows = await store.query<{ ecosystem: string; package: string }>(`SELECT ecosystem, package FROM advisory_affected WHERE advisory_id = 'DSA-5673-1' ORDER BY ordinal`);
    assert.deepEqual(rows, [{ ecosystem: 'Debian:11', package: 'glibc' }, { ecosystem: 'Debian:12', package: 'glibc' }]);
  });

  it('re-importing updates records, never duplicates them, and replaces their affected rows', async () => {
    const dir = tmp();
    const doc = JSON.parse(readFileSync(fixture('dsa-5673-1.osv.json'), 'utf8'));
    doc.modified = '2024-05-01T00:00:00Z';
    doc.affected = [doc.affected[1]];
    doc.affected[0].ranges[0].events[1].fixed = '2.36-9+deb12u7';
    writeFileSync(join(dir, 'dsa.json'), JSON.stringify(doc));
    const before = await count(store, 'advisories');
    const r = await importAdvisories(store, join(dir, 'dsa.json'));
    assert.deepEqual([r.inserted, r.updated], [0, 1]);
    assert.equal(await count(store, 'advisories'), before);
    const [a] = await findAdvisories(store, 'DSA-5673-1');
    assert.equal(a!.affected.length, 1);
    assert.deepEqual(a!.affected[0]!.ranges[0]!.events[1], { fixed: '2.36-9+deb12u7' });
    // An older copy does not overwrite the newer one.
    const again = await importAdvisories(store, fixture('dsa-5673-1.osv.json'));
    assert.equal(again.stale, 1);
    assert.equal((await findAdvisories(store, 'DSA-5673-1'))[0]!.affected.length, 1);
  });

  it('imports a directory and an OSV zip dump (all.zip)', async () => {
    const dir = tmp();
    mkdirSync(join(dir, 'sub'));
    copyFileSync(fixture('dsa-5724-1.osv.json'), join(dir, 'sub', 'DSA-5724-1.json'));
    copyFileSync(fixture('goldsmith-test-0001.osv.json'), join(dir, 'x.json'));
    const r = await importAdvisories(store, dir);
    assert.equal(r.files, 2);
    assert.equal(r.advisories, 2);
    const zip = zipOf({ 'DSA-5724-1.json': readFileSync(fixture('dsa-5724-1.osv.json'), 'utf8'), 'DSA-5673-1.json': readFileSync(fixture('dsa-5673-1.osv.json'), 'utf8') });
    const z = await importAdvisories(store, zip);
    assert.equal(z.files, 2);
    assert.equal(z.inserted, 0, 'both were already there');
    assert.equal((await findAdvisories(store, 'CVE-2024-6387'))[0]!.id, 'DSA-5724-1');
  });

  it('imports the Debian Security Tracker JSON: bookworm → Debian:12, never-affected and sid skipped', async () => {
    const r = await importAdvisories(store, fixture('debian-tracker.json'));
    assert.equal(r.advisories, 2);
    const list = await findAdvisories(store, 'CVE-2024-6387');
    const tracker = list.find((a) => a.source === 'debian-tracker')!;
    assert.equal(tracker.id, 'CVE-2024-6387');
    assert.deepEqual(tracker.affected.map((e) => [e.ecosystem, e.package, JSON.stringify(e.ranges[0]!.events)]), [['Debian:12', 'openssh', JSON.stringify([{ introduced: '0' }, { fixed: '1:9.2p1-2+deb12u3' }])]]);
    assert.ok(list.some((a) => a.id === 'DSA-5724-1'), 'the DSA is found as related');
  });

  it('a bad record names file, record index and JSON path, and nothing of the command is imported', async () => {
    const n = await count(store, 'advisories');
    await assert.rejects(importAdvisories(store, fixture('bad-record.osv.json')), isErr('VULN_OSV_INVALID', /bad-record\.osv\.json: record 1 \(DSA-9999-2\) at \/affected\/0\/ranges\/0\/events.*@ .*bad-record\.osv\.json\[1\]\/affected\/0\/ranges\/0\/events/));
    assert.equal(await count(store, 'advisories'), n, 'record 0 was valid but is not imported either');
    assert.equal((await findAdvisories(store, 'DSA-9999-1')).length, 0);
  });

  it('refuses unknown ecosystems, not-a-zip files, bad versions and bad JSON with clear errors', async () => {
    const n = await count(store, 'advisories');
    await assert.rejects(importAdvisories(store, fixture('unknown-ecosystem.osv.json')), isErr('VULN_UNKNOWN_ECOSYSTEM', /ecosystem "PyPI".*\/affected\/0\/package\/ecosystem/));
    await assert.rejects(importAdvisories(store, fixture('not-a-zip.zip')), isErr('VULN_NOT_A_ZIP', /not-a-zip\.zip is named \.zip but is not a zip archive/));
    const dir = tmp();
    const tracker = { glibc: { 'CVE-2024-2961': { releases: { hamm: { status: 'resolved', fixed_version: '1.0' } } } } };
    writeFileSync(join(dir, 't.json'), JSON.stringify(tracker));
    await assert.rejects(importAdvisories(store, join(dir, 't.json')), isErr('VULN_UNKNOWN_ECOSYSTEM', /unknown Debian release "hamm".*\/glibc\/CVE-2024-2961\/releases\/hamm/));
    const doc = JSON.parse(readFileSync(fixture('dsa-5724-1.osv.json'), 'utf8'));
    doc.affected[0].ranges[0].events[1].fixed = '9.2p1 bad';
    writeFileSync(join(dir, 'v.json'), JSON.stringify(doc));
    await assert.rejects(importAdvisories(store, join(dir, 'v.json')), isErr('VULN_VERSION_INVALID', /\/affected\/0\/ranges\/0\/events\/1\/fixed/));
    writeFileSync(join(dir, 'j.json'), '{"id": ');
    await assert.rejects(importAdvisories(store, join(dir, 'j.json')), isErr('VULN_JSON_INVALID', /j\.json is not valid JSON/));
    // A zip whose second member is bad: the first is not imported either.
    const zip = zipOf({ 'a.json': readFileSync(fixture('goldsmith-test-0001.osv.json'), 'utf8').replace('x_GOLDSMITH-TEST-0001', 'x_GOLDSMITH-TEST-0009'), 'b.json': readFileSync(fixture('unknown-ecosystem.osv.json'), 'utf8') });
    await assert.rejects(importAdvisories(store, zip), isErr('VULN_UNKNOWN_ECOSYSTEM', /all\.zip!b\.json/));
    assert.equal(await count(store, 'advisories'), n);
  });
});
