#!/usr/bin/env bash
# Installs what Goldsmith needs on Debian 12 (run as root): system tools for building images and
# the npm dependencies (which also compiles the TypeScript). Safe to run again; skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pair in mmdebstrap:mmdebstrap mke2fs:e2fsprogs debugfs:e2fsprogs qemu-img:qemu-utils zstd:zstd xz:xz-utils bzip2:bzip2 unshare:util-linux tar:tar unzip:unzip zip:zip openssl:openssl ssh-keygen:openssh-client bwrap:bubblewrap newuidmap:uidmap setfacl:acl prlimit:util-linux nsenter:util-linux qemu-system-x86_64:qemu-system-x86 swtpm:swtpm setpriv:util-linux sfdisk:fdisk mcopy:mtools mkfs.vfat:dosfstools; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
# UEFI firmware for boot validation (src/vm): data only, no command to look for.
[ -e /usr/share/OVMF/OVMF_CODE_4M.ms.fd ] || need+=(ovmf)
if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
# Sandboxes map their ids 0..65535 to a subordinate range of the invoking user (root inside is an
# unprivileged id outside): give root one if it has none (newuidmap enforces these files).
for f in /etc/subuid /etc/subgid; do
  if ! grep -q "^root:" "$f" 2>/dev/null; then
    echo "setup: adding root:1879048192:65536 to $f (ids for Goldsmith's sandboxes)" >&2
    echo "root:1879048192:65536" >> "$f"
  fi
done
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p .
