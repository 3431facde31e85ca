/**
 * The seccomp filter every sandboxed process runs under (bubblewrap installs it right before the
 * step's program starts, after its own setup). Root in a user namespace holds every capability in
 * it, which opens kernel code an unprivileged process never reaches: new namespaces (a nested user
 * namespace gives the capabilities back whatever is dropped), mounts, keyrings, BPF, perf, module
 * loading. Image customisation needs none of it. The list follows what container runtimes deny by
 * default. A classic BPF program, built here because Debian ships libseccomp only as a C library.
 */

/** x86-64 system call numbers denied with EPERM. */
export const DENIED_SYSCALLS: Readonly<Record<string, number>> = {
  mount: 165,
  umount2: 166,
  pivot_root: 155,
  swapon: 167,
  swapoff: 168,
  reboot: 169,
  acct: 163,
  settimeofday: 164,
  clock_settime: 227,
  clock_adjtime: 305,
  adjtimex: 159,
  iopl: 172,
  ioperm: 173,
  init_module: 175,
  finit_module: 313,
  delete_module: 176,
  kexec_load: 246,
  kexec_file_load: 320,
  quotactl: 179,
  quotactl_fd: 443, // the same operations by file descriptor (Linux 5.14)
  unshare: 272,
  setns: 308,
  keyctl: 250,
  add_key: 248,
  request_key: 249,
  bpf: 321,
  perf_event_open: 298,
  userfaultfd: 323,
  open_by_handle_at: 304,
  open_tree: 428,
  move_mount: 429,
  fsopen: 430,
  fsconfig: 431,
  fsmount: 432,
  fspick: 433,
  mount_setattr: 442,
  syslog: 103,
  vhangup: 153,
  // io_uring runs file and socket operations from kernel workers, outside this filter's view, and
  // has been a steady source of kernel privilege escalations; no build tool needs it (liburing
  // users fall back to plain system calls). Container runtimes deny it by default too.
  io_uring_setup: 425,
  io_uring_enter: 426,
  io_uring_register: 427,
};

const NR_CLONE = 56;
/** clone3 takes its flags in memory, which a filter cannot read: ENOSYS makes libc fall back to clone. */
const NR_CLONE3 = 435;
/** CLONE_NEWNS | NEWCGROUP | NEWUTS | NEWIPC | NEWUSER | NEWPID | NEWNET | NEWTIME */
const CLONE_NEW_NAMESPACES = 0x00020000 | 0x02000000 | 0x04000000 | 0x08000000 | 0x10000000 | 0x20000000 | 0x40000000 | 0x00000080;

const AUDIT_ARCH_X86_64 = 0xc000003e;
const X32_SYSCALL_BIT = 0x40000000;
const EPERM = 1;
const ENOSYS = 38;

// BPF opcodes (linux/filter.h, linux/seccomp.h).
const LD_W_ABS = 0x20;
const JEQ_K = 0x15;
const JGE_K = 0x35;
const JSET_K = 0x45;
const RET_K = 0x06;
const RET_ALLOW = 0x7fff0000;
const RET_KILL_PROCESS = 0x80000000;
const retErrno = (errno: number) => 0x00050000 | errno;

/** Offsets in struct seccomp_data. */
const OFF_NR = 0;
const OFF_ARCH = 4;
const OFF_ARG0_LOW = 16; // little-endian: the low 32 bits of args[0]

interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

/** The filter for this machine, or undefined where it is not written for the architecture. */
export function seccompProgram(arch: string = process.arch): Buffer | undefined {
  if (arch !== 'x64') return undefined;
  const denied = Object.values(DENIED_SYSCALLS);
  const p: Insn[] = [];
  const ins = (code: number, k: number, jt = 0, jf = 0) => p.push({ code, jt, jf, k });
  // Layout: [arch check][nr load][x32][each denied][clone3][clone][ALLOW][EPERM][ENOSYS][KILL]
  // Jumps are relative; the tail's positions are known once the checks are counted.
  const checks = 4 + denied.length + 1 + 3; // ld arch, jeq arch, ld nr, jge x32, denied…, clone3, clone (jeq, ld, jset)
  const allowAt = checks + 1; // after the "ret allow" that ends the clone check
  const epermAt = allowAt + 1;
  const enosysAt = epermAt + 1;
  const killAt = enosysAt + 1;
  const to = (target: number) => target - (p.length + 1);
  ins(LD_W_ABS, OFF_ARCH);
  ins(JEQ_K, AUDIT_ARCH_X86_64, 0, to(killAt));
  ins(LD_W_ABS, OFF_NR);
  ins(JGE_K, X32_SYSCALL_BIT, to(epermAt), 0);
  for (const nr of denied) ins(JEQ_K, nr, to(epermAt), 0);
  ins(JEQ_K, NR_CLONE3, to(enosysAt), 0);
  ins(JEQ_K, NR_CLONE, 0, to(allowAt));
  ins(LD_W_ABS, OFF_ARG0_LOW);
  ins(JSET_K, CLONE_NEW_NAMESPACES, to(epermAt), 0);
  ins(RET_K, RET_ALLOW); // clone without new namespaces
  if (p.length !== allowAt) throw new Error(`seccomp program layout: allow at ${p.length}, expected ${allowAt}`);
  ins(RET_K, RET_ALLOW);
  ins(RET_K, retErrno(EPERM));
  ins(RET_K, retErrno(ENOSYS));
  ins(RET_K, RET_KILL_PROCESS);
  for (const i of p) if (i.jt > 255 || i.jf > 255 || i.jt < 0 || i.jf < 0) throw new Error('seccomp program: jump out of range');
  const buf = Buffer.alloc(p.length * 8);
  p.forEach((i, n) => {
    buf.writeUInt16LE(i.code, n * 8);
    buf.writeUInt8(i.jt, n * 8 + 2);
    buf.writeUInt8(i.jf, n * 8 + 3);
    buf.writeUInt32LE(i.k >>> 0, n * 8 + 4);
  });
  return buf;
}
