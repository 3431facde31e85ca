import { InputError } from '../errors/index.js';
import type { GuestCheck } from './types.js';

/** The virtio-serial port name the guest reports on (QEMU's `name=`; udev links it under /dev/virtio-ports). */
export const RESULT_PORT = 'org.goldsmith.validate';
/** The most of a check's output the guest sends (its tail); the host caps again. */
export const GUEST_OUTPUT_BYTES = 4096;
/** A guest check that runs longer is stopped (coreutils `timeout`) and fails. */
const CHECK_SECONDS = 60;
/** EFI_GLOBAL_VARIABLE's GUID (UEFI spec); the variable's last byte is 1 when Secure Boot is on. */
const SECURE_BOOT_VAR = '/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c';

/** Quote for POSIX sh: single quotes, each embedded one closed, escaped and reopened. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** A short, stable name for a check, as results show it. */
export function checkName(c: GuestCheck): string {
  if (typeof c.name === 'string' && c.name !== '') return c.name;
  switch (c.type) {
    case 'service-active':
      return `service-active ${c.service}`;
    case 'port-listening':
      return `port-listening ${c.proto ?? 'tcp'}/${c.port}`;
    case 'command':
      return `command ${c.run.length > 60 ? `${c.run.slice(0, 57)}...` : c.run}`;
    case 'sshd-option':
      return `sshd-option ${c.option} ${c.value}`;
  }
}

/** Refuse checks the script could not express safely (names become shell words). */
export function validateCheck(c: GuestCheck, where: string): void {
  const bad = (msg: string) => new InputError('VM_BAD_GUEST_CHECK', msg, { where });
  if (!c || typeof c !== 'object') throw bad('a guest check must be an object');
  switch (c.type) {
    case 'service-active':
      if (typeof c.service !== 'string' || !/^[A-Za-z0-9@._:\\-]{1,200}$/.test(c.service)) throw bad(`service must be a systemd unit name, got ${JSON.stringify(c.service)}`);
      return;
    case 'port-listening':
      if (!Number.isInteger(c.port) || c.port < 1 || c.port > 65535) throw bad(`port must be 1-65535, got ${JSON.stringify(c.port)}`);
      if (c.proto !== undefined && c.proto !== 'tcp' && c.proto !== 'udp') throw bad(`proto must be tcp or udp, got ${JSON.stringify(c.proto)}`);
      return;
    case 'command':
      if (typeof c.run !== 'string' || c.run.length === 0 || c.run.length > 8192 || c.run.includes('\0')) throw bad('run must be a non-empty shell command of at most 8192 characters');
      return;
    case 'sshd-option':
      if (typeof c.option !== 'string' || !/^[A-Za-z0-9]{1,64}$/.test(c.option)) throw bad(`option must be an sshd_config keyword, got ${JSON.stringify(c.option)}`);
      if (typeof c.value !== 'string' || c.value.length > 1024) throw bad('value must be a string');
      return;
    default:
      throw bad(`unknown guest check type ${JSON.stringify((c as { type?: unknown }).type)}`);
  }
}

/** The shell command that carries out one check; its exit code and output tail are reported. */
export function checkCommand(c: GuestCheck): string {
  switch (c.type) {
    case 'service-active':
      return `systemctl is-active ${shQuote(c.service)}`;
    case 'port-listening': {
      // /proc/net needs no tool the image may lack (ss, netstat). State 0A is LISTEN; 07 an open UDP socket.
      const udp = c.proto === 'udp';
      const hex = c.port.toString(16).toUpperCase().padStart(4, '0');
      const files = udp ? '/proc/net/udp /proc/net/udp6' : '/proc/net/tcp /proc/net/tcp6';
      const awk = `{ n = split($2, a, ":"); if (toupper(a[n]) == "${hex}" && $4 == "${udp ? '07' : '0A'}") f = 1 } END { print (f ? "listening" : "not listening"); exit !f }`;
      return `cat ${files} 2>/dev/null | awk ${shQuote(awk)}`;
    }
    case 'command':
      return c.run;
    case 'sshd-option':
      return `/usr/sbin/sshd -T 2>&1 | grep -i ${shQuote(`^${c.option.toLowerCase()} `)}`;
  }
}

/**
 * The script the injected unit runs in the guest. It waits for the boot to finish, then writes one
 * JSON line per fact to the virtio-serial port: `ready` (uptime, systemd-analyze), one `check` per
 * check, Trusted Launch `facts`, then `done`, and powers off. Free text travels base64-encoded so
 * the script needs no JSON escaping; every record carries the boot's nonce.
 */
export function guestScript(nonce: string, checks: readonly GuestCheck[]): string {
  if (!/^[0-9a-f]{16,64}$/.test(nonce)) throw new InputError('VM_BAD_NONCE', 'nonce must be hex');
  const lines = [
    '#!/bin/sh',
    '# Goldsmith boot validation: injected into a throwaway copy of the disk, never into the image.',
    `N=${nonce}`,
    `P=/dev/virtio-ports/${RESULT_PORT}`,
    'i=0; while [ ! -e "$P" ] && [ $i -lt 300 ]; do sleep 0.1; i=$((i+1)); done',
    'exec 3>"$P" || exit 1',
    'R=$(mktemp)',
    `b64() { tail -c ${GUEST_OUTPUT_BYTES} | base64 -w0; }`,
    'emit() { printf \'{"n":"%s",%s}\\n\' "$N" "$1" >&3; }',
    'run_check() {',
    `  o=$( { timeout ${CHECK_SECONDS} sh -c "$2" </dev/null 2>&1; echo $? >"$R"; } | b64)`,
    '  emit "\\"t\\":\\"check\\",\\"i\\":$1,\\"rc\\":\\"$(cat "$R")\\",\\"b64\\":\\"$o\\""',
    '}',
    'systemctl is-system-running --wait >/dev/null 2>&1',
    'emit "\\"t\\":\\"ready\\",\\"uptime\\":\\"$(cut -d\' \' -f1 /proc/uptime)\\",\\"b64\\":\\"$(systemd-analyze time 2>&1 | b64)\\""',
    ...checks.map((c, i) => `run_check ${i} ${shQuote(checkCommand(c))}`),
    // efivarfs is a module in some kernels (Debian's cloud kernel) and may not be mounted yet.
    `[ -e ${SECURE_BOOT_VAR} ] || { modprobe efivarfs; mount -t efivarfs efivarfs /sys/firmware/efi/efivars; } >/dev/null 2>&1`,
    `sb=$(od -An -tu1 ${SECURE_BOOT_VAR} 2>/dev/null | tr '\\n' ' ' | awk '{ print $NF }')`,
    'dev=0; if [ -e /dev/tpm0 ] || [ -e /dev/tpmrm0 ]; then dev=1; fi',
    'log=$(head -c 64 /sys/kernel/security/tpm0/binary_bios_measurements 2>/dev/null | wc -c)',
    "pcr7=$(head -c 200 /sys/class/tpm/tpm0/pcr-sha256/7 2>/dev/null | tr -cd '0-9A-Fa-f')",
    'emit "\\"t\\":\\"facts\\",\\"sb\\":\\"$sb\\",\\"tpm\\":\\"$dev\\",\\"log\\":\\"$log\\",\\"pcr7\\":\\"$pcr7\\""',
    'emit "\\"t\\":\\"done\\""',
    'rm -f "$R"',
    'systemctl poweroff --no-block',
    '',
  ];
  return lines.join('\n');
}

/** The oneshot-like unit that runs the script once the system is up (Type=exec so the boot can finish while it waits). */
export function guestUnit(scriptPath: string): string {
  return [
    '[Unit]',
    'Description=Goldsmith boot validation',
    'After=multi-user.target',
    '',
    '[Service]',
    'Type=exec',
    `ExecStart=/bin/sh ${scriptPath}`,
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}
