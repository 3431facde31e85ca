#!/usr/bin/env bash
# Installs what Goldsmith needs on Debian 12 (run as root): system tools for building images and
# the npm dependencies (which also compiles the TypeScript). Safe to run again; skips what is there.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
for pair in mmdebstrap:mmdebstrap mke2fs:e2fsprogs debugfs:e2fsprogs qemu-img:qemu-utils zstd:zstd xz:xz-utils bzip2:bzip2 unshare:util-linux tar:tar unzip:unzip zip:zip openssl:openssl ssh-keygen:openssh-client bwrap:bubblewrap newuidmap:uidmap setfacl:acl prlimit:util-linux nsenter:util-linux mkfs.vfat:dosfstools fsck.vfat:dosfstools mcopy:mtools mmd:mtools sfdisk:fdisk qemu-system-x86_64:qemu-system-x86 swtpm:swtpm setpriv:util-linux; do
  command -v "${pair%%:*}" >/dev/null 2>&1 || need+=("${pair##*:}")
done
# The tests start a throwaway PostgreSQL of their own (scripts/pg-cluster.mjs): Debian keeps the
# server binaries off PATH, under /usr/lib/postgresql/<version>/bin.
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || need+=(postgresql)
# UEFI firmware for boot validation (src/vm): data only, no command to look for.
[ -e /usr/share/OVMF/OVMF_CODE_4M.ms.fd ] || need+=(ovmf)

# Another apt (unattended-upgrades, a second setup) may hold apt's locks: wait for it, up to
# GOLDSMITH_APT_LOCK_TIMEOUT seconds, instead of failing. DPkg::Lock::Timeout covers dpkg's lock;
# apt-get update ignores it for the lists lock (apt 2.6), so lock failures are retried as well.
APT_LOCK_TIMEOUT="${GOLDSMITH_APT_LOCK_TIMEOUT:-600}"
apt_get() {
  local deadline=$((SECONDS + APT_LOCK_TIMEOUT)) err said=
  until err=$(LC_ALL=C apt-get -o DPkg::Lock::Timeout="$APT_LOCK_TIMEOUT" "$@" 2>&1 >/dev/null); do
    if grep -q 'Could not get lock\|Unable to acquire the dpkg frontend lock' <<<"$err" && [ "$SECONDS" -lt "$deadline" ]; then
      [ -n "$said" ] || echo "setup: another apt holds its lock; waiting (up to ${APT_LOCK_TIMEOUT} s)" >&2
      said=1
      sleep 5
      continue
    fi
    printf '%s\n' "$err" >&2
    return 1
  done
  [ -z "$err" ] || printf '%s\n' "$err" >&2
}

# Installing postgresql would create and start a "main" cluster on port 5432, which Goldsmith does
# not use. Debian's documented switch is create_main_cluster = false in createcluster.conf (which
# postgresql-common writes when it is installed, so it goes first); the server package then
# installs binaries only. Set for this machine, it also holds for later major versions;
# `pg_createcluster <version> main --start` still makes one by hand.
no_main_cluster() {
  local conf=/etc/postgresql-common/createcluster.conf
  [ -f "$conf" ] || apt_get install -y -qq --no-install-recommends postgresql-common
  if ! grep -q '^[[:space:]]*create_main_cluster' "$conf"; then
    echo "setup: create_main_cluster = false in $conf (the tests run a private PostgreSQL; no system cluster)" >&2
    cat >> "$conf" <<'CONF'

# Set by Goldsmith's scripts/setup.sh: installing a server package creates no cluster.
create_main_cluster = false
CONF
  fi
}

if [ "${#need[@]}" -gt 0 ]; then
  echo "setup: installing Debian packages: ${need[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt_get update -qq
  [[ " ${need[*]} " != *" postgresql "* ]] || no_main_cluster
  apt_get install -y -qq --no-install-recommends "${need[@]}"
fi
# Sandboxes map their ids 0..65535 to a subordinate range of the invoking user (root inside is an
# unprivileged id outside): give root one if it has none (newuidmap enforces these files).
for f in /etc/subuid /etc/subgid; do
  if ! grep -q "^root:" "$f" 2>/dev/null; then
    echo "setup: adding root:1879048192:65536 to $f (ids for Goldsmith's sandboxes)" >&2
    echo "root:1879048192:65536" >> "$f"
  fi
done
# npm ci empties node_modules first, through a symlink too: one shared with another checkout (a git
# worktree's) is left as it is, or that checkout would lose its dependencies.
if [ -L node_modules ]; then
  echo "setup: node_modules is a link to $(readlink -f node_modules); not reinstalling it" >&2
elif [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies" >&2
  npm ci --no-audit --no-fund --loglevel=error
fi
npx tsc -p .
