import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { resolveInRoot, runChecks, type CheckResult } from '../../../src/pipeline/checks/index.js';
import { runInRoot } from '../../../src/sandbox/index.js';
import type { Check } from '../../../src/template/types.js';
import { makeRootfs, type Fixture } from './rootfs-fixture.js';

let fx: Fixture;
const deps = { runInRoot };
async function one(check: Check): Promise<CheckResult> {
  const [r] = await runChecks(fx.root, [check], deps);
  return r;
}

before(() => {
  fx = makeRootfs();
  fx.file('/etc/passwd', 'root:x:0:0:IMAGE-MARKER:/root:/bin/bash\n');
  fx.file('/etc/ssh/sshd_config', 'Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin no\nPasswordAuthentication no\n');
  fx.file('/etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
  fx.file('/usr/bin/su', '#!/bin/sh\n', 0o4755);
  fx.link('/etc/abs-passwd', '/etc/passwd');
  fx.link('/etc/climb', '../../../../../../../host/secret');
  fx.link('/etc/dangling', '/nowhere');
  fx.link('/etc/loop-a', 'loop-b');
  fx.link('/etc/loop-b', 'loop-a');
  fx.link('/lib', 'usr/lib');
  fx.file('/usr/lib/os-release', 'ID=debian\n');
  writeFileSync(join(fx.host, 'secret'), 'HOST-ONLY\n');
});
after(() => fx.cleanup());

describe('path resolution stays inside the rootfs', () => {
  test('an absolute symlink is re-rooted at the image root', async () => {
    const r = await resolveInRoot(fx.root, '/etc/abs-passwd');
    assert.equal(r.imagePath, '/etc/passwd');
    assert.equal(r.hostPath, join(fx.root, 'etc/passwd'));
    const c = await one({ type: 'file-contains', name: 'abs', path: '/etc/abs-passwd', pattern: 'IMAGE-MARKER' });
    assert.equal(c.status, 'passed', c.message);
  });

  test('../ beyond the root stops at the root', async () => {
    const r = await resolveInRoot(fx.root, '/etc/climb');
    assert.equal(r.imagePath, '/host/secret');
    assert.ok(r.hostPath.startsWith(fx.root + '/'));
    assert.equal(r.stat, undefined, 'the host file next to the rootfs is not found');
    assert.equal((await one({ type: 'file-exists', name: 'x', path: '/etc/climb' })).status, 'failed');
    assert.equal((await one({ type: 'file-contains', name: 'x', path: '/etc/climb', pattern: 'HOST-ONLY' })).status, 'failed');
    assert.equal((await resolveInRoot(fx.root, '/../../../etc/passwd')).imagePath, '/etc/passwd');
  });

  test('intermediate links (merged /usr) are followed; loops are reported', async () => {
    assert.equal((await resolveInRoot(fx.root, '/lib/os-release')).imagePath, '/usr/lib/os-release');
    assert.equal((await resolveInRoot(fx.root, '/etc/loop-a')).problem, 'loop');
    const r = await one({ type: 'file-exists', name: 'loop', path: '/etc/loop-a' });
    assert.equal(r.status, 'failed');
    assert.match(r.message, /too many levels of symbolic links/);
  });
});

describe('file checks', () => {
  test('file-exists passes for files and links to files, fails for nothing and dangling links', async () => {
    assert.equal((await one({ type: 'file-exists', name: 'a', path: '/etc/ssh/sshd_config' })).status, 'passed');
    assert.equal((await one({ type: 'file-exists', name: 'a', path: '/lib/os-release' })).status, 'passed');
    const missing = await one({ type: 'file-exists', name: 'a', path: '/etc/nope' });
    assert.deepEqual([missing.status, missing.message], ['failed', 'expected /etc/nope to exist; found nothing']);
    const dangling = await one({ type: 'file-exists', name: 'a', path: '/etc/dangling' });
    assert.equal(dangling.status, 'failed');
    assert.match(dangling.message, /dangling symlink to \/nowhere/);
    const notDir = await one({ type: 'file-exists', name: 'a', path: '/etc/passwd/x' });
    assert.match(notDir.message, /not a directory/);
  });

  test('file-absent fails for files and for dangling links', async () => {
    assert.equal((await one({ type: 'file-absent', name: 'a', path: '/etc/ssh/ssh_host_rsa_key' })).status, 'passed');
    const present = await one({ type: 'file-absent', name: 'a', path: '/etc/shadow' });
    assert.equal(present.status, 'failed');
    assert.match(present.message, /found a regular file/);
    assert.equal((await one({ type: 'file-absent', name: 'a', path: '/etc/dangling' })).status, 'failed');
  });

  test('file-contains uses multiline regexes and reports the line, not the text', async () => {
    const ok = await one({ type: 'file-contains', name: 'a', path: '/etc/ssh/sshd_config', pattern: '^PasswordAuthentication no$' });
    assert.equal(ok.status, 'passed', ok.message);
    assert.match(ok.message, /at line 3/);
    const no = await one({ type: 'file-contains', name: 'a', path: '/etc/ssh/sshd_config', pattern: '^PermitRootLogin yes$' });
    assert.equal(no.status, 'failed');
    assert.match(no.message, /no line matches \(4 lines\)/);
    assert.equal((await one({ type: 'file-contains', name: 'a', path: '/etc/ssh/sshd_config', pattern: '^PermitRootLogin [Nn][Oo]\\s*$' })).status, 'passed');
    const bad = await one({ type: 'file-contains', name: 'a', path: '/etc/ssh/sshd_config', pattern: '(unclosed' });
    assert.equal(bad.status, 'error');
    assert.match(bad.message, /invalid pattern/);
    assert.equal((await one({ type: 'file-contains', name: 'a', path: '/etc/ssh', pattern: 'x' })).status, 'failed');
  });

  test('file-mode compares octal including setuid and reports the actual mode', async () => {
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/etc/shadow', mode: '0640' })).status, 'passed');
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/etc/shadow', mode: '640' })).status, 'passed');
    const wrong = await one({ type: 'file-mode', name: 'a', path: '/etc/shadow', mode: '0600' });
    assert.deepEqual([wrong.status, wrong.message], ['failed', 'expected /etc/shadow to have mode 0600; found 0640']);
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/usr/bin/su', mode: '4755' })).status, 'passed');
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/usr/bin/su', mode: '0755' })).status, 'failed');
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/etc/shadow', mode: 'rw-r-----' })).status, 'error');
    assert.equal((await one({ type: 'file-mode', name: 'a', path: '/etc/nope', mode: '0644' })).status, 'failed');
  });

  test('results keep order, names, repair bindings and timing', async () => {
    const rs = await runChecks(fx.root, [
      { type: 'file-exists', name: 'first', path: '/etc/passwd' },
      { type: 'file-absent', name: 'second', path: '/etc/passwd', repair: ['remove-passwd'] },
    ], deps);
    assert.deepEqual(rs.map((r) => [r.name, r.type, r.status, r.repair]), [
      ['first', 'file-exists', 'passed', undefined],
      ['second', 'file-absent', 'failed', ['remove-passwd']],
    ]);
    assert.ok(rs.every((r) => typeof r.durationMs === 'number' && r.durationMs >= 0));
  });
});
