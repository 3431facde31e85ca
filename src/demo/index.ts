import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { App } from '../app/index.js';
import type { MmdebstrapRecipe } from '../catalog/index.js';
import { FailedError, isGoldsmithError } from '../errors/index.js';
import { compareDebian } from '../vuln/version/index.js';
import { AptMirrorProbe } from '../vuln/mirror-probe.js';
import type { PipelineListener } from '../pipeline/events.js';
import type { RunRecord } from '../pipeline/run-store.js';

/** The demo's sources: examples/demo in the repository. */
export const DEMO_DIR = fileURLToPath(new URL('../../../examples/demo/', import.meta.url));
/**
 * The Debian 12 catalog the demo registers, named like Azure's Debian images (publisher Debian,
 * offer debian-12): a root filesystem only (minbase), and the bootable Gen2 base (12-gen2: kernel,
 * systemd, shim and signed GRUB for Secure Boot) the golden image is built on.
 */
export const DEBIAN_12: ReadonlyArray<{ sku: string; recipe: MmdebstrapRecipe }> = [
  { sku: 'minbase', recipe: { kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase' } },
  { sku: '12-gen2', recipe: { kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', bootable: true } },
];
export const DEMO_BASE = { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2' };
const PINNED = ['ca-certificates', 'openssh-server'];

export interface DemoResult {
  runs: RunRecord[];
  template: string;
  reproducible: boolean;
}

/**
 * The main job: the Debian 12 catalog entries, two published versions of the hardened golden image
 * built from one template on the bootable base, and the gallery with latest and aged. `say` narrates.
 */
export async function runDemo(app: App, opts: { say: (s: string) => void; onEvent: PipelineListener; today?: Date }): Promise<DemoResult> {
  const { say } = opts;
  const today = (opts.today ?? app.clock()).toISOString().slice(0, 10).replace(/-/g, '');
  say('1/4  base image catalog: bootable Debian 12 (Gen2, Secure Boot) built with mmdebstrap');
  for (const { sku, recipe } of DEBIAN_12) {
    const ref = { publisher: DEMO_BASE.publisher, offer: DEMO_BASE.offer, sku };
    if ((await app.catalog.list(ref)).length) continue;
    const added = await app.catalog.add({ ...ref, version: `0.${today}.0`, recipe });
    say(`     added ${ref.publisher}:${ref.offer}:${sku}:${added.version}${added.bootable ? ' (bootable)' : ''}`);
  }
  const entry = (await app.catalog.list(DEMO_BASE)).at(-1)!;
  const t0 = Date.now();
  const base = await app.catalog.ensureArtifact(entry, { onOutput: (l) => opts.onEvent({ type: 'step.output', runId: 'demo', step: 'base', line: l }) });
  say(`     base rootfs ${base.digest.slice(0, 23)}… ${base.cached ? '(cached)' : `built in ${((Date.now() - t0) / 1000).toFixed(0)} s`}`);

  say('2/4  template: pinning packages to what the mirror offers today');
  const { template, pins } = await writeDemoTemplate(base.path, join(app.config.home, 'demo'));
  for (const [name, version] of Object.entries(pins)) say(`     ${name}=${version}`);
  say(`     ${template}`);

  const runs: RunRecord[] = [];
  for (const n of [1, 2]) {
    say(`${n + 2}/4  build ${n} of 2: customize → tattoo → validate (with repair) → publish`);
    const run = await app.builds.start(template, { onEvent: opts.onEvent });
    runs.push(run);
    if (run.state !== 'succeeded') {
      say(`     build ${run.id} ended ${run.state}: ${run.error?.message}; see \`goldsmith build show ${run.id}\``);
      return { runs, template, reproducible: false };
    }
  }
  const digests = runs.map((r) => (r.outputs['customize'] as { customizedDigest: string }).customizedDigest);
  const reproducible = digests[0] === digests[1];
  say(`     customized rootfs of both builds: ${digests[0]!.slice(0, 23)}… ${reproducible ? 'identical (reproducible)' : `differs: ${digests[1]}`}`);
  return { runs, template, reproducible };
}

/**
 * Copy the demo template and its files into `dir`, pinning its packages to the newest version the
 * base image's own apt sources offer today (so the pins never rot as Debian publishes updates).
 */
export async function writeDemoTemplate(baseArchive: string, dir: string): Promise<{ template: string; pins: Record<string, string> }> {
  const offered = await new AptMirrorProbe().available(baseArchive, PINNED);
  const pins: Record<string, string> = {};
  for (const name of PINNED) {
    const versions = offered[name] ?? [];
    if (!versions.length) throw new FailedError('DEMO_PACKAGE_UNAVAILABLE', `${name} is not available from the base image's apt sources`);
    pins[name] = versions.reduce((a, b) => (compareDebian(a, b) >= 0 ? a : b));
  }
  await mkdir(dir, { recursive: true, mode: 0o700 });
  let text = await readFile(join(DEMO_DIR, 'golden-debian12.yaml'), 'utf8');
  for (const [name, version] of Object.entries(pins)) text = text.replace(new RegExp(`${name}=\\S+`, 'g'), `${name}=${version}`);
  text = text.replace(/(package: openssh-server\n\s+version: ).*/, `$1${pins['openssh-server']}`);
  for (const f of ['contoso-root-ca.crt', '50-goldsmith-hardening.conf', 'issue.net']) await copyFile(join(DEMO_DIR, f), join(dir, f));
  const template = join(dir, 'golden-debian12.yaml');
  await writeFile(template, text);
  return { template, pins };
}

/** Human summary of the gallery after the demo. */
export async function demoGallerySummary(app: App, gallery: string, image: string): Promise<string> {
  try {
    const versions = await app.gallery.listVersions(gallery, image);
    return versions
      .map((v) => `  ${v.name.padEnd(8)} ${v.lifecycle.padEnd(11)} ${v.isLatest ? 'latest' : '      '}  ${v.targetRegions.map((r) => `${r.name}×${r.replicaCount}`).join(', ')}  published ${v.publishedDate}`)
      .join('\n');
  } catch (e) {
    if (isGoldsmithError(e)) return `  (${e.message})`;
    throw e;
  }
}
