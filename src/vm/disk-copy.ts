import { execFile } from 'node:child_process';
import { open, readFile, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { FailedError, InputError } from '../errors/index.js';
import { runHostTool } from '../sandbox/index.js';
import { DISK_NAME } from './inject.js';
import type { DiskFormat } from './types.js';

const run = promisify(execFile);

/**
 * The private raw copy every boot works on: the caller's disk is only read. A raw disk is copied
 * sparse (or reflinked). A qcow2 is copied as it is, then converted by qemu-img in a tool sandbox
 * (it parses untrusted metadata), refusing backing and external data files, which name host paths.
 */
export async function privateRawCopy(disk: string, format: DiskFormat, workDir: string): Promise<void> {
  const st = await stat(disk).catch(() => undefined);
  if (!st?.isFile()) throw new InputError('VM_DISK_NOT_FOUND', `${disk} is not a regular file`, { where: disk });
  const dest = join(workDir, format === 'raw' ? DISK_NAME : 'source.qcow2');
  try {
    await run('cp', ['--reflink=auto', '--sparse=always', '--', disk, dest]);
  } catch (e) {
    throw new FailedError('VM_DISK_COPY_FAILED', `could not copy ${disk}: ${(e as Error).message}`, { where: disk, cause: e });
  }
  if (format === 'qcow2') await convertQcow2(workDir, st.size);
}

async function convertQcow2(workDir: string, sourceBytes: number): Promise<void> {
  const info = JSON.parse(await qemuImg(workDir, ['info', '--output=json', '-f', 'qcow2', '/work/source.qcow2'], sourceBytes)) as Record<string, unknown>;
  const dataFile = (info['format-specific'] as { data?: { 'data-file'?: unknown } } | undefined)?.data?.['data-file'];
  if (info['backing-filename'] !== undefined || dataFile !== undefined) {
    throw new InputError('VM_DISK_EXTERNAL_FILES', 'the qcow2 disk names a backing or external data file; give a self-contained image', { where: 'qcow2 header' });
  }
  const virtual = Number(info['virtual-size']);
  if (!Number.isSafeInteger(virtual) || virtual <= 0) throw new InputError('VM_DISK_BAD_QCOW2', 'the qcow2 disk has no valid virtual size', { where: 'qcow2 header' });
  await qemuImg(workDir, ['convert', '-f', 'qcow2', '-O', 'raw', '/work/source.qcow2', `/work/${DISK_NAME}`], virtual);
  await rm(join(workDir, 'source.qcow2'));
}

async function qemuImg(workDir: string, args: string[], fileBytes: number): Promise<string> {
  const outPath = join(workDir, 'qemu-img.out');
  const out = await open(outPath, 'w', 0o600);
  try {
    await runHostTool(['qemu-img', ...args], {
      mounts: [{ host: workDir, inside: '/work', readOnly: false }],
      stdoutFd: out.fd,
      limits: { timeoutMs: 10 * 60_000, fileBytes: fileBytes + 1024 * 1024, outputBytes: 1024 * 1024 },
    });
  } finally {
    await out.close();
  }
  return (await readFile(outPath, 'utf8')).slice(0, 1024 * 1024);
}
