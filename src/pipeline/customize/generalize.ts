/**
 * Generalisation that every golden image gets after customisation (what `waagent -deprovision` or
 * `virt-sysprep` do): nothing machine-specific or build-specific may ship in the image. It also makes
 * the customised rootfs reproducible (no logs, caches or timestamps from the build).
 */
export const GENERALIZE_SCRIPT = `
rm -f /usr/sbin/policy-rc.d
# Every VM must get its own SSH host keys and machine id, generated at first boot.
rm -f /etc/ssh/ssh_host_*_key /etc/ssh/ssh_host_*_key.pub
if [ -d /etc/ssh ] && [ -d /etc/systemd/system ]; then
  cat > /etc/systemd/system/goldsmith-ssh-hostkeys.service <<'UNIT'
[Unit]
Description=Generate SSH host keys on first boot (Goldsmith generalized image)
ConditionPathExistsGlob=!/etc/ssh/ssh_host_*_key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target
UNIT
  mkdir -p /etc/systemd/system/multi-user.target.wants
  ln -sf /etc/systemd/system/goldsmith-ssh-hostkeys.service /etc/systemd/system/multi-user.target.wants/goldsmith-ssh-hostkeys.service
fi
: > /etc/machine-id
rm -f /var/lib/dbus/machine-id
# Build-time state: package lists, caches, logs, backups.
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*
rm -f /var/cache/ldconfig/aux-cache /var/lib/dpkg/*-old /var/cache/debconf/*-old
find /var/log -type f -delete 2>/dev/null || true
rm -rf /tmp/* /var/tmp/* /root/.bash_history /root/.cache
`;

/** Keeps services from starting inside the build chroot (Debian's policy-rc.d convention). */
export const POLICY_RC_D = `#!/bin/sh
# Installed by Goldsmith during customisation: do not start services in the build chroot.
exit 101
`;
