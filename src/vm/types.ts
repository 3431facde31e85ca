/** What the guest is asked to confirm once it has booted (one result record each). */
export type GuestCheck = (
  | { type: 'service-active'; service: string }
  | { type: 'port-listening'; port: number; proto?: 'tcp' | 'udp' }
  | { type: 'command'; run: string }
  | { type: 'sshd-option'; option: string; value: string }
) & { /** The template's name for it; results use it when given. */ name?: string };

export type Accelerator = 'kvm' | 'tcg';

export interface AcceleratorChoice {
  accelerator: Accelerator;
  /** Why: the override, the probe's finding, or why KVM was refused. */
  reason: string;
  /** How long the probe took (0 when overridden or cached). */
  probeMs: number;
}

export type DiskFormat = 'raw' | 'qcow2';

export interface BootOptions {
  /** The disk image. Never written: the boot works on a private copy. */
  disk: string;
  format: DiskFormat;
  /** Enforce Secure Boot with Microsoft's keys enrolled, and expect the guest to confirm it. */
  secureBoot: boolean;
  /** Attach a fresh vTPM 2.0 (swtpm) and expect the guest to see it and a measured boot. */
  tpm: boolean;
  memoryMiB?: number;
  cpus?: number;
  /** The whole boot, checks included; past it QEMU is killed and the result is `timeout`. */
  timeoutMs?: number;
  /** Boot-time budget: a slower boot is a failed result. */
  maxBootSeconds?: number;
  guestChecks?: GuestCheck[];
  /** Each line of the guest's serial console, as it comes (control characters removed). */
  onConsole?: (line: string) => void;
  signal?: AbortSignal;
}

export type BootFailure =
  | 'timeout'
  | 'no-ready'
  | 'secure-boot-rejected'
  | 'emergency-mode'
  | 'no-bootable-device'
  | 'no-kernel'
  | 'kernel-panic'
  | 'too-slow'
  | 'checks-failed'
  | 'secure-boot-not-verified'
  | 'tpm-not-verified'
  | 'aborted'
  | 'qemu-failed';

export interface CheckResult {
  name: string;
  ok: boolean;
  output: string;
}

/** The outcome of one boot. Plain JSON: it goes into signed provenance. */
export interface BootResult {
  ok: boolean;
  accelerator: Accelerator;
  /** Host-measured seconds from QEMU's start to the guest's `ready` record; null when never ready. */
  bootSeconds: number | null;
  /** The guest's own `systemd-analyze time`. */
  guestBootText?: string;
  secureBoot: { expected: boolean; verified: boolean };
  tpm: { expected: boolean; present: boolean; eventLog: boolean; pcr7: boolean };
  checks: CheckResult[];
  reason?: BootFailure;
  /** More about the reason, for people. */
  detail?: string;
  /** The last lines of the serial console. */
  consoleTail: string[];
}
