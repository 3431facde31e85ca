import { chmod, open, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FailedError } from '../errors/index.js';
import { runHostTool } from '../sandbox/index.js';
import { rootPartitionOffset } from './gpt.js';
import { guestScript, guestUnit } from './guest-script.js';
import type { GuestCheck } from './types.js';

const UNIT_DIR = '/etc/systemd/system';
/** The private copy's name in the work directory. */
export const DISK_NAME = 'disk.raw';

/**
 * Put the validation unit and its script into the root ext4 of the private disk copy, and enable
 * it, without mounting anything: debugfs writes into the partition at its byte offset. debugfs
 * parses the (untrusted) filesystem, so it runs in a tool sandbox that sees only `workDir`. It
 * exits 0 even when a command fails, so what was written is read back and compared.
 */
export async function injectValidation(workDir: string, nonce: string, checks: readonly GuestCheck[]): Promise<void> {
  const disk = join(workDir, DISK_NAME);
  const offset = await rootPartitionOffset(disk);
  const name = `goldsmith-validate-${nonce.slice(0, 12)}`;
  const script = guestScript(nonce, checks);
  const unit = guestUnit(`${UNIT_DIR}/${name}.sh`);
  await writeFile(join(workDir, 'inject.sh'), script, { mode: 0o644 });
  await writeFile(join(workDir, 'inject.service'), unit, { mode: 0o644 });
  const link = `${UNIT_DIR}/multi-user.target.wants/${name}.service`;
  const cmds = [
    `mkdir ${UNIT_DIR}/multi-user.target.wants`,
    `write /work/inject.sh ${UNIT_DIR}/${name}.sh`,
    `write /work/inject.service ${UNIT_DIR}/${name}.service`,
    ...[`${name}.sh`, `${name}.service`].flatMap((f) => [`sif ${UNIT_DIR}/${f} uid 0`, `sif ${UNIT_DIR}/${f} gid 0`, `sif ${UNIT_DIR}/${f} mode 0100644`]),
    `symlink ${link} ${UNIT_DIR}/${name}.service`,
    '',
  ];
  await writeFile(join(workDir, 'inject.cmds'), cmds.join('\n'));
  // debugfs runs as the sandbox's id: readable whatever the caller's umask (the CLI's is 077).
  for (const f of ['inject.sh', 'inject.service', 'inject.cmds']) await chmod(join(workDir, f), 0o644);
  const image = `/work/${DISK_NAME}?offset=${offset}`;
  await debugfs(workDir, ['-w', '-f', '/work/inject.cmds', image]);
  const back = await debugfs(workDir, ['-R', `cat ${UNIT_DIR}/${name}.sh`, image]);
  const linkStat = await debugfs(workDir, ['-R', `stat ${link}`, image]);
  if (back !== script || !linkStat.includes('Type: symlink') || !linkStat.includes(`${UNIT_DIR}/${name}.service`)) {
    throw new FailedError('VM_INJECT_FAILED', 'could not write the validation unit into the root filesystem of the disk copy (is the root partition ext4?)', { where: `${UNIT_DIR}/${name}.service` });
  }
}

/** Run debugfs on the work directory in a tool sandbox; returns its stdout (capped by the file read). */
async function debugfs(workDir: string, args: string[]): Promise<string> {
  const outPath = join(workDir, 'debugfs.out');
  const out = await open(outPath, 'w', 0o600);
  // RLIMIT_FSIZE also stops writes past that offset inside an existing file: allow the whole disk.
  const diskBytes = (await stat(join(workDir, DISK_NAME))).size;
  try {
    await runHostTool(['debugfs', ...args], {
      mounts: [{ host: workDir, inside: '/work', readOnly: false }],
      stdoutFd: out.fd,
      limits: { timeoutMs: 60_000, fileBytes: diskBytes + 1024 * 1024, outputBytes: 1024 * 1024 },
    });
  } finally {
    await out.close();
  }
  const text = await readFile(outPath, 'utf8');
  return text;
}
