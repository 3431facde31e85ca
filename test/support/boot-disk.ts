import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { buildMmdebstrapBase } from '../../src/catalog/mmdebstrap.js';
import { normalizeRecipe, recipeDigest } from '../../src/catalog/recipe.js';
import { readAptSources } from '../../src/catalog/apt-sources.js';
import { withFileLock } from '../../src/store/lock.js';
import { TEST_CACHE_DIR } from './base-image.js';

/**
 * A small bootable test disk (GPT: ESP with shim + grub, ext4 root) built without mounts, until the
 * pipeline's own disk builder replaces it here. Fixed UUIDs keep it reproducible.
 */

const PACKAGES = ['linux-image-cloud-amd64', 'systemd-sysv', 'udev', 'dbus', 'shim-signed', 'grub-efi-amd64-signed', 'initramfs-tools', 'openssh-server'];
export const ROOT_UUID = '6a1f0c2e-4b1d-4e57-9a51-0c3d5e7f9b21';
const ESP_VOLID = '1234ABCD';
const MISSING_UUID = '00000000-dead-beef-0000-000000000000';
const ESP_MIB = 64;
const ROOT_MIB = 1200;

let memo: Promise<string> | undefined;

/** A bootable Debian 12 rootfs `.tar.zst`, built with mmdebstrap once per machine (~45 s). */
export function cachedBootableBase(): Promise<string> {
  memo ??= (async () => {
    const architecture = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
    const recipe = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: PACKAGES }, { aptSources: await readAptSources(), architecture });
    const file = join(TEST_CACHE_DIR, `bootable-${recipeDigest(recipe).slice(7, 23)}.tar.zst`);
    if (existsSync(file)) return file;
    return withFileLock(`${file}.lock`, async () => {
      if (!existsSync(file)) await buildMmdebstrapBase(recipe, file, { workDir: TEST_CACHE_DIR });
      return file;
    });
  })();
  return memo;
}

const run = (cmd: string, args: string[], input?: string) => execFileSync(cmd, args, { input, stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'pipe'] });

/** Write a raw GPT disk at `out` from the cached bootable base. Takes ~30 s. */
export async function buildBootDisk(out: string): Promise<void> {
  const work = await mkdtemp(join(TEST_CACHE_DIR, 'boot-disk-'));
  try {
    const tree = join(work, 'tree');
    await mkdir(tree);
    run('tar', ['--zstd', '-xf', await cachedBootableBase(), '-C', tree, '--numeric-owner']);
    await configureTree(tree);
    const root = join(work, 'root.img');
    run('mke2fs', ['-q', '-t', 'ext4', '-U', ROOT_UUID, '-E', 'hash_seed=' + ROOT_UUID, '-d', tree, root, `${ROOT_MIB}M`]);
    const esp = join(work, 'esp.img');
    await buildEsp(esp, tree);
    assembleDisk(out, esp, root);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

const fstab = (extra = '') => `UUID=${ROOT_UUID} / ext4 errors=remount-ro 0 1\n${extra}`;

async function configureTree(tree: string): Promise<void> {
  await writeFile(join(tree, 'etc/fstab'), fstab());
  await writeFile(join(tree, 'etc/hostname'), 'goldsmith-test\n');
  await mkdir(join(tree, 'boot/grub'), { recursive: true });
  await writeFile(
    join(tree, 'boot/grub/grub.cfg'),
    `set timeout=0\nset default=0\nmenuentry 'Debian' {\n  search.fs_uuid ${ROOT_UUID} root\n  linux /vmlinuz root=UUID=${ROOT_UUID} ro console=ttyS0,115200n8\n  initrd /initrd.img\n}\n`,
  );
}

/**
 * Make a copy of a test disk unbootable the way a broken template would: its fstab mounts a
 * filesystem that does not exist, so systemd gives up on local-fs.target and enters emergency mode.
 */
export async function breakFstab(disk: string): Promise<void> {
  const work = await mkdtemp(join(TEST_CACHE_DIR, 'boot-disk-'));
  try {
    const file = join(work, 'fstab');
    await writeFile(file, fstab(`UUID=${MISSING_UUID} /data ext4 defaults,x-systemd.device-timeout=2s 0 2\n`));
    const image = `${disk}?offset=${(1 + ESP_MIB) * 1024 * 1024}`;
    run('debugfs', ['-w', '-R', 'rm /etc/fstab', image]);
    run('debugfs', ['-w', '-R', `write ${file} /etc/fstab`, image]);
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/** The ESP: shim as the removable-media loader, signed grub next to it, and a grub.cfg that hands over to the root's. */
async function buildEsp(esp: string, tree: string): Promise<void> {
  run('mkfs.vfat', ['-C', '-F', '32', '-i', ESP_VOLID, '-n', 'ESP', esp, String(ESP_MIB * 1024)]);
  const stub = join(tree, 'tmp/esp-grub.cfg');
  await writeFile(stub, `search.fs_uuid ${ROOT_UUID} root\nset prefix=($root)'/boot/grub'\nconfigfile $prefix/grub.cfg\n`);
  run('mmd', ['-i', esp, '::/EFI', '::/EFI/BOOT', '::/EFI/debian']);
  run('mcopy', ['-i', esp, join(tree, 'usr/lib/shim/shimx64.efi.signed'), '::/EFI/BOOT/BOOTX64.EFI']);
  run('mcopy', ['-i', esp, join(tree, 'usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed'), '::/EFI/BOOT/grubx64.efi']);
  run('mcopy', ['-i', esp, stub, '::/EFI/BOOT/grub.cfg']);
  run('mcopy', ['-i', esp, stub, '::/EFI/debian/grub.cfg']);
}

/** Lay the two partition images into a sparse GPT disk: 1 MiB alignment, ESP first, root second. */
function assembleDisk(out: string, esp: string, root: string): void {
  run('truncate', ['-s', `${1 + ESP_MIB + ROOT_MIB + 1}M`, out]);
  const script = [
    'label: gpt',
    'label-id: 8E3A2F6C-1D4B-4C7A-9E55-3B2A1C0D9F10',
    `start=2048, size=${ESP_MIB * 2048}, type=C12A7328-F81F-11D2-BA4B-00A0C93EC93B, uuid=0B9F1E2D-3C4A-4B5C-8D6E-7F8091A2B3C4, name=esp`,
    `start=${2048 + ESP_MIB * 2048}, size=${ROOT_MIB * 2048}, type=4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709, uuid=1C2D3E4F-5A6B-4C7D-8E9F-A0B1C2D3E4F5, name=root`,
    '',
  ].join('\n');
  run('sfdisk', ['-q', out], script);
  run('dd', [`if=${esp}`, `of=${out}`, 'bs=1M', 'seek=1', 'conv=notrunc,sparse', 'status=none']);
  run('dd', [`if=${root}`, `of=${out}`, 'bs=1M', `seek=${1 + ESP_MIB}`, 'conv=notrunc,sparse', 'status=none']);
}
