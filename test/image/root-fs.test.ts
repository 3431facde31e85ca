import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { mkdirInRoot, readFileInRoot, readVerifiedFileSync, removeInRoot, writeFileInRoot } from '../../src/image/index.js';

const base = mkdtempSync(join(tmpdir(), 'gs-rootfs-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;
function roots(): { root: string; host: string } {
  const root = join(base, `r${n}`);
  const host = join(base, `h${n++}`);
  mkdirSync(root);
  mkdirSync(host);
  return { root, host };
}

test('readFileInRoot: confined links, absent is undefined, caps and special files refused by name', async () => {
  const { root, host } = roots();
  writeFileSync(join(host, 'secret'), 'HOST');
  mkdirSync(join(root, 'etc'));
  writeFileSync(join(root, 'etc/real'), 'image');
  symlinkSync(join(host, 'secret'), join(root, 'etc/abs'));
  symlinkSync('../../../../..' + join(host, 'secret'), join(root, 'etc/climb'));
  symlinkSync('/etc/real', join(root, 'etc/ok'));
  assert.equal(await readFileInRoot(root, '/etc/abs'), undefined);
  assert.equal(await readFileInRoot(root, '/etc/climb'), undefined);
  assert.equal((await readFileInRoot(root, '/etc/ok'))?.text, 'image');
  await assert.rejects(readFileInRoot(root, '/etc/real', { maxBytes: 3 }), { code: 'IMAGE_FILE_TOO_LARGE', where: '/etc/real' });
  await assert.rejects(readFileInRoot(root, '/etc'), { code: 'IMAGE_UNSAFE_FILE', message: /a directory/ });
  execFileSync('mkfifo', [join(root, 'etc/fifo')]);
  await assert.rejects(readFileInRoot(root, '/etc/fifo'), { code: 'IMAGE_UNSAFE_FILE', where: '/etc/fifo' });
});

test('a file swapped after its lstat is refused: the open must find the same regular inode', () => {
  const { root } = roots();
  writeFileSync(join(root, 'a'), 'a');
  writeFileSync(join(root, 'b'), 'b');
  const stale = lstatSync(join(root, 'a'));
  assert.equal(readVerifiedFileSync(join(root, 'a'), stale, '/a').toString(), 'a');
  assert.throws(() => readVerifiedFileSync(join(root, 'b'), stale, '/b'), { code: 'IMAGE_UNSAFE_FILE', message: /changed while/ });
  rmSync(join(root, 'b'));
  symlinkSync('a', join(root, 'b')); // now a link where a file was: O_NOFOLLOW refuses it
  assert.throws(() => readVerifiedFileSync(join(root, 'b'), stale, '/b'), { code: 'IMAGE_UNSAFE_FILE' });
});

test('writeFileInRoot: modes through the fd whatever the umask, keepMode, links replaced, special files refused', async () => {
  const { root, host } = roots();
  const old = process.umask(0o077);
  try {
    await writeFileInRoot(root, '/usr/sbin/x', 'x', { mode: 0o755 });
  } finally {
    process.umask(old);
  }
  assert.equal(statSync(join(root, 'usr/sbin/x')).mode & 0o7777, 0o755);
  writeFileSync(join(root, 'usr/sbin/kept'), 'old');
  chmodSync(join(root, 'usr/sbin/kept'), 0o600);
  await writeFileInRoot(root, '/usr/sbin/kept', 'new', { mode: 0o644, keepMode: true });
  assert.equal(statSync(join(root, 'usr/sbin/kept')).mode & 0o7777, 0o600);
  writeFileSync(join(host, 'canary'), 'canary');
  symlinkSync(join(host, 'canary'), join(root, 'usr/sbin/link'));
  await writeFileInRoot(root, '/usr/sbin/link', 'mine');
  assert.equal(readFileSync(join(host, 'canary'), 'utf8'), 'canary');
  assert.ok(lstatSync(join(root, 'usr/sbin/link')).isFile());
  execFileSync('mkfifo', [join(root, 'usr/sbin/fifo')]);
  await assert.rejects(writeFileInRoot(root, '/usr/sbin/fifo', 'x'), { code: 'IMAGE_UNSAFE_FILE' });
  writeFileSync(join(root, 'file'), '');
  await assert.rejects(mkdirInRoot(root, '/file/sub'), { code: 'IMAGE_UNSAFE_PATH' });
  await assert.rejects(removeInRoot(root, '/'), { code: 'IMAGE_UNSAFE_PATH' });
});
