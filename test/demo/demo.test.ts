import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/app/index.js';
import { verifiedArtifact } from '../../src/app/verified-artifact.js';
import { bootProvesTrustedLaunch, type BootRecord } from '../../src/attest/index.js';
import type { GoldsmithError } from '../../src/errors/index.js';
import { DEMO_BASE, demoGallerySummary, runDemo } from '../../src/demo/index.js';
import { BOOTABLE_RECIPE, cachedBootableBase } from '../support/base-image.js';
import { backends } from '../support/stores.js';

test('the demo publishes two reproducible versions of the hardened image: latest and aged', { timeout: 1_500_000 }, async () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-demo-'));
  const store = await backends[0]!.open();
  try {
    const app = createApp({ home }, store);
    // The bootable base the demo would build with mmdebstrap, adopted from the machine's test cache.
    const ref = { ...DEMO_BASE, version: '0.20240101.0' };
    await app.catalog.add({ ...ref, recipe: BOOTABLE_RECIPE });
    await app.catalog.adoptArtifact(ref, await cachedBootableBase());
    const said: string[] = [];
    const res = await runDemo(app, { say: (s) => said.push(s), onEvent: () => {} });
    if (res.runs.some((r) => r.state !== 'succeeded')) {
      // Say why: the failing step's log tail (a boot failure names its reason and the console).
      const logs = await Promise.all(res.runs.map(async (r) => (await app.builds.show(r.id)).steps.filter((s) => s.status !== 'succeeded').map((s) => `${s.name}: ${s.log.slice(-3000)}`)));
      assert.fail(`demo runs ${res.runs.map((r) => r.state).join(', ')}: ${JSON.stringify(res.runs.map((r) => r.error))}\n${logs.flat().join('\n')}`);
    }
    assert.equal(res.reproducible, true);
    // The golden image is built on the bootable base; the minbase is registered next to it.
    assert.deepEqual((await app.catalog.list({ publisher: 'Debian', offer: 'debian-12' })).map((e) => [e.sku, e.bootable]), [['12-gen2', true], ['minbase', false]]);
    const versions = await app.gallery.listVersions('contoso', 'debian12-hardened');
    assert.deepEqual(versions.map((v) => [v.name, v.lifecycle, v.isLatest]), [['1.0.0', 'aged', false], ['1.0.1', 'active', true]]);
    const v = versions[1]!;
    assert.equal(v.tattoo['SOURCE_VERSION'], '0.20240101.0');
    // The repair loop ran (root was not locked until the bound repair did it).
    const validate = res.runs[0]!.outputs['validate'] as { repairAttempts: Array<{ repaired: string[] }> };
    assert.deepEqual(validate.repairAttempts.map((a) => a.repaired), [['lock-root']]);
    assert.match(await demoGallerySummary(app, 'contoso', 'debian12-hardened'), /1\.0\.1\s+active\s+latest/);
    assert.ok(said.some((s) => s.includes('openssh-server=')), 'pins resolved from the mirror');

    // Both versions booted as VMs before publishing: Secure Boot enforced and seen, a vTPM with
    // measured boot, the guest checks passed, within the budget; the record is the signed one.
    for (const ver of versions) {
      const boot = ver.metadata['boot'] as BootRecord;
      assert.ok(bootProvesTrustedLaunch(boot), JSON.stringify(boot));
      assert.ok(boot.bootSeconds! > 0 && boot.bootSeconds! <= boot.maxSeconds, JSON.stringify(boot));
      assert.deepEqual(boot.checks.map((c) => [c.name, c.ok]), [['sshd-running', true], ['sshd-listening', true], ['sshd-effective-no-root-login', true], ['host-keys-regenerated', true]]);
      assert.equal(boot.disk.digest, ver.artifacts.find((a) => a.kind === 'raw')!.digest, 'the disk that booted is the disk published');
    }
    // The published raw disk is a GPT disk with the ESP and the root; exported only after it verifies,
    // and a disk tampered with in one region is refused there while another region's copy still serves.
    const latest = { gallery: 'contoso', image: 'debian12-hardened', version: '1.0.1' };
    const raw = await verifiedArtifact(app, latest, 'raw', { region: 'northeurope' });
    const gpt = JSON.parse(execFileSync('sfdisk', ['-J', raw.path], { encoding: 'utf8' })) as { partitiontable: { label: string; partitions: Array<{ type: string }> } };
    assert.equal(gpt.partitiontable.label, 'gpt');
    assert.deepEqual(gpt.partitiontable.partitions.map((p) => p.type), ['C12A7328-F81F-11D2-BA4B-00A0C93EC93B', '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709']);
    const fd = openSync(raw.path, 'r+');
    writeSync(fd, Buffer.from('tampered'), 0, 8, 70 * 2 ** 20);
    closeSync(fd);
    await assert.rejects(verifiedArtifact(app, latest, 'raw', { region: 'northeurope' }), (e: GoldsmithError) => e.code === 'GALLERY_ARTIFACT_UNVERIFIED' && /northeurope/.test(e.message));
    assert.equal((await verifiedArtifact(app, latest, 'raw', { region: 'westeurope' })).region, 'westeurope');
    // A region the version is not in is refused by name, never turned into a path.
    await assert.rejects(verifiedArtifact(app, latest, 'raw', { region: '../../etc' }), (e: GoldsmithError) => e.code === 'GALLERY_ARTIFACT_MISSING');
  } finally {
    await store.close();
  }
});
