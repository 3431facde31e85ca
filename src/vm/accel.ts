import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import { firmwareFor, freshVars } from './firmware.js';
import { kvmAccessible, spawnVmProcess, stopChild, vmRunIds, type RunIds } from './process.js';
import { qemuArgs } from './qemu-args.js';
import type { AcceleratorChoice } from './types.js';

/** Working KVM gets OVMF to print on the serial port in well under a second; TCG needs ~7 s. */
export const KVM_PROBE_MS = 3000;

let cached: Promise<AcceleratorChoice> | undefined;

/**
 * KVM when it works, else TCG, decided once per process. `GOLDSMITH_ACCEL=kvm|tcg` overrides.
 * "Works" is more than /dev/kvm opening: on some hosts a KVM guest stops at its first FPU
 * instruction or hangs, so the probe boots the firmware alone and waits for its console.
 */
export function probeAccelerator(): Promise<AcceleratorChoice> {
  cached ??= choose();
  return cached;
}

async function choose(): Promise<AcceleratorChoice> {
  const forced = process.env.GOLDSMITH_ACCEL;
  if (forced !== undefined && forced !== '') {
    if (forced !== 'kvm' && forced !== 'tcg') throw new InputError('VM_BAD_ACCEL', `GOLDSMITH_ACCEL must be kvm or tcg, got ${JSON.stringify(forced)}`, { where: 'GOLDSMITH_ACCEL' });
    return { accelerator: forced, reason: `GOLDSMITH_ACCEL=${forced}`, probeMs: 0 };
  }
  const ids = vmRunIds();
  if (!kvmAccessible(ids)) return { accelerator: 'tcg', reason: '/dev/kvm is absent or not usable by the unprivileged QEMU user', probeMs: 0 };
  const probe = await probeKvm(ids);
  return probe.works
    ? { accelerator: 'kvm', reason: `KVM probe: firmware console after ${probe.ms} ms`, probeMs: probe.ms }
    : { accelerator: 'tcg', reason: `KVM probe failed: ${probe.why}`, probeMs: probe.ms };
}

/** Boot OVMF under KVM with no disk; KVM works if the firmware prints on the serial port in time. */
export async function probeKvm(ids: RunIds | undefined, timeoutMs = KVM_PROBE_MS): Promise<{ works: boolean; ms: number; why: string }> {
  const dir = await mkdtemp(join(tmpdir(), 'goldsmith-kvm-probe-'));
  const t0 = Date.now();
  try {
    const fw = firmwareFor(false);
    const vars = join(dir, 'vars.fd');
    await freshVars(fw, vars);
    if (ids) for (const p of [dir, vars]) await chown(p, ids.uid, ids.gid);
    const argv = qemuArgs({ accelerator: 'kvm', secureBoot: false, memoryMiB: 128, cpus: 1, firmwareCode: fw.code, varsFile: vars });
    const child = spawnVmProcess(argv, ids, ['ignore', 'pipe', 'pipe']);
    let stderr = '';
    const why = await new Promise<string>((resolve) => {
      const timer = setTimeout(() => resolve(`no firmware output within ${timeoutMs} ms`), timeoutMs);
      const done = (w: string) => {
        clearTimeout(timer);
        resolve(w);
      };
      child.stdout!.once('data', () => done(''));
      child.stderr!.on('data', (c: Buffer) => {
        stderr = (stderr + c.toString()).slice(-2000);
        if (/KVM internal error|emulation failure|failed to initialize kvm|Could not access KVM/i.test(stderr)) done(stderr.split('\n').find((l) => l.trim())!.trim());
      });
      child.once('exit', (code) => done(`qemu exited with ${code}: ${stderr.trim().split('\n').slice(-1)[0] ?? ''}`));
    });
    await stopChild(child);
    return { works: why === '', ms: Date.now() - t0, why };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
