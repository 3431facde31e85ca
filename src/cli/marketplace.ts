import type { Command } from 'commander';
import { formatCatalogRef, parseCatalogRef, type BootKernel, type CatalogEntry } from '../catalog/index.js';
import { InputError } from '../errors/index.js';
import type { CliContext } from './context.js';
import { emit, table } from './output.js';

const collect = (v: string, acc: string[]) => [...acc, v];
const mib = (n?: number) => (n === undefined ? undefined : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`);

function row(e: CatalogEntry): Record<string, unknown> {
  return {
    urn: formatCatalogRef(e),
    kind: e.kind,
    source: e.recipe ? `${e.recipe.suite}/${e.recipe.variant}${e.recipe.packages.length ? ` +${e.recipe.packages.length}` : ''}` : e.source?.file,
    os: e.os?.prettyName,
    bootable: e.bootable ? 'yes' : 'no',
    artifact: e.artifact ? `${e.artifact.digest.slice(0, 19)}… ${mib(e.artifact.size)}` : '(not built)',
  };
}

function details(e: CatalogEntry): string {
  const lines: Array<[string, unknown]> = [
    ['urn', formatCatalogRef(e)],
    ['kind', e.kind],
    ['os', e.os ? `${e.os.prettyName}${e.os.versionId ? ` (VERSION_ID ${e.os.versionId})` : ''}` : '(unknown until built)'],
    ['bootable', bootableSummary(e)],
    ['artifact', e.artifact ? `${e.artifact.digest} (${mib(e.artifact.size)}, region ${e.artifact.region})` : '(not built: goldsmith marketplace build)'],
  ];
  if (e.recipe) {
    const r = e.recipe;
    lines.push(
      ['suite', r.suite],
      ['variant', r.variant],
      ['mirror', r.mirror],
      ['components', r.components.join(' ')],
      ['packages', r.packages.join(' ') || '-'],
      ['architecture', r.architecture],
      ['SOURCE_DATE_EPOCH', `${r.sourceDateEpoch} (${new Date(r.sourceDateEpoch * 1000).toISOString()})`],
      ['recipe digest', e.recipeDigest],
    );
  }
  if (e.source) lines.push(['imported from', `${e.source.file} (${e.source.digest})`]);
  if (e.source?.allowances) lines.push(['allowed', Object.keys(e.source.allowances).join(', ')]);
  if (specialSummary(e)) lines.push(['special files', specialSummary(e)]);
  lines.push(['created', e.createdAt]);
  return lines.map(([k, v]) => `${(k + ':').padEnd(19)} ${String(v)}`).join('\n');
}

/** Whether the base boots as a VM, and why Goldsmith thinks so. */
function bootableSummary(e: CatalogEntry): string {
  if (e.kind === 'import') return e.bootable ? 'yes (kernel, systemd, shim and signed GRUB found in the tarball)' : 'no (root filesystem only: V1 without Trusted Launch)';
  return e.bootable ? `yes (recipe: ${e.recipe?.kernel ?? 'cloud'} kernel, systemd, shim, signed GRUB)` : 'no (root filesystem only: V1 without Trusted Launch)';
}

/** What an import accepted: device nodes, setuid/setgid and world-writable files ('' when none). */
function specialSummary(e: CatalogEntry): string {
  const files = e.source?.specialFiles ?? [];
  if (!files.length) return '';
  const count = (...k: string[]) => files.filter((f) => k.includes(f.kind)).length;
  return `${count('device')} device node(s), ${count('setuid', 'setgid')} setuid/setgid, ${count('world-writable')} world-writable file(s) (--json lists them)`;
}

function intOption(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v)) throw new InputError('CLI_BAD_OPTION', `${flag} must be a whole number of seconds, got "${v}"`, { where: flag });
  return Number(v);
}

interface RefOptions {
  publisher: string;
  offer: string;
  sku: string;
  version: string;
}

function refOptions(cmd: Command): Command {
  return cmd
    .option('--publisher <name>', 'publisher, e.g. Debian')
    .option('--offer <name>', 'offer, e.g. debian-12')
    .option('--sku <name>', 'sku, e.g. 12-minbase')
    .option('--version <version>', 'version, e.g. 12.0.20240101');
}

/** The new entry's key: a publisher:offer:sku:version argument, or the four options. */
function newRef(urn: string | undefined, o: Partial<RefOptions>): RefOptions {
  if (urn) {
    const r = parseCatalogRef(urn);
    if (r.version === 'latest') throw new InputError('CLI_BAD_OPTION', 'a new entry needs an exact version, not latest', { where: urn });
    return r;
  }
  const missing = (['publisher', 'offer', 'sku', 'version'] as const).filter((k) => !o[k]);
  if (missing.length) {
    throw new InputError('CLI_BAD_OPTION', `give publisher:offer:sku:version or all of --publisher --offer --sku --version (missing ${missing.map((m) => `--${m}`).join(' ')})`);
  }
  return { publisher: o.publisher!, offer: o.offer!, sku: o.sku!, version: o.version! };
}

/** `goldsmith marketplace`: the base image catalog. References are publisher:offer:sku:version URNs. */
export function registerMarketplace(program: Command, ctx: CliContext): void {
  const mp = program.command('marketplace').description('base image catalog: Debian bases built with mmdebstrap, imported rootfs tarballs');

  mp.command('list')
    .description('list catalog entries')
    .option('--publisher <name>')
    .option('--offer <name>')
    .option('--sku <name>')
    .option('--json', 'print JSON')
    .action(async (o: { publisher?: string; offer?: string; sku?: string; json?: boolean }) => {
      const entries = await (await ctx.app()).catalog.list(o);
      emit(o, entries, () => table(entries.map(row)));
    });

  mp.command('show <urn>')
    .description('show one entry (publisher:offer:sku:version, version may be latest)')
    .option('--json', 'print JSON')
    .action(async (urn: string, o: { json?: boolean }) => {
      const e = await (await ctx.app()).catalog.show(parseCatalogRef(urn));
      emit(o, e, () => details(e));
    });

  refOptions(mp.command('add [urn]'))
    .description('add an mmdebstrap recipe entry (the mirror defaults to the machine apt sources)')
    .requiredOption('--suite <suite>', 'Debian suite, e.g. bookworm')
    .option('--variant <variant>', 'mmdebstrap variant', 'minbase')
    .option('--package <name=version>', 'extra package, pinned as name=version (repeatable)', collect, [])
    .option('--component <name>', 'archive component (repeatable; default main)', collect, [])
    .option('--mirror <url>', 'Debian mirror URL')
    .option('--architecture <arch>', 'Debian architecture (default: this machine)')
    .option('--source-date-epoch <seconds>', 'mtime of every file in the base (default 1704067200)')
    .option('--bootable', 'make the base a bootable OS: kernel, systemd, shim + signed GRUB (amd64), DHCP and SSH')
    .option('--kernel <flavour>', 'kernel of a bootable base: cloud (linux-image-cloud-amd64, default) or generic (linux-image-amd64)')
    .option('--json', 'print JSON')
    .action(
      async (
        urn: string | undefined,
        o: Partial<RefOptions> & {
          suite: string;
          variant: string;
          package: string[];
          component: string[];
          mirror?: string;
          architecture?: string;
          sourceDateEpoch?: string;
          bootable?: boolean;
          kernel?: string;
          json?: boolean;
        },
      ) => {
        const e = await (await ctx.app()).catalog.add({
          ...newRef(urn, o),
          recipe: {
            kind: 'mmdebstrap',
            suite: o.suite,
            variant: o.variant,
            ...(o.package.length ? { packages: o.package } : {}),
            ...(o.component.length ? { components: o.component } : {}),
            ...(o.mirror ? { mirror: o.mirror } : {}),
            ...(o.architecture ? { architecture: o.architecture } : {}),
            ...(o.sourceDateEpoch !== undefined ? { sourceDateEpoch: intOption(o.sourceDateEpoch, '--source-date-epoch') } : {}),
            ...(o.bootable ? { bootable: true } : {}),
            // Checked by the recipe's normalisation, which names the valid flavours.
            ...(o.kernel !== undefined ? { kernel: o.kernel as BootKernel } : {}),
          },
        });
        emit(o, e, () => `added ${formatCatalogRef(e)}; build it with: goldsmith marketplace build ${formatCatalogRef(e)}`);
      },
    );

  refOptions(mp.command('import <tarball> [urn]'))
    .description('import a rootfs tarball of any distro (.tar, .tar.gz, .tar.xz, .tar.zst)')
    .option('--allow-devices', 'accept device nodes beyond the standard /dev set (null, zero, full, random, urandom, tty, console, ptmx)')
    .option('--allow-unowned-setuid', 'accept setuid/setgid files that no installed package (dpkg, apk) owns')
    .option('--allow-world-writable', 'accept world-writable files and directories without the sticky bit')
    .option('--json', 'print JSON')
    .action(async (file: string, urn: string | undefined, o: Partial<RefOptions> & { json?: boolean; allowDevices?: boolean; allowUnownedSetuid?: boolean; allowWorldWritable?: boolean }) => {
      const allow = { allowDevices: !!o.allowDevices, allowUnownedSetuid: !!o.allowUnownedSetuid, allowWorldWritable: !!o.allowWorldWritable };
      const e = await (await ctx.app()).catalog.importTarball(file, newRef(urn, o), { allow });
      emit(o, e, () => `imported ${formatCatalogRef(e)}: ${e.os?.prettyName} as ${e.artifact?.digest} (${mib(e.artifact?.size)})${specialSummary(e) ? `; ${specialSummary(e)}` : ''}`);
    });

  mp.command('build <urn>')
    .description('build (or reuse) the base rootfs of an entry, streaming mmdebstrap output')
    .option('--quiet', 'do not show tool output')
    .option('--json', 'print the result as JSON')
    .action(async (urn: string, o: { quiet?: boolean; json?: boolean }) => {
      const started = Date.now();
      const onOutput = o.quiet || o.json ? undefined : (line: string) => process.stderr.write(`  │ ${line}\n`);
      const r = await (await ctx.app()).catalog.ensureArtifact(parseCatalogRef(urn), { onOutput });
      const secs = ((Date.now() - started) / 1000).toFixed(1);
      const { entry, ...rest } = r;
      emit(o, { ...rest, urn: formatCatalogRef(entry), os: entry.os, seconds: Number(secs) }, () =>
        `${formatCatalogRef(entry)}: ${r.digest} (${mib(r.size)}) ${r.cached ? 'cached' : `built in ${secs}s`}\n  ${r.path}`,
      );
    });

  mp.command('adopt <urn> <archive>')
    .description('use a prebuilt base .tar.zst for an entry instead of building it (air-gapped sites)')
    .option('--json', 'print JSON')
    .action(async (urn: string, file: string, o: { json?: boolean }) => {
      const r = await (await ctx.app()).catalog.adoptArtifact(parseCatalogRef(urn), file);
      emit(o, { digest: r.digest, size: r.size, path: r.path, urn: formatCatalogRef(r.entry) }, () => `${formatCatalogRef(r.entry)}: adopted ${r.digest}`);
    });
}
