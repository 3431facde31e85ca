import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import { probeAccelerator } from './accel.js';
import { privateRawCopy } from './disk-copy.js';
import { firmwareFor, freshVars } from './firmware.js';
import { DISK_NAME } from './inject.js';
import { spawnVmProcess, stopChild, vmRunIds } from './process.js';
import { qemuArgs } from './qemu-args.js';
import { startSwtpm, type Swtpm } from './swtpm.js';
import type { AcceleratorChoice, DiskFormat } from './types.js';

export interface RunVmOptions {
  disk: string;
  format: DiskFormat;
  secureBoot: boolean;
  tpm: boolean;
  memoryMiB?: number;
  /** The serial console on this terminal (Ctrl-A X quits); otherwise it goes to consoleLog / onConsole. */
  interactive: boolean;
  /** Keep the console output in this file. */
  consoleLog?: string;
  onConsole?: (chunk: Buffer) => void;
  /** Stop the VM after this long (default: when the guest powers off). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface RunVmResult {
  accelerator: AcceleratorChoice;
  seconds: number;
  /** How it ended: the guest powered off (or QEMU quit), the timeout, or the caller. */
  end: 'exited' | 'timeout' | 'aborted';
}

/**
 * Boot a disk as a local VM for a person to look at: the same firmware, Secure Boot, vTPM and
 * isolation as the boot step (a private copy of the disk, fresh variable store and TPM state,
 * unprivileged QEMU, no network), but nothing injected and no checks: the guest runs until it
 * powers off, the timeout, or Ctrl-A X on an attached console.
 */
export async function runVm(opts: RunVmOptions): Promise<RunVmResult> {
  if (opts.format !== 'raw' && opts.format !== 'qcow2') throw new InputError('VM_BAD_OPTIONS', `format must be raw or qcow2, got ${JSON.stringify(opts.format)}`, { where: 'format' });
  const accel = await probeAccelerator();
  const ids = vmRunIds();
  const work = await mkdtemp(join(tmpdir(), 'goldsmith-vm-'));
  let tpm: Swtpm | undefined;
  const log = opts.consoleLog ? createWriteStream(opts.consoleLog, { mode: 0o600 }) : undefined;
  try {
    await chown(work, ids.uid, ids.gid);
    await privateRawCopy(opts.disk, opts.format, work);
    const fw = firmwareFor(opts.secureBoot);
    await freshVars(fw, join(work, 'vars.fd'));
    for (const f of await readdir(work)) await chown(join(work, f), ids.uid, ids.gid);
    if (opts.tpm) tpm = await startSwtpm(work, ids);
    const argv = qemuArgs({
      accelerator: accel.accelerator,
      secureBoot: opts.secureBoot,
      memoryMiB: opts.memoryMiB ?? 1024,
      cpus: accel.accelerator === 'kvm' ? 2 : 1,
      firmwareCode: fw.code,
      varsFile: join(work, 'vars.fd'),
      disk: join(work, DISK_NAME),
      tpmSocket: tpm?.socket,
    });
    // An attached console multiplexes QEMU's own escape (Ctrl-A X quits) onto the terminal.
    if (opts.interactive) argv[argv.indexOf('stdio,id=con,signal=off')] = 'stdio,id=con,signal=off,mux=on';
    const start = Date.now();
    const qemu = spawnVmProcess(argv, ids, opts.interactive ? ['inherit', 'inherit', 'pipe'] : ['ignore', 'pipe', 'pipe']);
    qemu.stdout?.on('data', (c: Buffer) => {
      log?.write(c);
      opts.onConsole?.(c);
    });
    qemu.stderr?.on('data', (c: Buffer) => log?.write(c));
    const end = await new Promise<RunVmResult['end']>((resolve) => {
      const timer = opts.timeoutMs ? setTimeout(() => resolve('timeout'), opts.timeoutMs) : undefined;
      qemu.once('exit', () => {
        clearTimeout(timer);
        resolve('exited');
      });
      opts.signal?.addEventListener('abort', () => resolve('aborted'), { once: true });
    });
    await stopChild(qemu);
    return { accelerator: accel, seconds: Math.round((Date.now() - start) / 100) / 10, end };
  } finally {
    await tpm?.stop();
    await new Promise<void>((r) => (log ? log.end(() => r()) : r()));
    await rm(work, { recursive: true, force: true });
  }
}
