import { parseGalleryImageId, parseId } from '../arm/index.js';
import { Command, InvalidArgumentError } from 'commander';
import { InputError } from '../errors/index.js';
import { readInputText } from '../input/index.js';
import { tagValue, type ArmResource, type FleetService, type ImageReference } from '../fleet/index.js';
import type { ImageFacts } from '../policy/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';
import { registerVmBoot } from './vm-boot.js';

/** The app's fleet: every write passes policy admission. */
export async function fleetFor(ctx: CliContext): Promise<FleetService> {
  return (await ctx.app()).fleet;
}

export function collectTag(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new InvalidArgumentError(`tag ${JSON.stringify(value)} must be key=value`);
  return { ...previous, [value.slice(0, eq)]: value.slice(eq + 1) };
}
const collect = (v: string, prev: string[] = []) => [...prev, v];

type VmOpts = OutputOptions & {
  resourceGroup?: string;
  subscription?: string;
  location?: string;
  size?: string;
  image?: string;
  tag?: Record<string, string>;
  removeTag?: string[];
  team?: string;
  application?: string;
  role?: string;
  securityType?: string;
  adminUsername?: string;
  enablePasswordAuth?: boolean;
};

/** `goldsmith vm …`: the VM inventory. Every create/update/delete passes policy admission when compliance is wired. */
export function registerVm(program: Command, ctx: CliContext): void {
  const vm = program.command('vm').description('virtual machines in the fleet inventory (ARM documents; policy admission on every write)');
  registerVmBoot(vm, ctx);

  vm.command('create <name>')
    .description('create a VM record from a gallery image (latest or a version) or a marketplace image')
    .requiredOption('--image <image>', 'gallery/image[/version|latest], publisher:offer:sku:version, or a gallery image id')
    .option('--resource-group <name>', 'resource group', 'goldsmith')
    .option('--subscription <id>', 'subscription id (default: the built-in one)')
    .option('--location <region>', "region (default: the image's region)")
    .option('--size <size>', 'VM size', 'Standard_D2s_v5')
    .option('--tag <key=value>', 'a tag (repeatable)', collectTag)
    .option('--team <team>', 'tag team=…')
    .option('--application <app>', 'tag application=…')
    .option('--role <role>', 'tag role=pet|cattle')
    .option('--security-type <type>', 'TrustedLaunch | ConfidentialVM | Standard')
    .option('--admin-username <user>', 'admin user name', 'azureuser')
    .option('--enable-password-auth', 'allow SSH password authentication (off by default, as in Azure with a key)')
    .option('--json', 'print JSON')
    .action(async (name: string, o: VmOpts) => {
      const doc = await (await fleetFor(ctx)).createVm({
        name,
        image: o.image!,
        resourceGroup: o.resourceGroup,
        subscription: o.subscription,
        location: o.location,
        size: o.size,
        tags: o.tag,
        team: o.team,
        application: o.application,
        role: o.role,
        securityType: o.securityType,
        adminUsername: o.adminUsername,
        disablePasswordAuthentication: !o.enablePasswordAuth,
      });
      emit(o, doc, () => `created VM ${doc.name} running ${imageText(imageRef(doc))}\n  ${doc.id}`);
    });

  vm.command('list')
    .description('list VMs, with the image version each runs and where it stands')
    .option('--resource-group <name>')
    .option('--subscription <id>')
    .option('--team <team>')
    .option('--application <app>')
    .option('--role <role>', 'pet | cattle')
    .option('--image <image>', 'gallery/image[/version], a gallery id, or publisher:offer:sku[:version]')
    .option('--json', 'print JSON')
    .action(async (o: VmOpts) => {
      const filter = { resourceGroup: o.resourceGroup, subscription: o.subscription, team: o.team, application: o.application, role: o.role, image: o.image };
      const rows = await (await fleetFor(ctx)).listVmsWithFacts(filter);
      // JSON is the documents alone, in the shape `vm import` takes back.
      emit(o, rows.map((r) => r.resource), () => table(rows.map((r) => vmRow(r.resource, r.image))));
    });

  vm.command('show <vm>')
    .description('show a VM (name or id) and the image facts policies see')
    .option('--resource-group <name>', 'when the name exists in several resource groups')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: VmOpts) => {
      const v = await (await fleetFor(ctx)).showVm(ref, { resourceGroup: o.resourceGroup });
      emit(o, v, () => showText(v.resource, v.image));
    });

  vm.command('update <vm>')
    .description('change a VM: image, size, tags, security type')
    .option('--resource-group <name>', 'when the name exists in several resource groups')
    .option('--image <image>', 'new image (as for create)')
    .option('--size <size>')
    .option('--tag <key=value>', 'set a tag (repeatable)', collectTag)
    .option('--remove-tag <key>', 'remove a tag (repeatable)', collect)
    .option('--team <team>')
    .option('--application <app>')
    .option('--role <role>', 'pet | cattle')
    .option('--security-type <type>', 'TrustedLaunch | ConfidentialVM | Standard')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: VmOpts) => {
      const tags: Record<string, string | undefined> = { ...o.tag };
      for (const k of o.removeTag ?? []) tags[k] = undefined;
      const doc = await (await fleetFor(ctx)).updateVm(
        ref,
        { image: o.image, size: o.size, tags, team: o.team, application: o.application, role: o.role, securityType: o.securityType },
        { resourceGroup: o.resourceGroup },
      );
      emit(o, doc, () => `updated VM ${doc.name}, running ${imageText(imageRef(doc))}`);
    });

  vm.command('delete <vm>')
    .description('delete a VM and its extensions and guest configuration assignments')
    .option('--resource-group <name>', 'when the name exists in several resource groups')
    .option('--json', 'print JSON')
    .action(async (ref: string, o: VmOpts) => {
      const deleted = await (await fleetFor(ctx)).deleteVm(ref, { resourceGroup: o.resourceGroup });
      emit(o, { deleted }, () => `deleted ${deleted.length} resource(s)${deleted.map((d) => `\n  ${d}`).join('')}`);
    });

  vm.command('import <file>')
    .description('import a JSON array of ARM VM documents (what `az vm list` prints); all or nothing')
    .option('--json', 'print JSON')
    .action(async (file: string, o: OutputOptions) => {
      const text = await readInputText(file).catch((e: NodeJS.ErrnoException) => {
        throw e instanceof InputError ? e : new InputError('FLEET_BAD_IMPORT', `cannot read ${file}: ${e.code ?? e.message}`, { where: file });
      });
      const r = await (await fleetFor(ctx)).importVms(text, file);
      emit(o, r, () => `imported ${r.imported} VM(s): ${r.created} new, ${r.updated} updated${r.scopesCreated.length ? `; created ${r.scopesCreated.length} scope(s)` : ''}`);
    });
}

export function imageRef(doc: ArmResource): ImageReference | undefined {
  return (doc.properties.storageProfile as { imageReference?: ImageReference } | undefined)?.imageReference;
}

/** g1/ubuntu@1.2.0 (latest), Canonical:…:sku:version, or the raw id. */
export function imageText(ref: ImageReference | undefined): string {
  if (!ref) return '-';
  if (ref.id) {
    const g = parseGalleryImageId(ref.id);
    if (g) return g.version !== undefined ? `${g.gallery}/${g.image}/${g.version}` : `${g.gallery}/${g.image}/latest${ref.exactVersion ? ` (${ref.exactVersion})` : ''}`;
    return ref.id;
  }
  return `${ref.publisher}:${ref.offer}:${ref.sku}:${ref.exactVersion ?? ref.version ?? ''}`;
}

export function imageState(f: ImageFacts): string {
  if (!f.fromGallery) return 'not-gallery';
  if (f.version === undefined) return 'unknown';
  const parts = [f.lifecycle ?? 'unknown'];
  if (f.isLatest) parts.push('latest');
  if (f.isExcluded) parts.push('excluded');
  if (f.deleted) parts.push('deleted');
  return parts.join(',');
}

function vmRow(d: ArmResource, f: ImageFacts): Record<string, unknown> {
  return {
    name: d.name,
    resourceGroup: parseId(d.id)?.resourceGroup,
    location: d.location,
    size: (d.properties.hardwareProfile as { vmSize?: string } | undefined)?.vmSize,
    team: tagValue(d.tags, 'team'),
    application: tagValue(d.tags, 'application'),
    role: tagValue(d.tags, 'role'),
    image: imageText(imageRef(d)),
    state: imageState(f),
  };
}

function showText(d: ArmResource, f: ImageFacts): string {
  const sec = d.properties.securityProfile as { securityType?: string } | undefined;
  const lines = [
    `${d.name}  ${d.id}`,
    `  location ${d.location ?? '-'}, size ${(d.properties.hardwareProfile as { vmSize?: string } | undefined)?.vmSize ?? '-'}, security ${sec?.securityType ?? 'Standard'}`,
    `  tags ${Object.entries(d.tags).map(([k, v]) => `${k}=${v}`).join(' ') || '-'}`,
    `  image ${imageText(imageRef(d))}`,
  ];
  if (f.fromGallery) {
    lines.push(
      `    gallery ${f.galleryName}, version ${f.version ?? '?'}, latest ${f.latestVersion ?? '-'}${f.isLatest ? ' (this one)' : ''}`,
      `    lifecycle ${f.lifecycle ?? '-'}${f.isExcluded ? ', excluded from latest' : ''}${f.ageDays !== undefined ? `, ${f.ageDays} day(s) old` : ''}${f.endOfLifeDate ? `, end of life ${f.endOfLifeDate}` : ''}`,
    );
  } else lines.push('    not from a Goldsmith gallery');
  return lines.join('\n');
}
