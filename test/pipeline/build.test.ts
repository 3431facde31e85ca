import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { REQUIRED_FOR_PUBLISH, storedVersion, trustFromKeyring, verifyBundleForArtifact, verifyStoredVersion } from '../../src/attest/index.js';
import { BuildService } from '../../src/pipeline/build-service.js';
import { PIPELINE } from '../../src/pipeline/registry.js';
import type { StepDefinition } from '../../src/pipeline/step.js';
import { backends } from '../support/stores.js';
import { testApp, TEST_BASE } from '../support/app.js';

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Write a template (JSON) and its files into a fresh directory; returns the template path. */
function writeTemplate(dir: string, opts: { motd?: string; checks?: unknown[]; repair?: unknown; extraSteps?: unknown[]; gallery?: string }): string {
  const motd = opts.motd ?? 'Golden image\n';
  writeFileSync(join(dir, 'motd'), motd);
  const t = {
    name: 'test-image',
    source: { ...TEST_BASE, version: 'latest' },
    customize: [
      { type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: sha(motd), mode: '0644' },
      { type: 'shell', name: 'marker', inline: ['echo built > /etc/goldsmith-test-marker', 'chmod 0640 /etc/goldsmith-test-marker'] },
      ...(opts.extraSteps ?? []),
    ],
    validate: {
      maxRepairAttempts: 2,
      checks: opts.checks ?? [
        { type: 'file-contains', name: 'motd-golden', path: '/etc/motd', pattern: 'Golden' },
        { type: 'file-mode', name: 'marker-mode', path: '/etc/goldsmith-test-marker', mode: '0640' },
        { type: 'command', name: 'marker-readable', run: 'grep -q built /etc/goldsmith-test-marker' },
        { type: 'tattoo-complete', name: 'tattoo' },
      ],
    },
    ...(opts.repair ? { repair: opts.repair } : {}),
    distribute: {
      gallery: opts.gallery ?? 'g1',
      image: 'img',
      identifier: { publisher: 'Test', offer: 'img', sku: 'gen2' },
      targetRegions: [
        { name: 'westeurope', replicaCount: 1 },
        { name: 'eastus', replicaCount: 2 },
      ],
      versioning: { scheme: 'latest', major: 1 },
    },
  };
  const file = join(dir, 'template.json');
  writeFileSync(file, JSON.stringify(t, null, 2));
  return file;
}

function tarFile(archive: string, member: string): string {
  return execFileSync('tar', ['--zstd', '-xOf', archive, member], { encoding: 'utf8' });
}

describe('build pipeline on a real Debian rootfs [pglite]', () => {
  let app: App & { close(): Promise<void> };
  let dir: string;
  before(async () => {
    app = await testApp(backends[0]!);
    dir = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
  });
  after(async () => app.close());

  it('customizes, tattoos, validates and publishes a version replicated to every region', async () => {
    const events: PipelineEvent[] = [];
    const run = await app.builds.start(writeTemplate(dir, {}), { onEvent: (e) => events.push(e) });
    assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const { steps } = await app.builds.show(run.id);
    assert.deepEqual(steps.map((s) => s.name), ['resolve-base', 'prepare', 'customize', 'tattoo', 'sbom', 'validate', 'package', 'boot', 'attest', 'publish']);
    assert.ok(steps.every((s) => s.status === 'succeeded'));
    assert.match(steps.find((s) => s.name === 'validate')!.log, /pass\s+marker-readable/);
    // A minbase has no kernel: a root filesystem, published as Gen1 without a boot to validate.
    assert.match(steps.find((s) => s.name === 'boot')!.log, /boot validation skipped: the image is a root filesystem without a boot chain/);
    // progress: every step started and ended, output lines streamed
    assert.equal(events.filter((e) => e.type === 'step.end').length, 10);
    assert.ok(events.some((e) => e.type === 'step.output' && e.step === 'customize'));

    const v = await app.gallery.showVersion({ gallery: 'g1', image: 'img', version: '1.0.0' });
    assert.equal(v.tattoo['IMAGE_VERSION'], '1.0.0');
    assert.equal(v.tattoo['SOURCE_VERSION'], TEST_BASE.version, 'exact resolved base version, not "latest"');
    assert.equal(v.tattoo['BUILD_ID'], run.id);
    assert.match(v.tattoo['OS_VERSION']!, /Debian GNU\/Linux 12/);
    assert.deepEqual(v.replicationStatus.map((r) => [r.region, r.state]).sort(), [['eastus', 'Completed'], ['westeurope', 'Completed']]);
    const rootfs = v.artifacts.find((a) => a.kind === 'rootfs')!;
    for (const region of ['westeurope', 'eastus']) assert.ok(await app.artifacts.has(region, rootfs.digest), region);

    // The tattoo inside the image equals the gallery's metadata.
    const archive = await app.artifacts.localPath('westeurope', rootfs.digest);
    const tattoo = tarFile(archive, './etc/goldsmith/tattoo');
    for (const [k, val] of Object.entries(v.tattoo)) assert.match(tattoo, new RegExp(`^${k}=.*${val.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').slice(0, 20)}`, 'm'));
    assert.match(tarFile(archive, './usr/lib/os-release'), /^IMAGE_VERSION="?1\.0\.0"?$/m);
    assert.equal(tarFile(archive, './etc/motd'), 'Golden image\n');
    // Generalised: no machine id, no apt lists.
    assert.equal(tarFile(archive, './etc/machine-id'), '');
    // SBOMs and signed attestations are stored beside the version and verify offline.
    const kinds = v.artifacts.map((a) => a.kind).sort();
    assert.deepEqual(kinds, ['attestation', 'rootfs', 'sbom-cyclonedx', 'sbom-spdx']);
    const bundle = v.artifacts.find((a) => a.kind === 'attestation')!;
    const trust = await trustFromKeyring(app.keyring);
    const ok = await verifyBundleForArtifact({ bundlePath: await app.artifacts.localPath('eastus', bundle.digest), artifactPath: await app.artifacts.localPath('eastus', rootfs.digest), requirePredicateTypes: [...REQUIRED_FOR_PUBLISH], ...trust });
    assert.equal(ok.ok, true, ok.problems.join('; '));
    const spdx = JSON.parse(readFileSync(await app.artifacts.localPath('eastus', v.artifacts.find((a) => a.kind === 'sbom-spdx')!.digest), 'utf8'));
    assert.ok(spdx.packages.some((p: { name: string }) => p.name === 'libc6'));
    // The host was never touched: nothing of this run stays mounted (its scratch quota is gone too;
    // other test files' builds may be running at the same time, so only this run is looked for).
    assert.ok(!readFileSync('/proc/self/mountinfo', 'utf8').includes(run.id), 'the run left a mount behind');
  });

  it('rebuilds the same template revision to a byte-identical customized rootfs; the older version ages', async () => {
    const file = writeTemplate(dir, {});
    const run = await app.builds.start(file, { params: { outputs: ['qcow2'] } });
    assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const arts = (run.outputs['package'] as { artifacts: Array<{ kind: string; digest: string }> }).artifacts;
    const qcow2 = arts.find((a) => a.kind === 'qcow2')!;
    const info = JSON.parse(execFileSync('qemu-img', ['info', '--output=json', await app.artifacts.localPath('eastus', qcow2.digest)], { encoding: 'utf8' }));
    assert.equal(info.format, 'qcow2');
    // The disk image is bound by the signed image-version statement and verifies in every region.
    const built = await app.gallery.showVersion({ gallery: 'g1', image: 'img', version: (run.outputs['publish'] as { version: string }).version });
    const verdict = await verifyStoredVersion({ row: storedVersion(built), pathOf: (r, d) => app.artifacts.localPath(r, d), requirePredicateTypes: [...REQUIRED_FOR_PUBLISH], ...(await trustFromKeyring(app.keyring)) });
    assert.equal(verdict.ok, true, verdict.problems.join('; '));
    assert.ok(verdict.regions.every((r) => r.artifacts.some((a) => a.kind === 'qcow2' && a.ok)));
    const runs = await app.builds.list({ template: 'test-image', state: 'succeeded' });
    const digests = runs.map((r) => (r.outputs['customize'] as { customizedDigest: string }).customizedDigest);
    assert.equal(digests.length, 2);
    assert.equal(digests[0], digests[1], 'customized rootfs archives are byte-identical');
    const versions = await app.gallery.listVersions('g1', 'img');
    const byName = Object.fromEntries(versions.map((v) => [v.name, v]));
    assert.equal(byName['1.0.1']!.isLatest, true);
    assert.equal(byName['1.0.0']!.lifecycle, 'aged');
  });

  it('runs the repair bound to a failing check, then checks again and publishes', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const file = writeTemplate(d, {
      gallery: 'g_repair',
      checks: [{ type: 'file-exists', name: 'banner', path: '/etc/issue.goldsmith', repair: ['write-banner'] }],
      repair: { 'write-banner': [{ type: 'shell', name: 'banner', inline: ['echo "authorized use only" > /etc/issue.goldsmith'] }] },
    });
    const run = await app.builds.start(file);
    assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    const out = run.outputs['validate'] as { repairAttempts: Array<{ failed: string[]; repaired: string[] }> };
    assert.deepEqual(out.repairAttempts.map((a) => a.repaired), [['write-banner']]);
  });

  it('stops in needs-repair without publishing, and resumes from customization after the template is fixed', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const checks = [{ type: 'file-contains', name: 'motd-platinum', path: '/etc/motd', pattern: 'Platinum' }];
    const file = writeTemplate(d, { gallery: 'g_fix', checks });
    const run = await app.builds.start(file);
    assert.equal(run.state, 'needs-repair');
    const { steps } = await app.builds.show(run.id);
    const failed = (steps.at(-1)!.result as { checks: Array<{ name: string; status: string }> }).checks.filter((c) => c.status !== 'passed');
    assert.deepEqual(failed.map((c) => c.name), ['motd-platinum']);
    await assert.rejects(app.gallery.listVersions('g_fix', 'img'), { kind: 'not-found' }, 'nothing published, not even the gallery');

    writeTemplate(d, { gallery: 'g_fix', checks, motd: 'Platinum image\n' });
    const resumed = await app.builds.resume(run.id);
    assert.equal(resumed.state, 'succeeded', JSON.stringify(resumed.error));
    const all = (await app.builds.show(run.id)).steps.map((s) => s.name);
    assert.equal(all.filter((n) => n === 'resolve-base').length, 1, 'the base is not resolved or rebuilt again');
    assert.equal(all.filter((n) => n === 'customize').length, 2);
    const v = await app.gallery.showVersion({ gallery: 'g_fix', image: 'img', version: '1.0.0' });
    assert.equal(v.buildRunId, run.id);
  });

  it('fails a run whose customize step fails, names the step, keeps its output, publishes nothing', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const file = writeTemplate(d, { gallery: 'g_fail', extraSteps: [{ type: 'shell', name: 'broken', inline: ['echo about to fail', 'false'] }] });
    const run = await app.builds.start(file);
    assert.equal(run.state, 'failed');
    assert.equal(run.error?.code, 'CUSTOMIZE_STEP_FAILED');
    assert.equal(run.error?.step, 'customize');
    assert.match(run.error!.message, /broken/);
    const { steps } = await app.builds.show(run.id);
    assert.match(steps.at(-1)!.log, /about to fail/);
    await assert.rejects(app.gallery.listVersions('g_fail', 'img'), { kind: 'not-found' });
  });

  it('refuses to publish an image with a baked-in private key, without revealing it', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const { privateKey } = await import('node:crypto').then((c) => c.generateKeyPairSync('ed25519'));
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const body = pem.split('\n')[1]!;
    const file = writeTemplate(d, {
      gallery: 'g_secret',
      extraSteps: [{ type: 'shell', name: 'oops', inline: [`mkdir -p /root/.ssh && printf '%s' '${pem}' > /root/.ssh/id_ed25519`] }],
    });
    const run = await app.builds.start(file);
    assert.equal(run.state, 'needs-repair');
    const { steps } = await app.builds.show(run.id);
    const v = steps.at(-1)!;
    const failed = (v.result as { checks: Array<{ name: string; status: string; message: string }> }).checks.filter((c) => c.status !== 'passed');
    assert.ok(failed.some((c) => c.message.includes('/root/.ssh/id_ed25519')), JSON.stringify(failed));
    assert.ok(!JSON.stringify(v.result).includes(body) && !v.log.includes(body), 'the secret itself is never reported');
  });

  it('refuses to publish when the attestations no longer match the rootfs archive', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const file = writeTemplate(d, { gallery: 'g_tamper' });
    // A step slipped in before publish rewrites the rootfs archive in the build region.
    const tamper: StepDefinition = {
      name: 'tamper',
      description: 'test: corrupt the packaged rootfs',
      rootfs: 'none',
      async run(ctx) {
        const { rootfsDigest } = ctx.outputOf<{ rootfsDigest: string }>('package');
        writeFileSync(await ctx.services.artifacts.localPath(ctx.services.buildRegion, rootfsDigest), 'not the image that was signed');
        return { outputs: {} };
      },
    };
    const steps = [...PIPELINE.slice(0, -1), tamper, PIPELINE.at(-1)!];
    const builds = new BuildService(app.pipeline, d, steps);
    const run = await builds.start(file);
    assert.equal(run.state, 'failed');
    assert.equal(run.error?.code, 'PUBLISH_UNVERIFIED');
    assert.match(run.error!.message, /digest/);
    await assert.rejects(app.gallery.listVersions('g_tamper', 'img'), { kind: 'not-found' });
  });

  it('refuses, before any run exists, a Trusted Launch definition on the minbase, which cannot boot', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    try {
      const file = writeTemplate(d, { gallery: 'g_tl' });
      const t = JSON.parse(readFileSync(file, 'utf8'));
      writeFileSync(file, JSON.stringify({ ...t, distribute: { ...t.distribute, hyperVGeneration: 'V2', securityType: 'TrustedLaunchSupported' } }));
      const before = (await app.builds.list()).length;
      await assert.rejects(app.builds.start(file), (e: Error & { code: string; where: string }) => {
        assert.equal(e.code, 'TEMPLATE_BASE_NOT_BOOTABLE');
        assert.equal(e.where, `${file} (/distribute/securityType)`);
        assert.match(e.message, /Debian:debian-12:minbase:0\.20240101\.0 is not bootable/);
        return true;
      });
      assert.equal((await app.builds.list()).length, before, 'no run was recorded');
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('refuses to publish a version that the pinned trust would not verify (signed by a key the operator does not trust)', async () => {
    const d = mkdtempSync(join(tmpdir(), 'gs-tpl-'));
    const file = writeTemplate(d, { gallery: 'g_pinned' });
    const other = generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const builds = new BuildService({ ...app.pipeline, trust: { home: d, trustedKeysPem: other } }, d);
    const run = await builds.start(file);
    assert.equal(run.state, 'failed');
    assert.equal(run.error?.code, 'PUBLISH_UNVERIFIED');
    assert.match(run.error!.message, /untrusted|not trusted/i);
    await assert.rejects(app.gallery.listVersions('g_pinned', 'img'), { kind: 'not-found' });
  });
});
