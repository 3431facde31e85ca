import type { ChildProcess } from 'node:child_process';
import { chown, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { FailedError } from '../errors/index.js';
import { spawnVmProcess, stopChild, type RunIds } from './process.js';

export interface Swtpm {
  socket: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/**
 * A fresh TPM 2.0 for one boot: state in the private work directory, control socket there too
 * (QEMU hands the data channel over it). Runs as the VM's ids, in the foreground as our child so
 * that it is killed with everything else; `--terminate` also ends it when QEMU goes.
 */
export async function startSwtpm(workDir: string, ids: RunIds, timeoutMs = 5000): Promise<Swtpm> {
  const dir = join(workDir, 'tpm');
  await mkdir(dir, { mode: 0o700 });
  await chown(dir, ids.uid, ids.gid);
  const socket = join(workDir, 'tpm.sock');
  const child = spawnVmProcess(['swtpm', 'socket', '--tpm2', '--tpmstate', `dir=${dir}`, '--ctrl', `type=unixio,path=${socket}`, '--terminate'], ids, ['ignore', 'ignore', 'pipe']);
  let err = '';
  child.stderr!.on('data', (c: Buffer) => (err = (err + c.toString()).slice(-1000)));
  const stop = () => stopChild(child);
  const t0 = Date.now();
  while (Date.now() - t0 < timeoutMs) {
    if (child.exitCode !== null) break;
    if (await stat(socket).then((s) => s.isSocket(), () => false)) return { socket, child, stop };
    await sleep(10);
  }
  await stop();
  throw new FailedError('VM_SWTPM_FAILED', `swtpm did not start${err ? `: ${err.trim()}` : ''}`, { where: socket });
}
