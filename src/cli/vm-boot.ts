import type { Command } from 'commander';
import { InputError } from '../errors/index.js';
import { bootDisk, type BootResult, type DiskFormat } from '../vm/index.js';
import { emit, table, type OutputOptions } from './output.js';

type BootOpts = OutputOptions & { disk: string; format: string; secureBoot?: boolean; tpm?: boolean; timeout: string; console?: boolean };

/** `goldsmith vm boot`: boot a disk image once under QEMU (UEFI, optionally Secure Boot + vTPM) and report, for manual use. */
export function registerVmBoot(vm: Command): void {
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
      if (!r.ok) process.exitCode = 1;
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
