import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTemplate, planBuild, renderPlan, type ImageRef, type LoadedTemplate, type PlanPorts } from '../../src/template/index.js';
import { ROOT } from './support.js';

/** In-memory catalog and gallery: the highest catalog version wins, next version is patch+1 in the major. */
function fakePorts(catalog: string[], gallery: string[], calls: string[] = []): PlanPorts {
  const num = (v: string) => v.split('.').map(Number);
  const cmp = (a: string, b: string) => {
    const [x, y] = [num(a), num(b)];
    for (let i = 0; i < Math.max(x.length, y.length); i++) if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0);
    return 0;
  };
  return {
    async resolveBase(ref: ImageRef) {
      calls.push(`resolve ${ref.version}`);
      const version = ref.version === 'latest' ? [...catalog].sort(cmp).at(-1)! : ref.version;
      // Like the Debian catalog: the minbase is a root filesystem only, the gen2 sku boots.
      return { ...ref, version, bootable: ref.sku !== 'minbase' };
    },
    async nextVersion(g, i, major) {
      calls.push(`next ${g}/${i} ${major ?? '-'}`);
      const inMajor = gallery.filter((v) => major === undefined || num(v)[0] === major).sort(cmp);
      const top = inMajor.at(-1);
      if (!top) return `${major ?? 1}.0.0`;
      const [a, b, c] = num(top);
      return `${a}.${b}.${c! + 1}`;
    },
    async currentLatest() {
      return [...gallery].sort(cmp).at(-1);
    },
  };
}

const example = () => loadTemplate(join(ROOT, 'examples', 'hardened-debian.yaml'));

function withVersioning(l: LoadedTemplate, versioning: LoadedTemplate['template']['distribute']['versioning']): LoadedTemplate {
  return { ...l, template: { ...l.template, distribute: { ...l.template.distribute, versioning } } };
}

describe('planBuild', () => {
  it('resolves latest to the exact base and the next version within the major', async () => {
    const calls: string[] = [];
    const l = await example();
    const plan = await planBuild(l, fakePorts(['12.20240101', '12.20241201', '12.20240601'], ['0.1.1', '1.1.0', '1.2.0', '2.1.0'], calls));
    assert.deepEqual(plan.base.requested, l.template.source);
    assert.equal(plan.base.resolved.version, '12.20241201');
    assert.equal(plan.version.value, '1.2.1');
    assert.equal(plan.version.currentLatest, '2.1.0');
    assert.equal(plan.digest, l.digest);
    assert.deepEqual(calls, ['resolve latest', 'next contoso/debian12-hardened 1']);
  });

  it('lists the pipeline steps in order with the customize steps, checks and bound repairs', async () => {
    const l = await example();
    const plan = await planBuild(l, fakePorts(['12.1'], []));
    assert.deepEqual(plan.steps.map((s) => s.step), ['resolve-base', 'prepare', 'customize', 'tattoo', 'sbom', 'validate', 'package', 'boot', 'attest', 'publish']);
    const byStep = Object.fromEntries(plan.steps.map((s) => [s.step, s]));
    assert.deepEqual(byStep.customize!.items!.map((i) => i.name), l.template.customize.map((s) => s.name));
    assert.deepEqual(byStep.validate!.items!.map((i) => i.name), [...l.template.validate.checks.map((c) => c.name), 'secret-scan']);
    assert.deepEqual(byStep.validate!.repairs!.map((i) => i.name), ['reapply-ssh-hardening/rewrite-hardening']);
    assert.match(byStep.validate!.summary, /at most 2 attempts/);
    // The example is Trusted Launch on a bootable base: its boot enforces Secure Boot with a vTPM.
    assert.equal(plan.base.bootable, true);
    assert.match(byStep.boot!.summary, /Secure Boot enforced, vTPM 2\.0\); multi-user\.target within \d+ s/);
    assert.equal(plan.version.value, '1.0.0'); // empty gallery, major 1
    assert.deepEqual(plan.distribute.regions, [
      { name: 'westeurope', replicaCount: 2, excludeFromLatest: false },
      { name: 'northeurope', replicaCount: 1, excludeFromLatest: false },
    ]);
    assert.deepEqual(plan.distribute.outputs, ['rootfs.tar.zst', 'raw']);
  });

  it('uses an explicit version without asking the gallery, and the source version for scheme source', async () => {
    const calls: string[] = [];
    const l = await example();
    const explicit = await planBuild(withVersioning(l, { scheme: 'explicit', version: '3.0.7' }), fakePorts(['12.4'], ['1.0.0'], calls));
    assert.equal(explicit.version.value, '3.0.7');
    assert.ok(!calls.some((c) => c.startsWith('next')));
    const source = await planBuild(withVersioning(l, { scheme: 'source' }), fakePorts(['12.4'], []));
    assert.equal(source.version.value, '12.4.0');
    await assert.rejects(planBuild(withVersioning(l, { scheme: 'source' }), fakePorts(['12.4.1.9'], [])), { code: 'TEMPLATE_SOURCE_VERSION_UNUSABLE' });
  });

  it('is deterministic and renders every step for people', async () => {
    const l = await example();
    const ports = fakePorts(['12.1'], ['1.0.0']);
    const a = await planBuild(l, ports);
    assert.deepEqual(await planBuild(l, ports), a);
    const text = renderPlan(a);
    for (const s of a.steps) assert.ok(text.includes(s.step), s.step);
    assert.match(text, /contoso\/debian12-hardened 1\.0\.1/);
    assert.match(text, /debian\/debian-12\/12-gen2 12\.1 \(latest\), bootable/);
  });
});

describe('planBuild: a base that cannot boot', () => {
  const onMinbase = (l: LoadedTemplate, distribute: Partial<LoadedTemplate['template']['distribute']>): LoadedTemplate => {
    const { hyperVGeneration: _h, securityType: _s, ...rest } = l.template.distribute;
    return { ...l, template: { ...l.template, source: { ...l.template.source, sku: 'minbase' }, distribute: { ...rest, ...distribute } } };
  };

  it('refuses Trusted Launch on it, naming the field, the base and the fix', async () => {
    const l = onMinbase(await example(), { hyperVGeneration: 'V2', securityType: 'TrustedLaunchSupported' });
    await assert.rejects(planBuild(l, fakePorts(['12.1'], [])), (e: Error & { code: string; where: string; data: Record<string, unknown> }) => {
      assert.equal(e.code, 'TEMPLATE_BASE_NOT_BOOTABLE');
      assert.match(e.where, /hardened-debian\.yaml \(\/distribute\/securityType\)$/);
      assert.match(e.message, /securityType TrustedLaunchSupported needs a bootable base, but debian:debian-12:minbase:12\.1 is not bootable/);
      assert.match(e.message, /12-gen2/);
      assert.match(e.message, /hyperVGeneration V1/);
      return true;
    });
  });

  it('refuses an explicit Gen2 and any confidential or Trusted Launch type, but not Standard on V1', async () => {
    const l = await example();
    await assert.rejects(planBuild(onMinbase(l, { hyperVGeneration: 'V2' }), fakePorts(['12.1'], [])), { code: 'TEMPLATE_BASE_NOT_BOOTABLE', where: /\/distribute\/hyperVGeneration\)$/ });
    for (const securityType of ['TrustedLaunch', 'TrustedLaunchAndConfidentialVmSupported', 'ConfidentialVM']) {
      await assert.rejects(planBuild(onMinbase(l, { hyperVGeneration: 'V1', securityType }), fakePorts(['12.1'], [])), { code: 'TEMPLATE_BASE_NOT_BOOTABLE' }, securityType);
    }
    const standard = await planBuild(onMinbase(l, { hyperVGeneration: 'V1', securityType: 'Standard' }), fakePorts(['12.1'], []));
    assert.equal(standard.base.bootable, false);
  });

  it('accepts V1 without a security type on it, and says the base is not bootable', async () => {
    const plan = await planBuild(onMinbase(await example(), { hyperVGeneration: 'V1' }), fakePorts(['12.1'], []));
    assert.equal(plan.base.resolved.sku, 'minbase');
    assert.equal(plan.base.bootable, false);
    assert.match(renderPlan(plan), /minbase 12\.1 \(latest\), not bootable/);
  });
});
