/**
 * The fixed layout of a bootable disk and the boot configuration that must agree with it: the
 * identifiers (all derived from one seed, so a rebuild gets the same disk), the image's fstab and
 * grub.cfg, and the ESP's grub.cfg that finds the root filesystem. Pure functions plus confined
 * reads and writes of an image tree.
 */
import { posix } from 'node:path';
import { InputError } from '../errors/index.js';
import { derivedUuid } from './disk-image.js';
import { mkdirInRoot, readFileInRoot, resolveInRoot, writeFileInRoot } from './root-fs.js';

/** GPT type of an EFI system partition (UEFI spec). */
export const ESP_TYPE = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** GPT type of an x86-64 root partition (Discoverable Partitions Specification). */
export const ROOT_X86_64_TYPE = '4F68BCE3-E8CD-4DB1-96E7-FBCAF984B709';
/** Partitions start on 1 MiB boundaries; the last MiB holds the backup GPT. */
export const ALIGN_MIB = 1;
export const ESP_SIZE_MIB = 64;

export interface BootLayout {
  /** What the identifiers were derived from (e.g. image, version and build). */
  seed: string;
  diskGuid: string;
  esp: { number: 1; partUuid: string; type: string; label: 'EFI'; startMiB: number; sizeMiB: number; volumeId: string };
  root: { number: 2; partUuid: string; type: string; label: 'rootfs'; startMiB: number; fsUuid: string };
}

const MAX_SEED = 1024;

/** The identifiers of a bootable disk, all derived from `seed`: the same seed gives the same disk. */
export function bootLayout(seed: string): BootLayout {
  if (typeof seed !== 'string' || seed === '' || seed.length > MAX_SEED) {
    throw new InputError('IMAGE_BAD_LAYOUT', `the layout seed must be a non-empty string of at most ${MAX_SEED} characters`, { where: 'seed' });
  }
  const id = (what: string) => derivedUuid(`goldsmith-boot:${what}:${seed}`);
  return {
    seed,
    diskGuid: id('disk'),
    esp: {
      number: 1,
      partUuid: id('esp-part'),
      type: ESP_TYPE,
      label: 'EFI',
      startMiB: ALIGN_MIB,
      sizeMiB: ESP_SIZE_MIB,
      volumeId: id('vfat').replace(/-/g, '').slice(0, 8).toUpperCase(),
    },
    root: { number: 2, partUuid: id('root-part'), type: ROOT_X86_64_TYPE, label: 'rootfs', startMiB: ALIGN_MIB + ESP_SIZE_MIB, fsUuid: id('ext4') },
  };
}

/**
 * A layout handed in from outside (a stored run, an API body) must be exactly what bootLayout()
 * makes from its seed, since its values end up in sfdisk scripts, grub.cfg and fstab. The first
 * field that differs is named.
 */
export function assertBootLayout(layout: unknown): asserts layout is BootLayout {
  const l = layout as Record<string, unknown> | undefined;
  if (!l || typeof l !== 'object' || typeof l.seed !== 'string' || l.seed === '' || l.seed.length > MAX_SEED) {
    throw new InputError('IMAGE_BAD_LAYOUT', 'layout must be an object from bootLayout() with its seed', { where: 'layout.seed' });
  }
  const want = bootLayout(l.seed);
  for (const [part, fields] of Object.entries(want)) {
    if (typeof fields !== 'object') continue;
    for (const [field, value] of Object.entries(fields as Record<string, unknown>)) {
      const got = (l[part] as Record<string, unknown> | undefined)?.[field];
      if (got !== value) {
        throw new InputError('IMAGE_BAD_LAYOUT', `layout.${part}.${field} is ${JSON.stringify(got)}, not what bootLayout() derives from the seed`, { where: `layout.${part}.${field}` });
      }
    }
  }
  if (l.diskGuid !== want.diskGuid) {
    throw new InputError('IMAGE_BAD_LAYOUT', `layout.diskGuid is ${JSON.stringify(l.diskGuid)}, not what bootLayout() derives from the seed`, { where: 'layout.diskGuid' });
  }
}

/** How a vfat volume id appears in blkid, udev's /dev/disk/by-uuid and fstab: "1234-ABCD". */
export function vfatUuid(volumeId: string): string {
  return `${volumeId.slice(0, 4)}-${volumeId.slice(4)}`;
}

export interface BootConfigOptions {
  /** Seconds grub's menu waits (default 1). */
  timeoutSeconds?: number;
  /** Extra kernel command line arguments, each a plain word such as "quiet" or "net.ifnames=0". */
  kernelArgs?: string[];
}

export interface BootConfig {
  /** The image's /etc/fstab entries for / and /boot/efi. */
  fstabLines: string[];
  /** The image's /boot/grub/grub.cfg. */
  grubCfg: string;
  /** grub.cfg on the ESP, next to grubx64.efi: finds the root filesystem and hands over to its grub.cfg. */
  espGrubCfg: string;
}

const KERNEL_ARG_RE = /^[A-Za-z0-9_.,:=/+-]{1,200}$/;

function kernelArgs(opts: BootConfigOptions): string[] {
  const args = opts.kernelArgs ?? [];
  if (!Array.isArray(args) || args.length > 32) throw new InputError('IMAGE_BAD_BOOT_CONFIG', 'kernelArgs must be a list of at most 32 words', { where: 'kernelArgs' });
  args.forEach((a, i) => {
    if (typeof a !== 'string' || !KERNEL_ARG_RE.test(a)) {
      throw new InputError('IMAGE_BAD_BOOT_CONFIG', `kernel argument ${JSON.stringify(a)} may hold only letters, digits and _.,:=/+-`, { where: `kernelArgs/${i}` });
    }
  });
  return args;
}

/**
 * The boot configuration for a layout. The kernel and initrd are Debian's /vmlinuz and /initrd.img
 * symlinks, which kernel upgrades keep pointing at the newest kernel, so the config stays valid
 * without update-grub (which a minimal image does not have). The console goes to ttyS0 as well as
 * tty0: clouds and the boot check read the serial port.
 */
export function bootConfig(layout: BootLayout, opts: BootConfigOptions = {}): BootConfig {
  assertBootLayout(layout);
  const timeout = opts.timeoutSeconds ?? 1;
  if (!Number.isSafeInteger(timeout) || timeout < 0 || timeout > 60) {
    throw new InputError('IMAGE_BAD_BOOT_CONFIG', `timeoutSeconds must be an integer from 0 to 60, got ${timeout}`, { where: 'timeoutSeconds' });
  }
  const uuid = layout.root.fsUuid;
  const cmdline = [`root=UUID=${uuid}`, 'ro', 'console=tty0', 'console=ttyS0,115200n8', ...kernelArgs(opts)].join(' ');
  const grubCfg = [
    '# Written by Goldsmith for this disk layout. The kernel and initrd are the symlinks at /,',
    '# which kernel upgrades keep current.',
    'serial --unit=0 --speed=115200 --word=8 --parity=no --stop=1',
    'terminal_input console serial',
    'terminal_output console serial',
    'set default=0',
    `set timeout=${timeout}`,
    "menuentry 'Linux' --id goldsmith {",
    `\tsearch --no-floppy --fs-uuid --set=root ${uuid}`,
    `\tlinux /vmlinuz ${cmdline}`,
    '\tinitrd /initrd.img',
    '}',
    '',
  ].join('\n');
  const espGrubCfg = [`search.fs_uuid ${uuid} root`, "set prefix=($root)'/boot/grub'", 'configfile $prefix/grub.cfg', ''].join('\n');
  return {
    fstabLines: [`UUID=${uuid} / ext4 defaults,discard,errors=remount-ro 0 1`, `UUID=${vfatUuid(layout.esp.volumeId)} /boot/efi vfat umask=0077 0 1`],
    grubCfg,
    espGrubCfg,
  };
}

/** The mount point of an fstab line, or undefined for comments and blank lines. */
function mountPoint(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#')) return undefined;
  const mp = t.split(/\s+/)[1];
  return mp === undefined ? undefined : posix.normalize(mp.replace(/\\040/g, ' ')).replace(/(.)\/$/, '$1');
}

/** fstab text with any `/` and `/boot/efi` entries replaced by `lines`; the user's other mounts and comments stay. */
export function mergeFstab(existing: string, lines: string[]): string {
  const kept = existing.split('\n').filter((l) => !['/', '/boot/efi'].includes(mountPoint(l) ?? ''));
  while (kept.length > 0 && kept[kept.length - 1]!.trim() === '') kept.pop();
  return [...kept, ...lines, ''].join('\n');
}

const MAX_FSTAB_BYTES = 1024 * 1024;

/**
 * Write the layout's boot configuration into an image tree, confined to it: /etc/fstab (merged),
 * /boot/grub/grub.cfg, and the /boot/efi mount point. Returns the configuration written.
 */
export async function installBootConfig(rootfs: string, layout: BootLayout, opts: BootConfigOptions = {}): Promise<BootConfig> {
  const cfg = bootConfig(layout, opts);
  const fstab = await readFileInRoot(rootfs, '/etc/fstab', { maxBytes: MAX_FSTAB_BYTES });
  await writeFileInRoot(rootfs, '/etc/fstab', mergeFstab(fstab?.text ?? '', cfg.fstabLines), { mode: 0o644, keepMode: true });
  await writeFileInRoot(rootfs, '/boot/grub/grub.cfg', cfg.grubCfg, { mode: 0o644 });
  await mkdirInRoot(rootfs, '/boot/efi', 0o755);
  return cfg;
}

/** Files a tree needs to boot through shim and grub under Secure Boot. */
export const BOOT_FILES = {
  shim: '/usr/lib/shim/shimx64.efi.signed',
  grub: '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed',
  kernel: '/vmlinuz',
  initrd: '/initrd.img',
} as const;

async function regularFileProblem(rootfs: string, path: string, what: string): Promise<string | undefined> {
  const r = await resolveInRoot(rootfs, path);
  if (r.stat?.isFile()) return undefined;
  return `${what}: ${path} is ${r.stat ? 'not a regular file' : 'missing'}`;
}

/** What the tree's fstab and grub.cfg lack for this layout (written by installBootConfig). */
async function configProblems(rootfs: string, layout: BootLayout): Promise<string[]> {
  const cfg = bootConfig(layout);
  const problems: string[] = [];
  const fstab = (await readFileInRoot(rootfs, '/etc/fstab', { maxBytes: MAX_FSTAB_BYTES }).catch(() => undefined))?.text ?? '';
  const lines = fstab.split('\n').map((l) => l.trim().split(/\s+/).slice(0, 3).join(' '));
  for (const want of cfg.fstabLines) {
    if (!lines.includes(want.split(' ').slice(0, 3).join(' '))) problems.push(`/etc/fstab lacks "${want.split(' ').slice(0, 3).join(' ')}" (installBootConfig writes it)`);
  }
  const grub = (await readFileInRoot(rootfs, '/boot/grub/grub.cfg', { maxBytes: MAX_FSTAB_BYTES }).catch(() => undefined))?.text ?? '';
  if (!grub.includes(`root=UUID=${layout.root.fsUuid} `)) problems.push(`/boot/grub/grub.cfg does not boot root=UUID=${layout.root.fsUuid} (installBootConfig writes it)`);
  return problems;
}

/**
 * What a tree lacks to boot under UEFI Secure Boot (empty when nothing): shim and Debian's signed
 * grub, a kernel and initrd at / and systemd as /sbin/init; with a layout, also the fstab and
 * grub.cfg for it. Only confined lookups and reads: the tree is image content.
 */
export async function bootableTreeProblems(rootfs: string, layout?: BootLayout): Promise<string[]> {
  const problems: string[] = [];
  for (const [what, path] of [
    ['shim (package shim-signed)', BOOT_FILES.shim],
    ['signed grub (package grub-efi-amd64-signed)', BOOT_FILES.grub],
    ['kernel (a linux-image package)', BOOT_FILES.kernel],
    ['initrd (initramfs-tools)', BOOT_FILES.initrd],
  ] as const) {
    const p = await regularFileProblem(rootfs, path, what);
    if (p) problems.push(p);
  }
  const init = await resolveInRoot(rootfs, '/sbin/init');
  if (!init.stat?.isFile() || posix.basename(init.imagePath) !== 'systemd') {
    problems.push(`init: /sbin/init is ${init.stat ? `${init.imagePath}, not systemd` : 'missing'} (package systemd-sysv)`);
  }
  if (layout) problems.push(...(await configProblems(rootfs, layout)));
  return problems;
}
