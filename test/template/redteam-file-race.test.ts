/**
 * Red team: template files are checked on the file actually opened. Whoever can write a template's
 * directory (its author, on a shared build host) could swap a checked file for a symlink to a host
 * file between the path check and the read; a FIFO there hung the build.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readVerified } from '../../src/pipeline/customize/stage.js';

const work = mkdtempSync(join(tmpdir(), 'gs-file-race-'));
after(() => rmSync(work, { recursive: true, force: true }));
const SECRET = 'host secret, never in an image\n';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

test('a file swapped for a symlink to a host file after the check is never read', async () => {
  const dir = join(work, 'tmpl');
  mkdirSync(dir);
  writeFileSync(join(work, 'secret'), SECRET, { mode: 0o600 });
  writeFileSync(join(dir, 'benign'), 'benign\n');
  // Flip tmpl/f between a file inside and a symlink to the secret, atomically, as fast as possible.
  const swapper = spawn('sh', ['-c', `cd '${dir}'; while :; do cp benign .a; mv -T .a f; ln -sfn '${join(work, 'secret')}' .b; mv -T .b f; done`], { stdio: 'ignore' });
  let leaked = 0;
  const leakedDigest: string[] = [];
  try {
    for (let i = 0; i < 1500; i++) {
      try {
        // Half the time the template expects the secret's digest (to copy it), half another (to learn it).
        if ((await readVerified(dir, 'f', sha(i % 2 ? SECRET : 'x'), '/customize/0/source')).toString() === SECRET) leaked++;
      } catch (e) {
        if ((e as Error).message.includes(`sha256 is ${sha(SECRET)}`)) leakedDigest.push((e as Error).message);
      }
    }
  } finally {
    swapper.kill('SIGKILL');
  }
  assert.equal(leaked, 0, 'the host file was read');
  assert.deepEqual(leakedDigest, []);
});

test('a FIFO among the template files is refused at once, not waited on', async () => {
  const dir = join(work, 'fifo');
  mkdirSync(dir);
  execFileSync('mkfifo', [join(dir, 'script.sh')]);
  const outcome = await Promise.race([
    readVerified(dir, 'script.sh', sha(''), '/customize/0/script').then(
      () => 'read',
      (e: { code?: string }) => e.code,
    ),
    new Promise((r) => setTimeout(() => r('hung'), 3000).unref()),
  ]);
  assert.equal(outcome, 'TEMPLATE_FILE_MISSING');
});
