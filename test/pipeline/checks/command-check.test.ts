import assert from 'node:assert/strict';
import { unpackRootfs } from '../../../src/image/index.js';
import { cachedMinbase } from '../../support/base-image.js';
import { lstatSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runChecks } from '../../../src/pipeline/checks/index.js';
import type { RunOptions, RunResult } from '../../../src/sandbox/index.js';
import { runInRoot } from '../../../src/sandbox/index.js';
import { readOsVersion, writeTattoo } from '../../../src/pipeline/tattoo/index.js';
import { sample } from '../tattoo/sample-tattoo.js';
import { makeRootfs } from './rootfs-fixture.js';

/** A real Debian rootfs to copy; the pipeline's tests point this at the shared cached base. */

test('command checks: exit 0 passes, the message keeps the last 20 lines, spawn failures are errors', async () => {
  const fx = makeRootfs();
  const calls: Array<{ script: string; opts: RunOptions }> = [];
  const fake = async (_root: string, script: string, opts: RunOptions = {}): Promise<RunResult> => {
    calls.push({ script, opts });
    if (script === 'boom') throw new Error('no /bin/sh in root');
    const lines = Array.from({ length: 30 }, (_, i) => `line ${i + 1}`).join('\n') + '\n';
    return { exitCode: script === 'true' ? 0 : 3, output: script === 'true' ? '' : lines, durationMs: 5 };
  };
  try {
    const rs = await runChecks(fx.root, [
      { type: 'command', name: 'ok', run: 'true' },
      { type: 'command', name: 'bad', run: 'false', repair: ['fix'] },
      { type: 'command', name: 'broken', run: 'boom' },
    ], { runInRoot: fake as typeof runInRoot });
    assert.deepEqual(rs.map((r) => r.status), ['passed', 'failed', 'error']);
    assert.match(rs[0].message, /\(no output\)/);
    assert.match(rs[1].message, /^expected exit status 0; exited 3\n… \(10 earlier lines\)\nline 11\n/);
    assert.match(rs[1].message, /line 30$/);
    assert.doesNotMatch(rs[1].message, /line 10\n/);
    assert.deepEqual(rs[1].repair, ['fix']);
    assert.match(rs[2].message, /could not run the command: no \/bin\/sh/);
    assert.equal(calls[0].opts.network, false, 'checks run without network by default');
  } finally {
    fx.cleanup();
  }
});

test(
  'command checks run inside a real Debian rootfs with runInRoot',
  { timeout: 300_000 },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gs-checks-rootfs-'));
    const root = join(dir, 'root');
    try {
      // A private copy of the shared cached minbase.
      await unpackRootfs(await cachedMinbase(), root);
      writeFileSync(join(root, 'etc/goldsmith-check-marker'), 'only in the image\n');
      await writeTattoo(root, sample({ osVersion: await readOsVersion(root) }));
      const lines: string[] = [];
      const rs = await runChecks(root, [
        { type: 'command', name: 'debian', run: 'test -f /etc/goldsmith-check-marker && cat /etc/debian_version && id -u' },
        { type: 'command', name: 'fails', run: 'for i in $(seq 1 25); do echo out $i; done; echo oops >&2; exit 4' },
        { type: 'command', name: 'no network', run: 'cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d " "' },
        { type: 'package-installed', name: 'dpkg', package: 'dpkg' },
        { type: 'command', name: 'tattoo readable in the image', run: '. /etc/os-release && . /etc/goldsmith/tattoo && test "$IMAGE_VERSION" = 1.2.3 && test "$BUILD_ID" = run-0042 && echo "$OS_VERSION"' },
        { type: 'tattoo-complete', name: 'tattoo' },
        { type: 'service-enabled', name: 'apt timer', service: 'apt-daily.timer' },
        { type: 'service-enabled', name: 'not installed', service: 'ssh' },
        { type: 'file-exists', name: 'merged usr', path: '/lib/os-release' },
      ], { runInRoot, onOutput: (check, line) => lines.push(`${check}: ${line}`) });
      assert.equal(rs[0].status, 'passed', rs[0].message);
      assert.match(rs[0].message, /^\d+(\.\d+)*\n0$/m, 'Debian version then uid 0 inside the chroot');
      assert.equal(rs[1].status, 'failed');
      assert.match(rs[1].message, /exited 4/);
      assert.match(rs[1].message, /out 25\noops$/);
      assert.doesNotMatch(rs[1].message, /out 5\n/);
      assert.equal(rs[2].status, 'passed', rs[2].message);
      assert.match(rs[2].message, /\nlo$/, 'only loopback: the check ran in its own network namespace');
      assert.equal(rs[3].status, 'passed');
      assert.equal(rs[4].status, 'passed', rs[4].message);
      assert.match(rs[4].message, /Debian GNU\/Linux 12/);
      assert.deepEqual(rs.slice(5).map((r) => r.status), ['passed', 'passed', 'failed', 'passed']);
      assert.ok(lstatSync(join(root, 'etc/os-release')).isSymbolicLink(), "Debian's os-release link survives the tattoo");
      assert.ok(lines.some((l) => l === 'fails: out 1'), 'output streamed per check');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
);
