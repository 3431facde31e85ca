import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootDisk, probeAccelerator, probeKvm, type BootTimings } from '../src/vm/index.js';
import { buildBootDisk } from '../test/support/boot-disk.js';

/**
 * Boot validation of the demo's base as the pipeline runs it: UEFI with Secure Boot enforced and a
 * vTPM, under the accelerator the probe picks (TCG here; KVM where it works). Prints the host's
 * power-on-to-multi-user.target seconds, the guest's own systemd-analyze split, and what the boot
 * step costs beyond the guest's boot (private disk copy, injecting the check unit, firmware
 * variables, swtpm start), plus the KVM probe's time.
 */
export async function benchBoot(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'gs-bench-boot-'));
  try {
    const disk = join(work, 'disk.raw');
    await buildBootDisk(disk);
    const probe = await probeKvm(undefined);
    const accel = await probeAccelerator();
    console.log(`KVM probe: ${probe.works ? 'works' : 'does not work'} (${probe.ms} ms${probe.why ? `: ${probe.why}` : ''}); boots use ${accel.accelerator} (${accel.reason})`);
    console.log('boot                               host s  guest systemd-analyze                         step overhead ms');
    for (const [label, secureBoot, tpm] of [
      ['UEFI + Secure Boot + vTPM', true, true],
      ['UEFI, no Secure Boot, no vTPM', false, false],
    ] as const) {
      let t: BootTimings | undefined;
      const r = await bootDisk({ disk, format: 'raw', secureBoot, tpm, timeoutMs: 600_000, guestChecks: [{ type: 'service-active', service: 'ssh' }] }, (x) => (t = x));
      const guest = (r.guestBootText ?? '').split('\n')[0]!.replace(/^Startup finished in /, '').slice(0, 44);
      console.log(`${label.padEnd(34)} ${r.bootSeconds === null ? `FAILED ${r.reason}` : r.bootSeconds.toFixed(1).padStart(6)}  ${guest.padEnd(45)} ${String(t?.prepareMs ?? '?').padStart(8)}`);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
