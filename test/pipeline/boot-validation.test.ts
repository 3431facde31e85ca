import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import { verifiedArtifact } from '../../src/app/verified-artifact.js';
import { runVm } from '../../src/vm/index.js';
import type { BootStepOutputs } from '../../src/pipeline/steps/boot.js';
import { testApp } from '../support/app.js';
import { BOOTABLE_RECIPE, cachedBootableBase } from '../support/base-image.js';
import { backends } from '../support/stores.js';

function processes(pattern: string): string {
  try {
    return execFileSync('pgrep', ['-af', pattern], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

const GEN2 = { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', version: '0.20240101.0' };

/** A Trusted Launch template on the bootable base whose customisation breaks the boot in a given way. */
function template(dir: string, name: string, breakIt: string[], extra: Record<string, unknown> = {}): string {
  const t = {
    name,
    source: { ...GEN2, version: 'latest' },
    customize: [{ type: 'shell', name: 'break-it', inline: breakIt }],
    validate: { maxRepairAttempts: 1, boot: { maxSeconds: 300, checks: [{ type: 'service-active', name: 'sshd-running', service: 'ssh' }], ...extra } },
    ...(extra.repair ? { repair: { 'fix-fstab': [{ type: 'shell', name: 'drop-bad-mount', inline: ["sed -i '/nonexistentfs/d' /etc/fstab"] }] } } : {}),
    distribute: {
      gallery: 'g1',
      image: name,
      identifier: { publisher: 'Test', offer: name, sku: 'gen2' },
      hyperVGeneration: 'V2',
      securityType: 'TrustedLaunchSupported',
      targetRegions: [{ name: 'westeurope', replicaCount: 1 }],
      versioning: { scheme: 'latest', major: 1 },
    },
  };
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(t, null, 2));
  return file;
}

/**
 * Broken images are caught by booting them: each of these builds boots a real VM under QEMU
 * (Secure Boot enforced, vTPM), so the file runs its builds one after another.
 */
describe('boot validation in the pipeline', { concurrency: 1 }, () => {
  let app: App & { close(): Promise<void> };
  let dir: string;
  before(async () => {
    app = await testApp(backends[0]!);
    await app.catalog.add({ ...GEN2, recipe: BOOTABLE_RECIPE });
    await app.catalog.adoptArtifact(GEN2, await cachedBootableBase());
    dir = mkdtempSync(join(tmpdir(), 'gs-boot-'));
  });
  after(async () => {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a kernel whose signature no longer matches is refused by Secure Boot: needs-repair, nothing published', { timeout: 1_200_000 }, async () => {
    // One byte changed 4 MiB into the kernel: still a kernel, but not the one Debian signed.
    const run = await app.builds.start(template(dir, 'unsigned-kernel', ['k=$(readlink -f /vmlinuz); printf X | dd of="$k" bs=1 seek=4194304 conv=notrunc status=none']));
    assert.equal(run.state, 'needs-repair', JSON.stringify(run.error));
    const { steps } = await app.builds.show(run.id);
    const step = steps.find((s) => s.name === 'boot')!;
    const result = step.result as unknown as BootStepOutputs;
    assert.equal(result.record!.reason, 'secure-boot-rejected', step.log.slice(-2000));
    assert.equal(result.record!.ok, false);
    assert.match(step.log, /boot failed: secure-boot-rejected/);
    await assert.rejects(app.gallery.showVersion({ gallery: 'g1', image: 'unsigned-kernel', version: '1.0.0' }), /does not exist|not found/i);
  });

  it('an fstab that drops the guest into emergency mode fails the boot; the bound repair fixes it and the version publishes with its boot record', { timeout: 1_200_000 }, async () => {
    const run = await app.builds.start(template(dir, 'bad-fstab', ["echo 'tmpfs /srv/data nonexistentfs defaults 0 0' >> /etc/fstab"], { repair: ['fix-fstab'] }));
    assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const boot = run.outputs['boot'] as unknown as BootStepOutputs;
    assert.deepEqual(boot.attempts.map((a) => [a.reason, a.repaired]), [['emergency-mode', ['fix-fstab']]]);
    assert.equal(boot.record!.ok, true);
    const v = await app.gallery.showVersion({ gallery: 'g1', image: 'bad-fstab', version: '1.0.0' });
    // The repaired disk is the one published and the one the record names.
    assert.equal((v.metadata['boot'] as { disk: { digest: string } }).disk.digest, v.artifacts.find((a) => a.kind === 'raw')!.digest);
    assert.equal(v.artifacts.find((a) => a.kind === 'raw')!.digest, boot.artifacts!.find((a) => a.kind === 'raw')!.digest);

    // `vm run` boots the published version for a person: its verified raw disk (a private copy),
    // console kept in a file; stopped by the timeout, nothing left running, the stored disk unchanged.
    const raw = await verifiedArtifact(app, { gallery: 'g1', image: 'bad-fstab', version: '1.0.0' }, 'raw');
    const consoleLog = join(dir, 'console.log');
    const r = await runVm({ disk: raw.path, format: 'raw', secureBoot: true, tpm: true, interactive: false, consoleLog, timeoutMs: 30_000 });
    assert.equal(r.end, 'timeout');
    assert.ok(readFileSync(consoleLog).length > 0, 'the console was kept');
    assert.equal(processes('goldsmith-vm-'), '', 'QEMU and swtpm are gone');
    await verifiedArtifact(app, { gallery: 'g1', image: 'bad-fstab', version: '1.0.0' }, 'raw');
  });
});
