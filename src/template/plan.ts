import { InputError } from '../errors/index.js';
import { assertBaseCanBoot, type ResolvedBase } from './boot-claims.js';
import { parsePackageSpec } from './package-spec.js';
import { isTrustedLaunch } from './semantic-checks.js';
import type { Check, CustomizeStep, GuestCheck, ImageRef, LoadedTemplate } from './types.js';

/** What planning needs from the catalog and the gallery; reads only. */
export interface PlanPorts {
  /** The exact catalog entry a reference (possibly "latest") resolves to, and whether it boots. */
  resolveBase(ref: ImageRef): Promise<ResolvedBase>;
  /** Next version under the "latest" scheme, within `major` when given. */
  nextVersion(gallery: string, image: string, major?: number): Promise<string>;
  /** The version `latest` currently points to (in the first target region), if any. */
  currentLatest?(gallery: string, image: string): Promise<string | undefined>;
}

export interface PlanItem {
  name: string;
  type: string;
  summary: string;
}

/** One pipeline step as it will run, with what it does for this template. Names match the pipeline's step registry. */
export interface PlanStep {
  step: 'resolve-base' | 'prepare' | 'customize' | 'tattoo' | 'sbom' | 'validate' | 'package' | 'boot' | 'attest' | 'publish';
  summary: string;
  items?: PlanItem[];
  /** validate: the repair steps bound to checks, run when those checks fail. */
  repairs?: PlanItem[];
}

export interface BuildPlan {
  template: string;
  format: LoadedTemplate['format'];
  file: string;
  digest: string;
  /** bootable: the base has a kernel, systemd and the Secure Boot loaders (required by a Gen2 / Trusted Launch claim). */
  base: { requested: ImageRef; resolved: ImageRef; bootable: boolean };
  version: { value: string; scheme: string; major?: number; currentLatest?: string };
  steps: PlanStep[];
  distribute: {
    gallery: string;
    image: string;
    regions: Array<{ name: string; replicaCount: number; excludeFromLatest: boolean }>;
    excludeFromLatest: boolean;
    endOfLifeDate?: string;
    outputs: string[];
  };
}

/**
 * What a build of this template would do now: the exact base, the version it would publish and
 * every step in order. Pure apart from the read-only ports; the same inputs give the same plan.
 */
export async function planBuild(loaded: LoadedTemplate, ports: PlanPorts): Promise<BuildPlan> {
  const t = loaded.template;
  const d = t.distribute;
  const { bootable, ...resolved } = await ports.resolveBase(t.source);
  assertBaseCanBoot(loaded, { ...resolved, bootable });
  let version: BuildPlan['version'];
  switch (d.versioning.scheme) {
    case 'explicit':
      version = { value: d.versioning.version, scheme: 'explicit' };
      break;
    case 'source':
      version = { value: versionFromSource(resolved.version), scheme: 'source' };
      break;
    case 'latest': {
      const major = d.versioning.major;
      version = { value: await ports.nextVersion(d.gallery, d.image, major), scheme: 'latest', ...(major === undefined ? {} : { major }) };
      break;
    }
  }
  const latest = ports.currentLatest ? await ports.currentLatest(d.gallery, d.image) : undefined;
  if (latest !== undefined) version.currentLatest = latest;

  const bound = [...new Set(t.validate.checks.flatMap((c) => c.repair ?? []))];
  const regions = d.targetRegions.map((r) => ({ name: r.name, replicaCount: r.replicaCount, excludeFromLatest: Boolean(d.excludeFromLatest || r.excludeFromLatest) }));
  const outputs = ['rootfs.tar.zst', ...(d.outputs ?? [])];
  const ref = (r: ImageRef) => `${r.publisher}/${r.offer}/${r.sku}/${r.version}`;
  const steps: PlanStep[] = [
    { step: 'resolve-base', summary: `${ref(t.source)} → ${ref(resolved)}` },
    { step: 'prepare', summary: `unpack base ${ref(resolved)} into a fresh root filesystem` },
    { step: 'customize', summary: count(t.customize.length, 'step'), items: t.customize.map(stepItem) },
    { step: 'tattoo', summary: `write /etc/goldsmith/tattoo and IMAGE_ID/IMAGE_VERSION=${version.value} in /etc/os-release` },
    { step: 'sbom', summary: 'inventory packages (dpkg, apk, rpm), licences and OS identity' },
    {
      step: 'validate',
      summary:
        `${count(t.validate.checks.length, 'check')} + secret scan; ` +
        (bound.length ? `on failure run ${bound.join(', ')} and re-check (at most ${t.validate.maxRepairAttempts} attempts)` : 'no repairs bound: a failed check stops the run in needs-repair'),
      items: [...t.validate.checks.map(checkItem), { name: 'secret-scan', type: 'hygiene', summary: 'no private keys, tokens or passwords in the image' }],
      repairs: bound.flatMap((name) => (t.repair[name] ?? []).map((s) => ({ ...stepItem(s), name: `${name}/${s.name}` }))),
    },
    { step: 'package', summary: bootable ? `${outputs.join(', ')}; bootable GPT disk (EFI system partition + ext4 root)${(d.outputs ?? []).includes('raw') ? '' : ', raw always'}` : outputs.join(', ') },
    bootPlan(t, bootable),
    { step: 'attest', summary: 'SPDX 2.3 and CycloneDX 1.6 SBOMs; signed SBOM, SLSA provenance and tattoo attestations (DSSE, in-toto)' },
    {
      step: 'publish',
      summary: `${d.gallery}/${d.image} version ${version.value} to ${regions.map((r) => `${r.name}×${r.replicaCount}`).join(', ')}${d.excludeFromLatest ? ' (excluded from latest)' : ''}`,
    },
  ];
  return {
    template: t.name,
    format: loaded.format,
    file: loaded.file,
    digest: loaded.digest,
    base: { requested: t.source, resolved, bootable },
    version,
    steps,
    distribute: {
      gallery: d.gallery,
      image: d.image,
      regions,
      excludeFromLatest: Boolean(d.excludeFromLatest),
      ...(d.endOfLifeDate === undefined ? {} : { endOfLifeDate: d.endOfLifeDate }),
      outputs,
    },
  };
}

/** AIB's "Source" scheme: the base's own version, which must read as Major.Minor.Patch (shorter ones are padded). */
export function versionFromSource(v: string): string {
  const parts = v.split('.');
  if (parts.length > 3 || !parts.every((p) => /^\d+$/.test(p))) {
    throw new InputError('TEMPLATE_SOURCE_VERSION_UNUSABLE', `versioning scheme "source" needs a base version of up to three numbers; ${v} is not one`, {
      where: '/distribute/versioning',
    });
  }
  while (parts.length < 3) parts.push('0');
  return parts.map((p) => String(Number(p))).join('.');
}

function stepItem(s: CustomizeStep): PlanItem {
  const short = (h: string | undefined) => (h ? h.slice(0, 12) : '?');
  switch (s.type) {
    case 'shell':
      return { name: s.name, type: s.type, summary: s.script ? `script ${s.script} (sha256 ${short(s.sha256)})` : count(s.inline?.length ?? 0, 'command') };
    case 'file':
      return { name: s.name, type: s.type, summary: `${s.source} → ${s.destination} ${s.mode ?? '0644'}${s.owner ? ` ${s.owner}` : ''} (sha256 ${short(s.sha256)})` };
    case 'packages': {
      const names = s.install.map((e) => {
        const r = parsePackageSpec(e);
        return r.ok && r.spec.version ? `${r.spec.name} ${r.spec.version}` : `${e} (unpinned)`;
      });
      return { name: s.name, type: s.type, summary: `${s.update ? 'apt-get update; ' : ''}install ${names.join(', ')}` };
    }
    case 'ca-certificate':
      return { name: s.name, type: s.type, summary: `trust ${s.source} (sha256 ${short(s.sha256)})` };
  }
}

function checkItem(c: Check): PlanItem {
  const repair = c.repair?.length ? ` [repair: ${c.repair.join(', ')}]` : '';
  const what = (() => {
    switch (c.type) {
      case 'file-exists':
        return `${c.path} exists`;
      case 'file-absent':
        return `${c.path} is absent`;
      case 'file-contains':
        return `${c.path} matches /${c.pattern}/`;
      case 'file-mode':
        return `${c.path} has mode ${c.mode}`;
      case 'package-installed':
        return `package ${c.package}${c.version ? ` ${c.version}` : ''} installed`;
      case 'command':
        return `\`${c.run.split('\n').filter((l) => l !== 'set -e').join('; ')}\` exits 0`;
      case 'service-enabled':
        return `service ${c.service} enabled`;
      case 'tattoo-complete':
        return 'tattoo has every required key';
    }
  })();
  return { name: c.name, type: c.type, summary: what + repair };
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The boot step for this template: what it boots with, its budget and guest checks, or why it is skipped. */
function bootPlan(t: LoadedTemplate['template'], bootable: boolean): PlanStep {
  const b = t.validate.boot;
  if (b === false) return { step: 'boot', summary: 'skipped: validate.boot is false' };
  if (!bootable) return { step: 'boot', summary: b ? 'FAILS: validate.boot is set but the base cannot boot' : 'skipped: the base is a root filesystem without a boot chain' };
  const secureBoot = b?.secureBoot ?? isTrustedLaunch(t.distribute.securityType);
  const tpm = b?.tpm ?? secureBoot;
  const checks = b?.checks ?? [];
  return {
    step: 'boot',
    summary: `deploy the raw disk as a QEMU VM (UEFI${secureBoot ? ', Secure Boot enforced' : ''}${tpm ? ', vTPM 2.0' : ''}); multi-user.target within ${b?.maxSeconds ?? 180} s; ${count(checks.length, 'guest check')}`,
    items: checks.map((c) => ({ name: c.name, type: c.type, summary: guestCheckSummary(c) })),
  };
}

function guestCheckSummary(c: GuestCheck): string {
  switch (c.type) {
    case 'service-active':
      return `${c.service} is active`;
    case 'port-listening':
      return `something listens on ${c.proto ?? 'tcp'}/${c.port}`;
    case 'command':
      return c.run;
    case 'sshd-option':
      return `sshd -T shows ${c.option} ${c.value}`;
  }
}
