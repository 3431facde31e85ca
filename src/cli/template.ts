import type { Command } from 'commander';
import { isGoldsmithError } from '../errors/index.js';
import { loadTemplate, planBuild, renderPlan, templateSchema, type LoadedTemplate, type PlanPorts } from '../template/index.js';
import type { CliContext } from './context.js';
import { emit, printJson, type OutputOptions } from './output.js';

/** `goldsmith template validate|plan|schema`: read-only; nothing here writes to the store or the disk. */
export function registerTemplate(program: Command, ctx: CliContext): void {
  const template = program.command('template').description('validate and plan image templates (Goldsmith YAML/JSON or Azure VM Image Builder JSON)');

  template
    .command('validate <file>')
    .description('check a template against the schema and its referenced files; exits non-zero listing every problem')
    .option('--json', 'print the normalised template as JSON')
    .action(async (file: string, opts: OutputOptions) => {
      const loaded = await loadTemplate(file);
      emit(opts, { valid: true, name: loaded.template.name, format: loaded.format, digest: loaded.digest, file: loaded.file, template: loaded.template }, () =>
        validSummary(loaded),
      );
    });

  template
    .command('plan <file>')
    .description('show what a build would do: exact base version, next gallery version, every step (changes nothing)')
    .option('--json', 'print the plan as JSON')
    .action(async (file: string, opts: OutputOptions) => {
      const loaded = await loadTemplate(file);
      const plan = await planBuild(loaded, await planPorts(ctx));
      emit(opts, plan, () => renderPlan(plan));
    });

  template
    .command('schema')
    .description('print the JSON Schema templates are validated against')
    .option('--json', 'print JSON (the schema is JSON either way)')
    .action(() => printJson(templateSchema));
}

function validSummary(l: LoadedTemplate): string {
  const t = l.template;
  const s = t.source;
  const d = t.distribute;
  const repairs = Object.keys(t.repair).length;
  return [
    `${l.file}: valid ${l.format === 'azure-image-builder' ? 'Azure VM Image Builder template (translated)' : 'template'} "${t.name}"`,
    `  digest     ${l.digest}`,
    `  source     ${s.publisher}/${s.offer}/${s.sku} ${s.version}`,
    `  customize  ${t.customize.length} step(s): ${t.customize.map((c) => c.name).join(', ') || '-'}`,
    `  validate   ${t.validate.checks.length} check(s), ${repairs} repair(s), at most ${t.validate.maxRepairAttempts} repair attempt(s)`,
    `  publish    ${d.gallery}/${d.image} to ${d.targetRegions.map((r) => `${r.name}×${r.replicaCount}`).join(', ')} (versioning ${d.versioning.scheme})`,
  ].join('\n');
}

/**
 * Read-only ports over the real catalog and gallery, built from the app's composition root and
 * imported lazily so `validate` and `schema` never open the store.
 */
export async function planPorts(ctx: CliContext): Promise<PlanPorts> {
  const [{ createApp }, galleryMod] = await Promise.all([import('../app/index.js'), import('../gallery/index.js')]);
  const app = createApp(ctx.config, await ctx.store());
  // A gallery or image definition that does not exist yet is created by the first publish, so
  // planning against it is normal: the next version is then computed from no versions at all.
  const absent = (e: unknown) => isGoldsmithError(e) && e.kind === 'not-found';
  return {
    async resolveBase(ref) {
      const entry = await app.catalog.resolve(ref);
      return { publisher: entry.publisher, offer: entry.offer, sku: entry.sku, version: entry.version, bootable: entry.bootable };
    },
    async nextVersion(gallery, image, major) {
      try {
        return await app.gallery.nextVersion(gallery, image, major);
      } catch (e) {
        if (absent(e)) return galleryMod.nextVersion([], major);
        throw e;
      }
    },
    async currentLatest(gallery, image) {
      try {
        return (await app.gallery.resolveLatest(gallery, image))?.name;
      } catch (e) {
        if (absent(e)) return undefined;
        throw e;
      }
    },
  };
}
