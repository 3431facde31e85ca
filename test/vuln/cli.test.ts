import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { cliFor } from '../support/cli.js';
import { createApp } from '../../src/app/index.js';
import { migrate, PGliteStore } from '../../src/store/index.js';
import { fixture, inventory, publishWith, putVm } from './helpers.js';

const home = mkdtempSync(join(tmpdir(), 'gs-cve-cli-'));

const cli = cliFor(home);

test('goldsmith cve import | list | impact | respond | timeline', async (t) => {
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const imp = cli('cve', 'import', fixture('dsa-5673-1.osv.json'), '--json');
  assert.equal(imp.code, 0, imp.stderr);
  assert.equal(imp.json.inserted, 1);
  assert.equal(cli('cve', 'import', fixture('debian-tracker.json')).code, 0);

  const bad = cli('cve', 'import', fixture('bad-record.osv.json'));
  assert.equal(bad.code, 65, 'input error exit code');
  assert.match(bad.stderr, /VULN_OSV_INVALID: .*bad-record\.osv\.json: record 1 \(DSA-9999-2\)/);
  assert.match(bad.stderr, /at .*bad-record\.osv\.json\[1\]\/affected\/0\/ranges\/0\/events/);

  // A published version with an old glibc and a VM on it, written through the services on the same home.
  const store = await PGliteStore.open(join(home, 'db'));
  await migrate(store);
  const app = createApp({ home } as never, store);
  const vid = await publishWith(app, { image: 'web', version: '1.0.0' }, inventory([['libc6', '2.36-9+deb12u4', 'glibc'], ['bash', '5.2.15-2+b2', 'bash', '5.2.15-2']]));
  await putVm(store, 'web-a', { team: 'shop', role: 'cattle' }, { id: vid });
  await store.close();

  const list = cli('cve', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.equal(list.json.find((a: { id: string }) => a.id === 'DSA-5673-1').affectedVersions, 1);
  assert.match(cli('cve', 'list').stdout, /DSA-5673-1\s+CVE-2024-2961\s+Debian:11\/glibc,Debian:12\/glibc\s+2\.31-13\+deb11u9,2\.36-9\+deb12u6\s+1/);

  const human = cli('cve', 'impact', 'CVE-2024-2961');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /g1\/web\/1\.0\.0\n\s+libc6 2\.36-9\+deb12u4 → 2\.36-9\+deb12u6\s+\[source glibc/);
  assert.match(human.stdout, /team shop: 1 VM\(s\)\n\s+cattle \(1\): web-a/);
  const j = cli('cve', 'impact', 'CVE-2024-2961', '--json');
  assert.deepEqual(j.json.byRole, { cattle: 1 });
  assert.deepEqual(j.json.vms.map((v: { name: string }) => v.name), ['web-a']);
  assert.equal(cli('cve', 'impact', 'CVE-2024-2961', '--vms', 'all', '--json').json.vmCount, 1);
  const badLimit = cli('cve', 'impact', 'CVE-2024-2961', '--vms', 'some');
  assert.notEqual(badLimit.code, 0);
  assert.match(badLimit.stderr, /--vms.*positive integer or "all"/);
  assert.equal(cli('cve', 'impact', 'CVE-1999-0001').code, 66);

  const plan = cli('cve', 'respond', 'DSA-5673-1');
  assert.equal(plan.code, 0, plan.stderr);
  assert.match(plan.stdout, /exclude from latest \(1\):\n\s+g1\/web\/1\.0\.0 in local/);
  assert.match(plan.stdout, /BLOCKED: version 1\.0\.0 has no build run/);
  assert.match(plan.stdout, /run again with --apply/);

  const tl = cli('cve', 'timeline', 'DSA-5673-1', '--json');
  assert.deepEqual(tl.json.map((e: { step: string }) => e.step), ['published', 'imported']);
});
