import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import {
  allowedExpansion,
  apkOwnedFiles,
  DEFAULT_ARCHIVE_LIMITS,
  listArchive,
  ownedPaths,
  parseListLine,
  parseModeString,
  resolveArchivePath,
  specialFiles,
  archiveLimits,
} from '../../src/image/index.js';
import { cachedMinbase } from '../support/base-image.js';

test('tar listing lines: types, modes, devices, quoted names with escapes, links', () => {
  assert.deepEqual(parseListLine('-rwsr-xr-x 0/0           68248 2024-01-01 00:00 "./usr/bin/passwd"'), {
    type: '-', mode: 0o4755, uid: 0, gid: 0, size: 68248, path: 'usr/bin/passwd', raw: './usr/bin/passwd', mtime: 1704067200,
  });
  const dev = parseListLine('brw-rw---- 0/6             8,0 2024-01-01 00:00 "./dev/sda"')!;
  assert.deepEqual([dev.type, dev.mode, dev.size, dev.device], ['b', 0o660, 0, { major: 8, minor: 0 }]);
  const odd = parseListLine('-rw-r--r-- 1000/1000         1 2026-12-01 19:57 "./new\\nline \\"q\\" \\303\\251"')!;
  assert.equal(odd.path, 'new\nline "q" é');
  assert.deepEqual(parseListLine('lrwxrwxrwx 0/0 0 2024-01-01 00:00 "./sl" -> "/etc/pass wd"')!.target, '/etc/pass wd');
  assert.deepEqual(parseListLine('hrwsr-xr-x 0/0 0 2024-01-01 00:00 "./bin/ash" link to "./bin/busybox"')!.target, 'bin/busybox');
  assert.equal(parseListLine('drwxrwxrwt 0/0 0 2024-01-01 00:00 "./"')!.path, '');
  assert.equal(parseListLine('tar: something odd'), undefined);
  assert.deepEqual(['drwxrwxrwt', '-rwxr-sr-x', '-rwSr--r--', 'drw-rw-rwT'].map((m) => parseModeString(m).toString(8)), ['1777', '2755', '4644', '1666']);
});

test('expansion limits: a ratio above a floor, under an absolute cap; environment overrides', () => {
  const l = DEFAULT_ARCHIVE_LIMITS;
  assert.equal(allowedExpansion(1000, l), l.ratioFloorBytes, 'small archives may always expand to the floor');
  assert.equal(allowedExpansion(10 * 1024 ** 2, l), 100 * 10 * 1024 ** 2);
  assert.equal(allowedExpansion(10 * 1024 ** 3, l), l.maxBytes);
  assert.equal(archiveLimits({ GOLDSMITH_ARCHIVE_MAX_BYTES: '1000', GOLDSMITH_ARCHIVE_MAX_RATIO: '3' }).maxBytes, 1000);
  assert.throws(() => archiveLimits({ GOLDSMITH_ARCHIVE_MAX_RATIO: 'lots' }), { code: 'IMAGE_BAD_ARCHIVE_LIMIT', where: 'GOLDSMITH_ARCHIVE_MAX_RATIO' });
});

test('package ownership resolves through the archive own links and never leaves the root', () => {
  const links = new Map([['bin', 'usr/bin'], ['usr/sbin', '/usr/bin'], ['loop', 'loop']]);
  assert.equal(resolveArchivePath(links, '/bin/su'), 'usr/bin/su');
  assert.equal(resolveArchivePath(links, '/usr/sbin/unix_chkpwd'), 'usr/bin/unix_chkpwd');
  assert.equal(resolveArchivePath(links, '/../../etc/passwd'), 'etc/passwd');
  assert.equal(resolveArchivePath(links, '/loop/x'), 'loop/x');
  assert.deepEqual(apkOwnedFiles('P:busybox\nF:bin\nR:busybox\nR:sh\nF:usr/bin\nR:env\n'), ['/bin/busybox', '/bin/sh', '/usr/bin/env']);
  const entries = ['lrwxrwxrwx 0/0 0 2024-01-01 00:00 "./bin" -> "usr/bin"', '-rwsr-xr-x 0/0 3 2024-01-01 00:00 "./usr/bin/su"', '-rwsr-xr-x 0/0 3 2024-01-01 00:00 "./usr/bin/sneaky"'].map((l) => parseListLine(l)!);
  const found = specialFiles(entries, ownedPaths(entries, ['/bin/su']));
  assert.deepEqual(found.map((f) => [f.path, f.allowed]), [['/usr/bin/su', true], ['/usr/bin/sneaky', false]]);
});

test('a real Debian minbase passes the defaults: standard devices, package-owned setuid, sticky tmp dirs', async () => {
  const file = await cachedMinbase();
  const listing = await listArchive(file);
  assert.ok(listing.expandedBytes > listing.compressedBytes && listing.expandedBytes < allowedExpansion(listing.compressedBytes, DEFAULT_ARCHIVE_LIMITS));
  const setuid = listing.entries.filter((e) => e.type === '-' && e.mode & 0o6000);
  assert.ok(setuid.length >= 5, 'passwd, su, mount… are setuid in minbase');
  // Without ownership every setuid file is refused; with dpkg's lists (as import reads them) none is.
  assert.ok(specialFiles(listing.entries, new Set()).some((f) => !f.allowed && f.path === '/usr/bin/passwd'));
  const lists = listing.entries.filter((e) => /^var\/lib\/dpkg\/info\/[^/]+\.list$/.test(e.path)).map((e) => e.raw);
  const owned = ownedPaths(listing.entries, execFileSync('tar', ['-xOf', file, '--', ...lists], { encoding: 'utf8', maxBuffer: 1 << 26 }).split('\n'));
  const found = specialFiles(listing.entries, owned);
  assert.deepEqual(found.filter((f) => !f.allowed), []);
  assert.ok(found.filter((f) => f.kind === 'device').length >= 3);
});
