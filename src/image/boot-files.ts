import { resolveInRoot } from './root-fs.js';

/**
 * What a root filesystem must hold to boot as a UEFI VM with Secure Boot (amd64, Debian layout):
 * shim and the signed GRUB it chains to (the disk builder copies both to the EFI system partition),
 * the kernel and initramfs at Debian's stable symlinks, and systemd as init.
 */
const REQUIRED: ReadonlyArray<{ path: string; what: string; target?: RegExp }> = [
  { path: '/usr/lib/shim/shimx64.efi.signed', what: 'signed shim' },
  { path: '/usr/lib/grub/x86_64-efi-signed/grubx64.efi.signed', what: 'signed GRUB' },
  { path: '/vmlinuz', what: 'kernel' },
  { path: '/initrd.img', what: 'initramfs' },
  { path: '/sbin/init', what: 'systemd as init', target: /\/systemd\/systemd$/ },
];

export interface BootFiles {
  bootable: boolean;
  /** What is missing, e.g. "kernel (/vmlinuz)"; empty when bootable. */
  missing: string[];
}

/**
 * Whether the tree at `root` has what a bootable base needs. Every path is resolved confined to the
 * root (an image's symlinks never lead out of it) and must end at a regular file; nothing is read.
 */
export async function inspectBootFiles(root: string): Promise<BootFiles> {
  const missing: string[] = [];
  for (const r of REQUIRED) {
    const found = await resolveInRoot(root, r.path);
    const ok = found.stat?.isFile() === true && (!r.target || r.target.test(found.imagePath));
    if (!ok) missing.push(`${r.what} (${r.path})`);
  }
  return { bootable: missing.length === 0, missing };
}
