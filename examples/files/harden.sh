#!/bin/sh
# Goldsmith example: baseline kernel and login hardening. Runs as root inside the image's chroot.
set -eu

install -d -m 0755 /etc/sysctl.d
cat > /etc/sysctl.d/60-goldsmith-hardening.conf <<'CONF'
kernel.kptr_restrict = 2
kernel.dmesg_restrict = 1
kernel.unprivileged_bpf_disabled = 1
net.ipv4.conf.all.accept_redirects = 0
net.ipv4.conf.default.accept_redirects = 0
net.ipv4.conf.all.send_redirects = 0
net.ipv4.conf.all.rp_filter = 1
net.ipv6.conf.all.accept_redirects = 0
CONF

# Nobody logs in with a password on a golden image; lock root's.
passwd -l root >/dev/null

# Keep the image free of machine-specific identity: regenerated on first boot.
: > /etc/machine-id
rm -f /etc/ssh/ssh_host_*
install -d -m 0755 /etc/systemd/system/ssh.service.d
cat > /etc/systemd/system/ssh.service.d/10-host-keys.conf <<'UNIT'
[Service]
ExecStartPre=
ExecStartPre=/usr/bin/ssh-keygen -A
ExecStartPre=/usr/sbin/sshd -t
UNIT
