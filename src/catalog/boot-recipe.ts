import type { BootKernel } from './types.js';

/**
 * What makes a bootable Debian base, beyond minbase. Each package is here for one reason; anything
 * a workload needs (ca-certificates, a cloud agent, tools) is the template's business.
 */
const BOOT_PACKAGES: ReadonlyArray<[string, string]> = [
  // The kernel (named by flavour below) needs an initramfs: it mounts the root filesystem by UUID
  // or label, which the kernel alone cannot resolve. Named so apt never picks dracut instead.
  ['initramfs-tools', 'initrd that finds the root filesystem by UUID/label'],
  ['systemd-sysv', 'systemd as /sbin/init'],
  ['udev', 'device nodes, module autoloading, /dev/disk/by-uuid for fstab'],
  ['dbus', 'system bus for logind, hostnamectl and systemd-resolved'],
  ['shim-signed', 'first stage of Secure Boot, signed by Microsoft'],
  ['grub-efi-amd64-signed', 'GRUB signed by Debian, which shim verifies and which verifies the kernel'],
  // systemd-networkd (part of systemd) does DHCP; it writes no resolv.conf, systemd-resolved does.
  ['systemd-resolved', 'DNS servers from DHCP'],
  ['netbase', '/etc/hosts (localhost), /etc/services, /etc/protocols'],
  ['openssh-server', 'remote access: the VM is reachable once booted'],
];

const KERNEL_PACKAGE: Record<BootKernel, string> = {
  // Virtio, Hyper-V and Xen drivers only: small and quick to boot, what Debian's cloud images use.
  cloud: 'linux-image-cloud-amd64',
  generic: 'linux-image-amd64',
};

/** The packages a bootable recipe adds to its own. */
export function bootPackages(kernel: BootKernel): string[] {
  return [KERNEL_PACKAGE[kernel], ...BOOT_PACKAGES.map(([name]) => name)];
}

/** The unit name the pipeline's generalisation also writes, so a golden image ends up with one such unit, not two. */
export const SSH_HOSTKEYS_UNIT = 'goldsmith-ssh-hostkeys.service';

const UNIT_LINES = [
  '[Unit]',
  'Description=Generate SSH host keys on first boot (Goldsmith generalized image)',
  // Any key present means keys were made (or provided): never overwrite or regenerate them.
  'ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key',
  // sshd refuses to start without a host key.
  'Before=ssh.service',
  '',
  '[Service]',
  'Type=oneshot',
  'ExecStart=/usr/bin/ssh-keygen -A',
  '',
  '[Install]',
  'WantedBy=multi-user.target',
];

const NETWORK_LINES = ['[Match]', '# Ethernet NICs: predictable names (virtio: enp0s3) and eth* (Hyper-V netvsc)', 'Name=en* eth*', '', '[Network]', 'DHCP=yes'];

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
const writeLines = (lines: string[], path: string) => `printf '%s\\n' ${lines.map(q).join(' ')} > "$1"${path}`;
const enable = (unit: string, target: string) =>
  `mkdir -p "$1"/etc/systemd/system/${target}.wants && ln -sf ${unit} "$1"/etc/systemd/system/${target}.wants/${unit.split('/').pop()}`;

/**
 * mmdebstrap customize hooks (run on the host with the rootfs as $1, after the packages are
 * configured) that generalise a bootable base: every VM gets its own identity at first boot, the
 * build host leaves nothing behind, and nothing depends on a disk UUID (the disk builder writes
 * fstab and grub.cfg per build).
 */
export function bootHooks(): string[] {
  return [
    // Machine id: empty means systemd generates one at boot; without its own copy dbus reads
    // /etc/machine-id. (mmdebstrap's reproducibility cleanup does the same; the base must not rely on it.)
    ': > "$1"/etc/machine-id && rm -f "$1"/var/lib/dbus/machine-id',
    // SSH host keys made by openssh-server's postinst would be shared by every VM: regenerate at first boot.
    'rm -f "$1"/etc/ssh/ssh_host_*_key "$1"/etc/ssh/ssh_host_*_key.pub',
    writeLines(UNIT_LINES, `/etc/systemd/system/${SSH_HOSTKEYS_UNIT}`),
    enable(`/etc/systemd/system/${SSH_HOSTKEYS_UNIT}`, 'multi-user.target'),
    // DHCP with systemd-networkd (its socket is how udev and networkctl reach it).
    `mkdir -p "$1"/etc/systemd/network && ${writeLines(NETWORK_LINES, '/etc/systemd/network/50-goldsmith-dhcp.network')}`,
    enable('/lib/systemd/system/systemd-networkd.service', 'multi-user.target'),
    enable('/lib/systemd/system/systemd-networkd.socket', 'sockets.target'),
    // systemd-resolved's postinst moved the build host's resolv.conf to a backup; the generic hook
    // already removed resolv.conf. The image resolves through resolved's stub at run time.
    'rm -f "$1"/etc/.resolv.conf.systemd-resolved.bak && ln -sfn ../run/systemd/resolve/stub-resolv.conf "$1"/etc/resolv.conf',
  ];
}
