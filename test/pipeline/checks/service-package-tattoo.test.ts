import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { installSection, runChecks, type CheckResult } from '../../../src/pipeline/checks/index.js';
import { runInRoot } from '../../../src/sandbox/index.js';
import { formatTattoo, writeTattoo } from '../../../src/pipeline/tattoo/index.js';
import type { Check } from '../../../src/template/types.js';
import { sample } from '../tattoo/sample-tattoo.js';
import { DEBIAN_OS_RELEASE, makeRootfs, type Fixture } from './rootfs-fixture.js';

let fx: Fixture;
async function one(check: Check, root = fx.root, tattoo?: Parameters<typeof runChecks>[2]['tattoo']): Promise<CheckResult> {
  const [r] = await runChecks(root, [check], { runInRoot, tattoo });
  return r;
}
const svc = (service: string): Check => ({ type: 'service-enabled', name: `svc ${service}`, service });

const unit = (install: string) => `[Unit]\nDescription=x\n\n[Service]\nExecStart=/usr/bin/true\n${install}`;

before(() => {
  fx = makeRootfs();
  fx.link('/lib', 'usr/lib');
  // enabled the way systemctl enable leaves it on Debian: absolute links into /lib
  fx.file('/usr/lib/systemd/system/ssh.service', unit('\n[Install]\nWantedBy=multi-user.target\nAlias=sshd.service\n'));
  fx.link('/etc/systemd/system/multi-user.target.wants/ssh.service', '/lib/systemd/system/ssh.service');
  fx.link('/etc/systemd/system/sshd.service', '/lib/systemd/system/ssh.service');
  fx.file('/usr/lib/systemd/system/fstrim.timer', '[Timer]\nOnCalendar=weekly\n[Install]\nWantedBy=timers.target\n');
  fx.link('/etc/systemd/system/timers.target.wants/fstrim.timer', '/lib/systemd/system/fstrim.timer');
  // installed but disabled
  fx.file('/usr/lib/systemd/system/nginx.service', unit('[Install]\nWantedBy=multi-user.target\n'));
  // masked
  fx.file('/usr/lib/systemd/system/rpcbind.service', unit('[Install]\nWantedBy=multi-user.target\n'));
  fx.link('/etc/systemd/system/rpcbind.service', '/dev/null');
  // static: no [Install]
  fx.file('/usr/lib/systemd/system/apt-daily.service', unit(''));
  // enabled by the vendor's own .wants link
  fx.file('/usr/lib/systemd/system/systemd-journald.service', unit(''));
  fx.link('/usr/lib/systemd/system/sysinit.target.wants/systemd-journald.service', '../systemd-journald.service');
  // indirect via Also=
  fx.file('/usr/lib/systemd/system/cups.service', unit('[Install]\nAlso=cups.socket\n'));
  fx.file('/usr/lib/systemd/system/cups.socket', '[Socket]\nListenStream=631\n[Install]\nWantedBy=sockets.target\n');
  fx.link('/etc/systemd/system/sockets.target.wants/cups.socket', '/lib/systemd/system/cups.socket');
  fx.file('/usr/lib/systemd/system/avahi.service', unit('[Install]\nAlso=avahi.socket\n'));
  fx.file('/usr/lib/systemd/system/avahi.socket', '[Socket]\n[Install]\nWantedBy=sockets.target\n');
  // template instance
  fx.file('/usr/lib/systemd/system/getty@.service', unit('[Install]\nWantedBy=getty.target\n'));
  fx.link('/etc/systemd/system/getty.target.wants/getty@tty1.service', '/lib/systemd/system/getty@.service');
  // SysV
  fx.file('/etc/init.d/legacyd', '#!/bin/sh\n', 0o755);
  fx.link('/etc/rc2.d/S01legacyd', '../init.d/legacyd');
  fx.file('/etc/init.d/oldd', '#!/bin/sh\n', 0o755);
  fx.link('/etc/rc2.d/K01oldd', '../init.d/oldd');

  fx.file('/var/lib/dpkg/status', [
    'Package: openssh-server\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:9.2p1-2+deb12u3\n',
    'Package: libc6\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.36-9+deb12u9\n',
    'Package: telnet\nStatus: deinstall ok config-files\nArchitecture: amd64\nVersion: 0.17+2.4-2\n',
  ].join('\n'));
});
after(() => fx.cleanup());

describe('service-enabled', () => {
  test('enabled through WantedBy links, aliases, timers, template instances', async () => {
    for (const s of ['ssh', 'ssh.service', 'sshd', 'fstrim.timer', 'getty@tty1.service']) {
      const r = await one(svc(s));
      assert.equal(r.status, 'passed', `${s}: ${r.message}`);
    }
    assert.match((await one(svc('ssh'))).message, /multi-user\.target\.wants\/ssh\.service/);
  });

  test('disabled says which link is missing; masked and unknown units fail', async () => {
    const d = await one(svc('nginx'));
    assert.equal(d.status, 'failed');
    assert.match(d.message, /\/etc\/systemd\/system\/multi-user\.target\.wants\/nginx\.service is missing/);
    const m = await one(svc('rpcbind'));
    assert.equal(m.status, 'failed');
    assert.match(m.message, /masked/);
    const u = await one(svc('nosuch'));
    assert.equal(u.status, 'failed');
    assert.match(u.message, /no unit file/);
    assert.equal((await one(svc('getty@tty2.service'))).status, 'failed');
  });

  test('static and vendor-enabled units pass, as systemctl is-enabled would', async () => {
    assert.match((await one(svc('apt-daily'))).message, /static/);
    assert.equal((await one(svc('apt-daily'))).status, 'passed');
    assert.match((await one(svc('systemd-journald'))).message, /enabled by its package/);
  });

  test('Also= units make a service indirectly enabled only when they are enabled', async () => {
    const cups = await one(svc('cups'));
    assert.equal(cups.status, 'passed', cups.message);
    assert.match(cups.message, /indirectly through cups\.socket/);
    assert.equal((await one(svc('avahi'))).status, 'failed');
  });

  test('SysV scripts need an S link in rc2-5.d', async () => {
    assert.equal((await one(svc('legacyd'))).status, 'passed');
    const k = await one(svc('oldd'));
    assert.equal(k.status, 'failed');
    assert.match(k.message, /update-rc\.d oldd defaults/);
  });

  test('installSection reads lists and resets on empty assignments', () => {
    assert.deepEqual(installSection('[Install]\nWantedBy=a.target b.target\nWantedBy=\nWantedBy=c.target\n[Other]\nWantedBy=x\n'), { WantedBy: ['c.target'] });
  });
});

describe('package-installed', () => {
  const pkg = (p: string, version?: string): Check => ({ type: 'package-installed', name: p, package: p, version });
  test('by name, name:arch and exact version', async () => {
    assert.equal((await one(pkg('openssh-server'))).status, 'passed');
    assert.equal((await one(pkg('libc6:amd64'))).status, 'passed');
    assert.equal((await one(pkg('libc6:arm64'))).status, 'failed');
    assert.equal((await one(pkg('openssh-server', '1:9.2p1-2+deb12u3'))).status, 'passed');
    const v = await one(pkg('openssh-server', '1:9.2p1-2+deb12u2'));
    assert.deepEqual([v.status, v.message], ['failed', 'expected package openssh-server at version 1:9.2p1-2+deb12u2; found openssh-server:amd64 1:9.2p1-2+deb12u3']);
  });
  test('removed packages and images without dpkg fail', async () => {
    assert.equal((await one(pkg('telnet'))).status, 'failed', 'config-files only is not installed');
    const empty = makeRootfs();
    try {
      assert.match((await one(pkg('bash'), empty.root)).message, /no \/var\/lib\/dpkg\/status/);
    } finally {
      empty.cleanup();
    }
  });
});

describe('tattoo-complete', () => {
  const check: Check = { type: 'tattoo-complete', name: 'tattoo' };
  test('passes after writeTattoo, and compares against the build\'s own tattoo', async () => {
    const img = makeRootfs();
    try {
      img.file('/usr/lib/os-release', DEBIAN_OS_RELEASE);
      img.link('/etc/os-release', '../usr/lib/os-release');
      assert.match((await one(check, img.root)).message, /found none/);
      await writeTattoo(img.root, sample());
      const ok = await one(check, img.root, sample());
      assert.equal(ok.status, 'passed', ok.message);
      const other = await one(check, img.root, sample({ buildId: 'run-0043' }));
      assert.equal(other.status, 'failed');
      assert.match(other.message, /BUILD_ID expected "run-0043", found "run-0042"/);
    } finally {
      img.cleanup();
    }
  });

  test('fails on an incomplete tattoo, a parse error, or os-release disagreeing', async () => {
    const img = makeRootfs();
    try {
      img.file('/etc/os-release', DEBIAN_OS_RELEASE + 'IMAGE_ID=hardened-web\nIMAGE_VERSION=1.2.2\n');
      img.file('/etc/goldsmith/tattoo', formatTattoo(sample()));
      const stale = await one(check, img.root);
      assert.equal(stale.status, 'failed');
      assert.match(stale.message, /expected IMAGE_VERSION=1\.2\.3 .* found IMAGE_VERSION=1\.2\.2/);
      img.file('/etc/goldsmith/tattoo', formatTattoo({ ...sample(), oob: true }));
      assert.match((await one(check, img.root)).message, /incomplete: CVE_IDS is missing; PATCH_DATE is missing/);
      img.file('/etc/goldsmith/tattoo', 'SOURCE_PUBLISHER=x\ngarbage\n');
      assert.match((await one(check, img.root)).message, /tattoo:2: expected KEY=VALUE/);
    } finally {
      img.cleanup();
    }
  });
});
