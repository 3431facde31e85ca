import { Command, InvalidArgumentError } from 'commander';
import { chmod, copyFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { verifiedArtifact } from '../app/verified-artifact.js';
import type { BootRecord } from '../attest/index.js';
import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import type { Gallery, GalleryService, GalleryVersionView, ImageDefinition, TargetRegion, UpdateVersionInput } from '../gallery/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';

/** `goldsmith gallery …`: galleries, image definitions and versions with Azure Compute Gallery semantics. */
export function registerGallery(program: Command, ctx: CliContext): void {
  // The app's gallery: its changes reach compliance triggers (new latest, exclusion, end of life).
  const svc = async () => (await ctx.app()).gallery;
  const gallery = program.command('gallery').description('galleries, image definitions and versions (Azure Compute Gallery semantics)');

  gallery
    .command('create <name>')
    .description('create a gallery')
    .option('--location <region>', 'home region', 'local')
    .option('--subscription <id>', 'subscription id (default: the built-in one)')
    .option('--resource-group <name>', 'resource group', 'goldsmith')
    .option('--retention-days <n>', 'soft-delete retention in days', intArg, 7)
    .option('--description <text>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: OutputOptions & { location: string; subscription?: string; resourceGroup: string; retentionDays: number; description?: string }) => {
      const g = await (await svc()).createGallery({
        name,
        location: o.location,
        subscription: o.subscription,
        resourceGroup: o.resourceGroup,
        softDeleteRetentionDays: o.retentionDays,
        description: o.description,
      });
      emit(o, g, () => `created gallery ${g.name}\n  ${g.id}`);
    });

  gallery
    .command('list')
    .description('list galleries')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await svc()).listGalleries();
      emit(o, list, () => table(list.map(galleryRow)));
    });

  gallery
    .command('show <gallery>')
    .description('show a gallery (name or full id) and its image definitions')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: OutputOptions) => {
      const s = await svc();
      const g = await s.getGallery(ref);
      const images = await s.listImageDefinitions(g.id);
      emit(o, { ...g, images }, () => `${g.name}  ${g.id}\n  location ${g.location}, soft-delete retention ${g.softDeleteRetentionDays} day(s)\n\n${table(images.map(imageRow))}`);
    });

  gallery
    .command('purge-expired')
    .description('purge soft-deleted versions whose retention has ended, and blobs nothing references any more')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const r = await (await svc()).purgeExpired();
      emit(o, r, () => `purged ${r.purged.length} version(s), removed ${r.blobsRemoved} blob(s)${r.purged.map((p) => `\n  ${p}`).join('')}`);
    });

  gallery
    .command('latest <gallery> <image>')
    .description('what `latest` resolves to: the highest version number neither excluded nor soft-deleted')
    .option('--region <region>', 'resolve for this region (per-region exclusion and replication apply)')
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, o: OutputOptions & { region?: string }) => {
      const v = await (await svc()).resolveLatest(g, i, o.region);
      if (!v) {
        throw new NotFoundError('GALLERY_NO_LATEST', `no version of ${g}/${i} is eligible for latest${o.region ? ` in ${o.region}` : ''}`, { where: `${g}/${i}` });
      }
      emit(o, v, () => versionDetail(v));
    });

  registerImage(gallery.command('image').description('image definitions'), svc);
  registerVersion(gallery.command('version').description('image versions'), svc, ctx);
}

type Svc = () => Promise<GalleryService>;

function registerImage(image: Command, svc: Svc): void {
  image
    .command('create <gallery> <name>')
    .description('create an image definition (publisher/offer/sku unique per gallery)')
    .requiredOption('--publisher <p>')
    .requiredOption('--offer <o>')
    .requiredOption('--sku <s>')
    .option('--os-type <t>', 'Linux | Windows', 'Linux')
    .option('--os-state <s>', 'Generalized | Specialized', 'Generalized')
    .option('--hyper-v-generation <g>', 'V1 | V2', 'V2')
    .option('--security-type <t>', 'e.g. TrustedLaunchSupported, TrustedLaunchAndConfidentialVmSupported, Standard')
    .option('--end-of-life-date <date>')
    .option('--description <text>')
    .option('--json', 'print JSON')
    .action(async (g: string, name: string, o: Record<string, string> & OutputOptions) => {
      const d = await (await svc()).createImageDefinition({
        gallery: g,
        name,
        identifier: { publisher: o.publisher!, offer: o.offer!, sku: o.sku! },
        osType: o.osType as 'Linux',
        osState: o.osState as 'Generalized',
        hyperVGeneration: o.hyperVGeneration as 'V2',
        securityType: o.securityType,
        endOfLifeDate: o.endOfLifeDate,
        description: o.description,
      });
      emit(o, d, () => `created image definition ${d.gallery}/${d.name}\n  ${d.id}`);
    });

  image
    .command('list <gallery>')
    .description('list image definitions')
    .option('--json', 'print JSON')
    .action(async (g: string, o: OutputOptions) => {
      const list = await (await svc()).listImageDefinitions(g);
      emit(o, list, () => table(list.map(imageRow)));
    });

  image
    .command('show <gallery> <image>')
    .description('show an image definition and its versions')
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, o: OutputOptions) => {
      const s = await svc();
      const d = await s.getImageDefinition(g, i);
      const versions = await s.listVersions(g, i, { includeDeleted: true });
      emit(o, { ...d, versions }, () => `${imageDetail(d)}\n\n${table(versions.map(versionRow))}`);
    });

  image
    .command('delete <gallery> <image>')
    .description('delete an image definition (refused while it has versions)')
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, o: OutputOptions) => {
      await (await svc()).deleteImageDefinition(g, i);
      emit(o, { deleted: `${g}/${i}` }, () => `deleted image definition ${g}/${i}`);
    });
}

function registerVersion(version: Command, svc: Svc, ctx: CliContext): void {
  version
    .command('list <gallery> <image>')
    .description('list versions with state, latest marker, regions and dates (soft-deleted ones included)')
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, o: OutputOptions) => {
      const list = await (await svc()).listVersions(g, i, { includeDeleted: true });
      emit(o, list, () => table(list.map(versionRow)));
    });

  version
    .command('show <gallery> <image> <version>')
    .description('show one version')
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, v: string, o: OutputOptions) => {
      const view = await (await svc()).showVersion({ gallery: g, image: i, version: v });
      emit(o, view, () => versionDetail(view));
    });

  version
    .command('export <version>')
    .description('write a disk image (or another artifact) of <gallery>/<image>/<version>, verified against its signature first')
    .requiredOption('--format <format>', `raw | qcow2 | vhd (or ${EXPORT_KINDS.filter((k) => !DISK_KINDS.includes(k)).join(', ')})`)
    .requiredOption('-o, --output <file>', 'file to write (mode 0600; an existing file is not overwritten)')
    .option('--region <region>', 'read from this region (default: the first that holds it)')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: OutputOptions & { format: string; output: string; region?: string }) => {
      if (!EXPORT_KINDS.includes(o.format)) throw new InputError('CLI_BAD_FORMAT', `--format must be one of ${EXPORT_KINDS.join(', ')}, got ${o.format}`, { where: '--format' });
      const a = await verifiedArtifact(await ctx.app(), versionRef(ref), o.format === 'rootfs' ? 'rootfs' : o.format, { region: o.region });
      await copyFile(a.path, o.output, constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
        if (e.code === 'EEXIST') throw new ConflictError('CLI_OUTPUT_EXISTS', `${o.output} exists; remove it or choose another file`, { where: o.output });
        throw e;
      });
      await chmod(o.output, 0o600);
      const out = { version: ref, kind: o.format, digest: a.digest, size: a.size, region: a.region, name: a.name, output: o.output, verified: true };
      emit(o, out, () => `wrote ${a.name} (${o.format}, ${(a.size / 2 ** 20).toFixed(0)} MiB, ${a.digest}) to ${o.output}; verified against the version's signed statement in ${a.region}`);
    });

  version
    .command('update <gallery> <image> <version>')
    .description('change exclusion from latest, end of life, or target regions')
    .option('--exclude-from-latest <bool>', 'true | false (with --region: only for that region)', boolArg)
    .option('--region <region>', 'apply --exclude-from-latest to this target region only')
    .option('--end-of-life-date <date>', 'ISO date, or "none" to clear')
    .option('--add-region <name[=replicas]>', 'add a target region (replicates the artifacts)', collect, [])
    .option('--remove-region <name>', 'remove a target region', collect, [])
    .option('--json', 'print JSON')
    .action(async (g: string, i: string, v: string, o: OutputOptions & { excludeFromLatest?: boolean; region?: string; endOfLifeDate?: string; addRegion: string[]; removeRegion: string[] }) => {
      const input: UpdateVersionInput = {};
      if (o.excludeFromLatest !== undefined) {
        if (o.region) input.regionExcludeFromLatest = [{ region: o.region, excludeFromLatest: o.excludeFromLatest }];
        else input.excludeFromLatest = o.excludeFromLatest;
      }
      if (o.endOfLifeDate !== undefined) input.endOfLifeDate = o.endOfLifeDate === 'none' ? null : o.endOfLifeDate;
      if (o.addRegion.length) input.addRegions = o.addRegion.map(regionArg);
      if (o.removeRegion.length) input.removeRegions = o.removeRegion;
      const r = await (await svc()).updateVersion({ gallery: g, image: i, version: v }, input);
      emit(o, r, () =>
        [`updated ${g}/${i}/${r.version.name}`, ...r.replication.map((x) => `  replication to ${x.region}: ${x.state}${x.details ? ` (${x.details})` : ''}`)].join('\n'),
      );
    });

  for (const [name, what] of [
    ['delete', 'soft-delete a version (recoverable for the gallery retention period)'],
    ['recover', 'recover a soft-deleted version within its retention period'],
    ['purge', 'permanently remove a soft-deleted version and blobs nothing else references'],
  ] as const) {
    version
      .command(`${name} <gallery> <image> <version>`)
      .description(what)
      .option('--json', 'print JSON')
      .action(async (g: string, i: string, v: string, o: OutputOptions) => {
        const s = await svc();
        const ref = { gallery: g, image: i, version: v };
        if (name === 'delete') {
          const d = await s.deleteVersion(ref);
          emit(o, d, () => `soft-deleted ${g}/${i}/${d.name}; recoverable until ${d.purgeAfter}`);
        } else if (name === 'recover') {
          const d = await s.recoverVersion(ref);
          emit(o, d, () => `recovered ${g}/${i}/${d.name}`);
        } else {
          const r = await s.purgeVersion(ref);
          emit(o, r, () => `purged ${g}/${i}/${v}; removed ${r.blobsRemoved} blob(s)`);
        }
      });
  }
}

function galleryRow(g: Gallery) {
  return { name: g.name, 'resource-group': g.resourceGroup, location: g.location, 'retention-days': g.softDeleteRetentionDays, created: g.createdAt.slice(0, 10) };
}

function imageRow(d: ImageDefinition) {
  const { publisher, offer, sku } = d.identifier;
  return { name: d.name, identifier: `${publisher}/${offer}/${sku}`, os: `${d.osType} ${d.osState}`, gen: d.hyperVGeneration, security: d.securityType, 'end-of-life': d.endOfLifeDate?.slice(0, 10) };
}

function imageDetail(d: ImageDefinition): string {
  const r = imageRow(d);
  return `${d.gallery}/${d.name}  ${d.id}\n  identifier ${r.identifier}, ${r.os}, ${r.gen}${d.securityType ? `, ${d.securityType}` : ''}${d.endOfLifeDate ? `, end of life ${d.endOfLifeDate.slice(0, 10)}` : ''}`;
}

function latestMarker(v: GalleryVersionView): string {
  if (v.isLatest) return v.latestIn.length ? `* (${v.latestIn.join(',')})` : '*';
  return v.latestIn.length ? `(${v.latestIn.join(',')})` : '';
}

function regionsCell(v: GalleryVersionView): string {
  return v.targetRegions
    .map((t) => {
      const st = v.replicationStatus.find((s) => s.region === t.name)?.state;
      return `${t.name}×${t.replicaCount}${t.excludeFromLatest ? ' excluded' : ''}${st && st !== 'Completed' ? ` ${st}` : ''}`;
    })
    .join(', ');
}

function versionRow(v: GalleryVersionView) {
  return {
    version: v.name,
    state: v.lifecycle,
    latest: latestMarker(v),
    excluded: v.excludeFromLatest ? 'yes' : '',
    regions: regionsCell(v),
    published: v.publishedDate.slice(0, 10),
    'end-of-life': v.endOfLifeDate?.slice(0, 10),
  };
}

function versionDetail(v: GalleryVersionView): string {
  const lines = [
    `${v.gallery}/${v.image}/${v.name}  ${v.lifecycle}${v.isLatest ? ', latest' : ''}`,
    `  id          ${v.id}`,
    `  published   ${v.publishedDate}${v.endOfLifeDate ? `, end of life ${v.endOfLifeDate}` : ''}`,
    `  regions     ${regionsCell(v)}${v.latestIn.length ? ` (latest in ${v.latestIn.join(', ')})` : ''}`,
    `  exclude     ${v.excludeFromLatest ? 'excluded from latest' : 'eligible for latest'}`,
    `  artifacts   ${v.artifacts.map((a) => `${a.kind} ${a.digest.slice(0, 19)}… ${a.size} B`).join('; ')}`,
  ];
  if (v.deletedAt) lines.push(`  deleted     ${v.deletedAt}, recoverable until ${v.purgeAfter}`);
  if (v.buildRunId) lines.push(`  build run   ${v.buildRunId}`);
  const boot = v.metadata['boot'] as BootRecord | undefined;
  lines.push(`  boot        ${boot ? bootSummary(boot) : 'not booted (a root filesystem without a boot chain, or published before boot validation)'}`);
  for (const [k, val] of Object.entries(v.tattoo)) lines.push(`  tattoo      ${k}=${val}`);
  return lines.join('\n');
}

function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

function boolArg(v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new InvalidArgumentError('expected true or false');
}

function collect(v: string, prev: string[]): string[] {
  return [...prev, v];
}

function regionArg(v: string): TargetRegion {
  const [name, count] = v.split('=');
  return { name: name!, replicaCount: count === undefined ? 1 : Number(count) };
}

const DISK_KINDS = ['raw', 'qcow2', 'vhd'];
const EXPORT_KINDS = [...DISK_KINDS, 'rootfs', 'sbom-spdx', 'sbom-cyclonedx'];

function versionRef(ref: string): { gallery: string; image: string; version: string } {
  const [gallery, image, version, ...rest] = ref.split('/');
  if (!gallery || !image || !version || rest.length) throw new InputError('CLI_BAD_VERSION_REF', `expected <gallery>/<image>/<version>, got ${ref}`, { where: ref });
  return { gallery, image, version };
}

/** One line: how the version's disk booted (signed with the version). */
export function bootSummary(b: BootRecord): string {
  const parts = [
    b.ok ? `passed: multi-user.target in ${b.bootSeconds} s (budget ${b.maxSeconds} s, ${b.accelerator})` : `FAILED (${b.reason ?? 'unknown'})`,
    b.secureBoot.enforced ? `Secure Boot ${b.secureBoot.verified ? 'verified' : 'NOT verified'}` : 'Secure Boot off',
    b.tpm.attached ? `vTPM ${b.tpm.present ? 'present' : 'ABSENT'}, measured boot ${b.tpm.eventLog || b.tpm.pcr7 ? 'recorded' : 'NOT recorded'}` : 'no vTPM',
    `${b.checks.filter((c) => c.ok).length}/${b.checks.length} guest checks`,
  ];
  return parts.join('; ');
}
