/**
 * Second red team (issue 10): the synchronous tool sandbox (the secret scan's decompressors) ran
 * without the seccomp filter: a decompressor exploited by a hostile archive was root in a user
 * namespace that could create more namespaces and mount, kernel code no build needs.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { parseQuota, sandboxedCommand } from '../../src/sandbox/index.js';
import { seccompProgram } from '../../src/sandbox/seccomp.js';

const runTool = (argv: string[]) => {
  const s = sandboxedCommand(argv, { timeoutMs: 20_000 });
  try {
    return spawnSync(s.cmd, s.args, { stdio: ['ignore', 'pipe', 'pipe', ...s.fds], encoding: 'utf8', timeout: 20_000 });
  } finally {
    s.close();
  }
};

test('a tool sandbox runs under the seccomp filter', { skip: seccompProgram() ? false : 'no filter for this architecture' }, () => {
  const r = runTool(['/bin/sh', '-c', 'unshare -U true 2>/dev/null; echo "unshare=$?"; perl -e \'syscall(321, 0, 0, 0) == -1 and print "bpf: $!\\n"\'; echo ran']);
  assert.match(r.stdout, /ran/, r.stderr);
  assert.match(r.stdout, /unshare=1/, r.stdout);
  assert.match(r.stdout, /bpf: Operation not permitted/, r.stdout);
});

test('each tool command gets its own descriptor (the filter is read from offset 0 every time)', () => {
  for (let i = 0; i < 3; i++) assert.match(runTool(['/bin/echo', `ok ${i}`]).stdout, new RegExp(`ok ${i}`));
});

test('a scratch quota too large to write as an integer is refused when read, not when a build mounts it', () => {
  assert.throws(() => parseQuota('99999999999999999999T'), (e: Error & { code?: string }) => e.code === 'CONFIG_BAD_QUOTA');
  assert.equal(parseQuota('16G'), 16 * 2 ** 30);
});
