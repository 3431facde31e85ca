import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, test } from 'node:test';
import { inspectBootFiles } from '../../src/image/index.js';

let root: string;
const file = (p: string) => {
  mkdirSync(join(root, p, '..'), { recursive: true });
  writeFileSync(join(root, p), 'x');
};
const link = (target: string, p: string) => {
  mkdirSync(join(root, p, '..'), { recursive: true });
  symlinkSync(target, join(root, p));
};

/** The Debian layout of a bootable tree, with small stand-ins for the binaries. */
function bootableTree(): void {
  for (const p of ['usr/lib/shim/shimx64.efi.signed', 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', 'boot/vmlinuz-6.1', 'boot/initrd.img-6.1', 'usr/lib/systemd/systemd']) file(p);
  link('boot/vmlinuz-6.1', 'vmlinuz');
  link('boot/initrd.img-6.1', 'initrd.img');
  link('usr/lib', 'lib');
  link('/lib/systemd/systemd', 'sbin/init');
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gs-bootfiles-'));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('a tree with shim, signed GRUB, kernel, initramfs and systemd as init is bootable', async () => {
  bootableTree();
  assert.deepEqual(await inspectBootFiles(root), { bootable: true, missing: [] });
});

test('an empty tree lacks everything, each named', async () => {
  const r = await inspectBootFiles(root);
  assert.equal(r.bootable, false);
  assert.deepEqual(r.missing, [
    'signed shim (/usr/lib/shim/shimx64.efi.signed)',
    'signed GRUB (/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed)',
    'kernel (/vmlinuz)',
    'initramfs (/initrd.img)',
    'systemd as init (/sbin/init)',
  ]);
});

test('another init, a dangling kernel link or a directory does not count', async () => {
  bootableTree();
  rmSync(join(root, 'sbin/init'));
  file('bin/busybox');
  link('/bin/busybox', 'sbin/init');
  rmSync(join(root, 'boot/vmlinuz-6.1'));
  rmSync(join(root, 'usr/lib/shim/shimx64.efi.signed'));
  mkdirSync(join(root, 'usr/lib/shim/shimx64.efi.signed'));
  assert.deepEqual((await inspectBootFiles(root)).missing, ['signed shim (/usr/lib/shim/shimx64.efi.signed)', 'kernel (/vmlinuz)', 'systemd as init (/sbin/init)']);
});

test('links are resolved inside the tree: a kernel link climbing out finds the host file absent from the image', async () => {
  bootableTree();
  rmSync(join(root, 'vmlinuz'));
  // /etc/hostname exists on the host; inside the image '..' stops at the root, where it does not.
  link('../../../../../../../../etc/hostname', 'vmlinuz');
  assert.deepEqual((await inspectBootFiles(root)).missing, ['kernel (/vmlinuz)']);
});
