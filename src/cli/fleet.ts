import { Command, InvalidArgumentError } from 'commander';
import { InputError } from '../errors/index.js';
import { readInputText } from '../input/index.js';
import { USAGE_GROUPS, type UsageGroupBy } from '../fleet/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';
import { collectTag, fleetFor, registerVm } from './vm.js';

const groupBy = (v: string): UsageGroupBy => {
  if (!(USAGE_GROUPS as readonly string[]).includes(v)) throw new InvalidArgumentError(`must be one of ${USAGE_GROUPS.join(', ')}`);
  return v as UsageGroupBy;
};

/** `goldsmith vm …` and `goldsmith fleet …`: questions about the whole fleet, the scope hierarchy, and other fleet resources. */
export function registerFleet(program: Command, ctx: CliContext): void {
  registerVm(program, ctx);
  const fleet = program.command('fleet').description('fleet-wide questions (image usage, outdated VMs), scopes and other fleet resources');

  fleet
    .command('images')
    .description('which image versions the fleet runs, per team, application, role or version')
    .option('--by <dimension>', `group by ${USAGE_GROUPS.join(' | ')}`, groupBy, 'version' as UsageGroupBy)
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { by: UsageGroupBy }) => {
      const rows = await (await fleetFor(ctx)).imageUsage({ groupBy: o.by });
      emit(o, rows, () =>
        table(
          rows.map((r) => ({ [o.by]: r.group, image: r.image, version: r.version, vms: r.vms, state: r.fromGallery ? `${r.lifecycle ?? '?'}${r.isLatest ? ',latest' : ''}` : 'not-gallery', outdated: r.outdated })),
          o.by === 'version' ? ['version', 'vms', 'state', 'outdated'] : [o.by, 'image', 'version', 'vms', 'state', 'outdated'],
        ),
      );
    });

  fleet
    .command('outdated')
    .description('VMs on a gallery version that is not latest, aged, excluded from latest or past end of life')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const rows = await (await fleetFor(ctx)).outdated();
      emit(o, rows, () =>
        table(
          rows.map((r) => ({ ...r, why: r.reasons.join(','), age: r.ageDays })),
          ['name', 'resourceGroup', 'team', 'role', 'image', 'version', 'latestVersion', 'age', 'why'],
        ),
      );
    });

  fleet
    .command('roles')
    .description('pets vs cattle: how many, how many on gallery images, how many outdated')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const rows = await (await fleetFor(ctx)).roles();
      emit(o, rows, () => table(rows.map((r) => ({ ...r }))));
    });

  fleet
    .command('scopes')
    .description('management groups, subscriptions and resource groups')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const rows = await (await fleetFor(ctx)).scopes.list();
      emit(o, rows, () => table(rows.map((r) => ({ ...r })), ['kind', 'name', 'displayName', 'parent']));
    });

  fleet
    .command('mg')
    .description('management groups')
    .command('create <name>')
    .description('create a management group')
    .option('--parent <name>', 'parent management group', 'root')
    .option('--display-name <text>')
    .option('--json', 'print JSON')
    .action(async (name: string, o: OutputOptions & { parent: string; displayName?: string }) => {
      const doc = await (await fleetFor(ctx)).scopes.createManagementGroup(name, { parent: o.parent, displayName: o.displayName });
      emit(o, doc, () => `created management group ${name}\n  ${doc.id}`);
    });

  fleet
    .command('subscription')
    .description('subscriptions')
    .command('create <id>')
    .description('register a subscription under a management group')
    .option('--management-group <name>', 'parent management group', 'root')
    .option('--display-name <text>')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions & { managementGroup: string; displayName?: string }) => {
      const doc = await (await fleetFor(ctx)).scopes.createSubscription(id, { managementGroup: o.managementGroup, displayName: o.displayName });
      emit(o, doc, () => `created subscription ${id}\n  ${doc.id}`);
    });

  fleet
    .command('group')
    .description('resource groups')
    .command('create <name>')
    .description('create a resource group')
    .option('--subscription <id>', 'subscription id (default: the built-in one)')
    .option('--location <region>', 'region', 'local')
    .option('--tag <key=value>', 'a tag (repeatable)', collectTag)
    .option('--json', 'print JSON')
    .action(async (name: string, o: OutputOptions & { subscription?: string; location: string; tag?: Record<string, string> }) => {
      const doc = await (await fleetFor(ctx)).scopes.createResourceGroup(name, { subscription: o.subscription, location: o.location, tags: o.tag });
      emit(o, doc, () => `created resource group ${name}\n  ${doc.id}`);
    });

  const resource = fleet.command('resource').description('any fleet resource as an ARM document: scale sets, disks, extensions, guest configuration assignments');
  resource
    .command('put <file>')
    .description('create or replace one ARM document (JSON file); admission applies')
    .option('--json', 'print JSON')
    .action(async (file: string, o: OutputOptions) => {
      const text = await readInputText(file).catch((e: NodeJS.ErrnoException) => {
        throw e instanceof InputError ? e : new InputError('FLEET_BAD_DOCUMENT', `cannot read ${file}: ${e.code ?? e.message}`, { where: file });
      });
      let doc: unknown;
      try {
        doc = JSON.parse(text);
      } catch (e) {
        throw new InputError('FLEET_BAD_DOCUMENT', `${file} is not JSON: ${(e as Error).message}`, { where: file });
      }
      const saved = await (await fleetFor(ctx)).putResource(doc);
      emit(o, saved, () => `saved ${saved.type} ${saved.name}\n  ${saved.id}`);
    });
  resource
    .command('list')
    .description('list fleet resources')
    .option('--type <type>', 'e.g. Microsoft.Compute/disks')
    .option('--resource-group <name>')
    .option('--subscription <id>')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { type?: string; resourceGroup?: string; subscription?: string }) => {
      const docs = await (await fleetFor(ctx)).listResources({ type: o.type, resourceGroup: o.resourceGroup, subscription: o.subscription });
      emit(o, docs, () => table(docs.map((d) => ({ type: d.type, name: d.name, location: d.location, id: d.id }))));
    });
  resource
    .command('show <id>')
    .description('show one resource document')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const doc = await (await fleetFor(ctx)).getResource(id);
      emit(o, doc, () => JSON.stringify(doc, null, 2));
    });
  resource
    .command('delete <id>')
    .description('delete a resource and the resources nested in it; denyAction applies')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const deleted = await (await fleetFor(ctx)).deleteResource(id);
      emit(o, { deleted }, () => `deleted ${deleted.length} resource(s)${deleted.map((d) => `\n  ${d}`).join('')}`);
    });
}
