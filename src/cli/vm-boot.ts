import type { Command } from 'commander';
import { EXIT_CODES, InputError } from '../errors/index.js';
import { verifiedArtifact } from '../app/verified-artifact.js';
import { bootDisk, runVm, type BootResult, type DiskFormat } from '../vm/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';

type BootOpts = OutputOptions & { disk: string; format: string; secureBoot?: boolean; tpm?: boolean; timeout: string; console?: boolean };

/** `goldsmith vm boot`: boot a disk image once under QEMU (UEFI, optionally Secure Boot + vTPM) and report, for manual use. */
export function registerVmBoot(vm: Command, ctx: CliContext): void {
  vm.command('boot')
    .description('boot a disk image in QEMU with UEFI (a private copy; the file is not written) and report boot time and Trusted Launch facts')
    .requiredOption('--disk <file>', 'raw or qcow2 disk image')
    .option('--format <format>', 'raw | qcow2', 'raw')
    .option('--secure-boot', "enforce Secure Boot with Microsoft's keys")
    .option('--tpm', 'attach a fresh vTPM 2.0 (swtpm)')
    .option('--timeout <seconds>', 'give up after this long', '300')
    .option('--console', 'print the serial console to stderr as it comes')
    .option('--json', 'print JSON')
    .action(async (o: BootOpts) => {
      const seconds = Number(o.timeout);
      if (!Number.isInteger(seconds) || seconds <= 0) throw new InputError('VM_BAD_OPTIONS', `--timeout must be whole seconds, got ${o.timeout}`, { where: '--timeout' });
      const r = await bootDisk({
        disk: o.disk,
        format: o.format as DiskFormat,
        secureBoot: !!o.secureBoot,
        tpm: !!o.tpm,
        timeoutMs: seconds * 1000,
        onConsole: o.console ? (l) => process.stderr.write(`${l}\n`) : undefined,
      });
      emit(o, r, () => bootText(r));
      if (!r.ok) process.exitCode = EXIT_CODES.failed;
    });

  vm.command('run <version>')
    .description('boot a published <gallery>/<image>/<version> as a local VM (its raw disk, verified first; a private copy) with the serial console attached (Ctrl-A X quits)')
    .option('--secure-boot', "enforce Secure Boot with Microsoft's keys (default: as the version's own boot validation)")
    .option('--no-secure-boot', 'plain UEFI')
    .option('--tpm', 'attach a fresh vTPM 2.0 (default: as --secure-boot)')
    .option('--detach-console <file>', 'no terminal: keep the serial console in this file instead')
    .option('--timeout <seconds>', 'stop the VM after this long (default: when the guest powers off)')
    .option('--json', 'print JSON (with --detach-console)')
    .action(async (ref: string, o: OutputOptions & { secureBoot?: boolean; tpm?: boolean; detachConsole?: string; timeout?: string }) => {
      const [gallery, image, version, ...rest] = ref.split('/');
      if (!gallery || !image || !version || rest.length) throw new InputError('CLI_BAD_VERSION_REF', `expected <gallery>/<image>/<version>, got ${ref}`, { where: ref });
      const seconds = o.timeout === undefined ? undefined : Number(o.timeout);
      if (seconds !== undefined && (!Number.isInteger(seconds) || seconds <= 0)) throw new InputError('VM_BAD_OPTIONS', `--timeout must be whole seconds, got ${o.timeout}`, { where: '--timeout' });
      const app = await ctx.app();
      const disk = await verifiedArtifact(app, { gallery, image, version }, 'raw');
      const booted = (await app.gallery.showVersion({ gallery, image, version })).metadata['boot'] as { secureBoot?: { enforced?: boolean }; tpm?: { attached?: boolean } } | undefined;
      const secureBoot = o.secureBoot ?? booted?.secureBoot?.enforced ?? false;
      const tpm = o.tpm ?? booted?.tpm?.attached ?? secureBoot;
      const interactive = !o.detachConsole;
      if (interactive) process.stderr.write(`goldsmith: booting ${ref} (${disk.digest.slice(0, 19)}…, verified) with UEFI${secureBoot ? ', Secure Boot' : ''}${tpm ? ', vTPM' : ''}; Ctrl-A X quits\n`);
      const r = await runVm({ disk: disk.path, format: 'raw', secureBoot, tpm, interactive, consoleLog: o.detachConsole, timeoutMs: seconds === undefined ? undefined : seconds * 1000 });
      const out = { version: ref, disk: disk.digest, secureBoot, tpm, accelerator: r.accelerator.accelerator, seconds: r.seconds, end: r.end, consoleLog: o.detachConsole };
      emit(o, out, () => `VM of ${ref} ran ${r.seconds} s under ${r.accelerator.accelerator} and ${r.end === 'exited' ? 'stopped' : `was stopped (${r.end})`}${o.detachConsole ? `; console in ${o.detachConsole}` : ''}`);
    });
}

function bootText(r: BootResult): string {
  const lines = [
    `${r.ok ? 'booted' : `FAILED (${r.reason})`} under ${r.accelerator}${r.bootSeconds !== null ? ` in ${r.bootSeconds} s` : ''}`,
    `secure boot: expected ${r.secureBoot.expected}, verified ${r.secureBoot.verified}`,
    `vTPM: expected ${r.tpm.expected}, device ${r.tpm.present}, event log ${r.tpm.eventLog}, PCR 7 ${r.tpm.pcr7}`,
  ];
  if (r.detail) lines.push(r.detail);
  if (r.checks.length) lines.push(table(r.checks.map((c) => ({ check: c.name, ok: c.ok }))));
  if (!r.ok) lines.push('console (last lines):', ...r.consoleTail.map((l) => `  ${l}`));
  return lines.join('\n');
}
