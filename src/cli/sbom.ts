import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import type { App } from '../app/index.js';
import { InputError } from '../errors/index.js';
import { sbomDocument, type SbomKind } from '../app/supply-chain.js';
import { diffInventories, parseSpdx, type Inventory } from '../sbom/index.js';
import type { CliContext } from './context.js';
import { emit, printJson, table } from './output.js';

function parseRef(ref: string): { gallery: string; image: string; version: string } {
  const [gallery, image, version, ...rest] = ref.split('/');
  if (!gallery || !image || !version || rest.length) throw new InputError('CLI_BAD_VERSION_REF', `expected <gallery>/<image>/<version>, got ${ref}`, { where: ref });
  return { gallery, image, version };
}

function sbomOf(app: App, ref: string, kind: SbomKind = 'sbom-spdx'): Promise<{ text: string; name: string }> {
  return sbomDocument(app, parseRef(ref), kind);
}

async function inventoryOf(app: App, ref: string): Promise<Inventory> {
  return parseSpdx((await sbomOf(app, ref)).text);
}

export function registerSbom(program: Command, ctx: CliContext): void {
  const sbom = program.command('sbom').description("a published version's software bill of materials (SPDX 2.3, CycloneDX 1.6)");

  sbom
    .command('show <version>')
    .description('list the packages of <gallery>/<image>/<version>')
    .option('--json')
    .action(async (ref: string, o: { json?: boolean }) => {
      const inv = await inventoryOf(await ctx.app(), ref);
      emit(o, inv, () =>
        [
          `${ref}: ${inv.os?.prettyName ?? inv.os?.id ?? 'unknown OS'}, ${inv.packages.length} packages`,
          table(inv.packages.map((p) => ({ name: p.name, version: p.version, arch: p.arch, source: p.source ? `${p.source.name} ${p.source.version}` : '', license: p.license }))),
        ].join('\n'),
      );
    });

  sbom
    .command('export <version>')
    .description('write the stored SBOM document (byte for byte as signed)')
    .option('--format <format>', 'spdx | cyclonedx', 'spdx')
    .option('-o, --output <file>', 'file to write (default: stdout)')
    .option('--json', 'with --output, print what was written as JSON (the document itself is JSON either way)')
    .action(async (ref: string, o: { format: string; output?: string; json?: boolean }) => {
      if (o.format !== 'spdx' && o.format !== 'cyclonedx') throw new InputError('CLI_BAD_FORMAT', `--format must be spdx or cyclonedx, got ${o.format}`);
      const doc = await sbomOf(await ctx.app(), ref, o.format === 'spdx' ? 'sbom-spdx' : 'sbom-cyclonedx');
      if (o.output) {
        await writeFile(o.output, doc.text);
        if (o.json) printJson({ written: o.output, name: doc.name, format: o.format });
        else process.stderr.write(`wrote ${doc.name} to ${o.output}\n`);
      } else process.stdout.write(doc.text);
    });

  sbom
    .command('diff <from> <to>')
    .description('packages added, removed and changed between two versions')
    .option('--json')
    .action(async (from: string, to: string, o: { json?: boolean }) => {
      const app = await ctx.app();
      const d = diffInventories(await inventoryOf(app, from), await inventoryOf(app, to));
      emit(o, d, () => {
        const lines = [`${from} → ${to}: ${d.added.length} added, ${d.removed.length} removed, ${d.changed.length} changed`];
        for (const p of d.added) lines.push(`  + ${p.name} ${p.version}`);
        for (const p of d.removed) lines.push(`  - ${p.name} ${p.version}`);
        for (const c of d.changed) lines.push(`  ~ ${c.name} ${c.from} → ${c.to}`);
        return lines.join('\n');
      });
    });
}
