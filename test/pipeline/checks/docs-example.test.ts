import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parse } from 'yaml';
import { runChecks } from '../../../src/pipeline/checks/index.js';
import type { runInRoot } from '../../../src/sandbox/index.js';
import { writeTattoo } from '../../../src/pipeline/tattoo/index.js';
import { CHECK_TYPES } from '../../../src/template/registry.js';
import type { Check } from '../../../src/template/types.js';
import { sample } from '../tattoo/sample-tattoo.js';
import { DEBIAN_OS_RELEASE, makeRootfs } from './rootfs-fixture.js';

// npm test runs from the repository root, tsx too.
const doc = readFileSync(join(process.cwd(), 'docs/validation.md'), 'utf8');

test('docs/validation.md documents every check type and its example passes on a matching image', async () => {
  for (const type of CHECK_TYPES) assert.match(doc, new RegExp(`^\\| \`${type}\` \\|`, 'm'), `${type} missing from the table`);
  const yaml = /```yaml\n([\s\S]*?)```/.exec(doc)![1];
  const checks = parse(yaml).validate.checks as Check[];
  assert.deepEqual([...new Set(checks.map((c) => c.type))].sort(), [...CHECK_TYPES].sort(), 'the example uses every type');

  const fx = makeRootfs();
  try {
    fx.file('/usr/local/share/ca-certificates/corp-root.crt', '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n');
    fx.file('/etc/ssh/sshd_config.d/50-hardening.conf', 'PasswordAuthentication no\nPermitRootLogin no\n');
    fx.file('/etc/shadow', 'root:*:19000:0:99999:7:::\n', 0o640);
    fx.file('/var/lib/dpkg/status', 'Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:9.2p1-2+deb12u3\n');
    fx.file('/usr/lib/systemd/system/ssh.service', '[Service]\nExecStart=/usr/sbin/sshd -D\n[Install]\nWantedBy=multi-user.target\n');
    fx.link('/etc/systemd/system/multi-user.target.wants/ssh.service', '/usr/lib/systemd/system/ssh.service');
    fx.file('/usr/lib/os-release', DEBIAN_OS_RELEASE);
    fx.link('/etc/os-release', '../usr/lib/os-release');
    await writeTattoo(fx.root, sample());
    const ran: string[] = [];
    const fake = (async (_root: string, script: string) => {
      ran.push(script);
      return { exitCode: 0, output: '', durationMs: 1 };
    }) as typeof runInRoot;
    const results = await runChecks(fx.root, checks, { runInRoot: fake });
    assert.deepEqual(results.filter((r) => r.status !== 'passed'), []);
    assert.deepEqual(ran, ['sshd -t']);
    // And the same example fails on an image that does not match it.
    const empty = makeRootfs();
    try {
      const bad = await runChecks(empty.root, checks.filter((c) => c.type !== 'command' && c.type !== 'file-absent'), { runInRoot: fake });
      assert.ok(bad.every((r) => r.status === 'failed'), JSON.stringify(bad.filter((r) => r.status !== 'failed')));
    } finally {
      empty.cleanup();
    }
  } finally {
    fx.cleanup();
  }
});
