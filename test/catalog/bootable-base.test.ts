import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { bootableTreeProblems, readFileInRoot, resolveInRoot, unpackRootfs } from '../../src/image/index.js';
import { cachedBootableBase } from '../support/base-image.js';

/**
 * The real bootable base, built by mmdebstrap from the catalog recipe with `bootable: true` (once per
 * machine): what it must hold to boot under UEFI Secure Boot, and what it must not carry from the
 * build (identity of the build host, identity every VM would share).
 */
let dir: string | undefined;
let root: string;
const at = (p: string) => resolveInRoot(root, p);
const text = async (p: string) => (await readFileInRoot(root, p))?.text;

before(async () => {
  const archive = await cachedBootableBase();
  dir = await mkdtemp(join(tmpdir(), 'gs-bootbase-'));
  root = join(dir, 'rootfs');
  await unpackRootfs(archive, root);
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('kernel, initramfs, shim, signed GRUB and systemd as init are there', async () => {
  assert.deepEqual(await bootableTreeProblems(root), []);
  // Debian's stable symlinks, which the disk builder's grub.cfg boots.
  assert.match((await at('/vmlinuz')).imagePath, /^\/boot\/vmlinuz-[\d.]+-\d+-cloud-amd64$/);
  assert.match((await at('/initrd.img')).imagePath, /^\/boot\/initrd\.img-[\d.]+-\d+-cloud-amd64$/);
  assert.ok((await at('/initrd.img')).stat!.size > 1 << 20, 'the initramfs was really generated');
  assert.ok((await at('/usr/sbin/sshd')).stat?.isFile());
});

test('every VM gets its own identity: empty machine-id, no SSH host keys, a first-boot unit that makes them', async () => {
  assert.equal(await text('/etc/machine-id'), '');
  const dbusId = await resolveInRoot(root, '/var/lib/dbus/machine-id', false);
  assert.ok(!dbusId.stat || (dbusId.stat.isSymbolicLink() && (await at('/var/lib/dbus/machine-id')).imagePath === '/etc/machine-id'));
  const ssh = await readdir(join(root, 'etc/ssh'));
  assert.deepEqual(ssh.filter((f) => f.startsWith('ssh_host_')), []);
  const unit = await text('/etc/systemd/system/goldsmith-ssh-hostkeys.service');
  assert.match(unit ?? '', /^ExecStart=\/usr\/bin\/ssh-keygen -A$/m);
  assert.match(unit ?? '', /^Before=ssh\.service$/m);
  assert.match(unit ?? '', /^ConditionPathExistsGlob=!\/etc\/ssh\/ssh_host_\*_key$/m);
  // Enabled the way systemctl would: multi-user.target pulls it in, and it names a real unit file.
  const wants = await at('/etc/systemd/system/multi-user.target.wants/goldsmith-ssh-hostkeys.service');
  assert.equal(wants.imagePath, '/etc/systemd/system/goldsmith-ssh-hostkeys.service');
  assert.ok((await at('/usr/bin/ssh-keygen')).stat?.isFile());
  assert.ok((await at('/etc/systemd/system/multi-user.target.wants/ssh.service')).stat?.isFile());
});

test('reachable once booted: DHCP by systemd-networkd, DNS by systemd-resolved, both enabled', async () => {
  assert.match((await text('/etc/systemd/network/50-goldsmith-dhcp.network')) ?? '', /^DHCP=yes$/m);
  assert.ok((await at('/etc/systemd/system/multi-user.target.wants/systemd-networkd.service')).stat?.isFile());
  assert.ok((await at('/etc/systemd/system/sockets.target.wants/systemd-networkd.socket')).stat?.isFile());
  assert.ok((await at('/etc/systemd/system/sysinit.target.wants/systemd-resolved.service')).stat?.isFile());
  const resolv = await resolveInRoot(root, '/etc/resolv.conf', false);
  assert.ok(resolv.stat?.isSymbolicLink());
  assert.equal((await at('/etc/resolv.conf')).imagePath, '/run/systemd/resolve/stub-resolv.conf');
});

test('nothing of the build host: no hostname, resolver, EFI boot entries, grub.cfg or UUID-bound fstab', async () => {
  assert.equal((await at('/etc/hostname')).stat, undefined);
  assert.equal((await at('/etc/.resolv.conf.systemd-resolved.bak')).stat, undefined, "systemd-resolved's backup of the host's resolv.conf");
  const hosts = (await text('/etc/hosts')) ?? '';
  if (hostname() !== 'localhost') assert.ok(!new RegExp(`\\s${hostname().replace(/\W/g, '\\$&')}(\\s|$)`, 'm').test(hosts), hosts);
  const nameservers = readFileSync('/etc/resolv.conf', 'utf8').match(/^nameserver\s+\S+/gm) ?? [];
  for (const ns of nameservers) assert.ok(!hosts.includes(ns.split(/\s+/)[1]!), ns);
  // No postinst ran grub-install or update-grub: the disk builder writes the ESP and grub.cfg per build.
  assert.equal((await at('/boot/efi/EFI')).stat, undefined);
  assert.equal((await at('/boot/grub/grub.cfg')).stat, undefined);
  assert.doesNotMatch((await text('/etc/fstab')) ?? '', /UUID=|LABEL=/);
});
