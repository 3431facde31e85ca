import { randomBytes } from 'node:crypto';
import { chown, mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError } from '../errors/index.js';
import { probeAccelerator } from './accel.js';
import { ConsoleWatch } from './console.js';
import { privateRawCopy } from './disk-copy.js';
import { firmwareFor, freshVars } from './firmware.js';
import { checkName, validateCheck } from './guest-script.js';
import { DISK_NAME, injectValidation } from './inject.js';
import { spawnVmProcess, stopChild, vmRunIds, type RunIds } from './process.js';
import { qemuArgs } from './qemu-args.js';
import { LineSplitter, applyRecord, emptyReport, type GuestReport } from './records.js';
import { withVmSlot } from './slots.js';
import { startSwtpm, type Swtpm } from './swtpm.js';
import type { AcceleratorChoice, BootFailure, BootOptions, BootResult, CheckResult, GuestCheck } from './types.js';

const DEFAULT_TIMEOUT_MS = 5 * 60_000;
/** After the console shows a failed boot, wait this long for more of it, then stop. */
const FAILURE_GRACE_MS = 1500;

/** How long each part of a boot took, for benchmarks and logs (not part of the signed result). */
export interface BootTimings {
  /** Copy, inject, firmware vars, swtpm: everything before QEMU starts. */
  prepareMs: number;
  /** QEMU running. */
  runMs: number;
  accelerator: AcceleratorChoice;
}

/**
 * Boot a disk image in QEMU with UEFI (Secure Boot and a vTPM on request), run the checks inside
 * the guest, and report. A guest that fails to boot or to pass is a result with `ok: false`; only
 * bad options and a broken host (no firmware, no swtpm) throw. Works on a private copy in a fresh
 * temporary directory; QEMU and swtpm are gone when this returns.
 */
export async function bootDisk(opts: BootOptions, timings?: (t: BootTimings) => void): Promise<BootResult> {
  const checks = validateOptions(opts);
  // One boot per slot on this host (slots.ts): waiting is not counted in the boot's time.
  return withVmSlot(() => bootOnce(opts, checks, timings));
}

async function bootOnce(opts: BootOptions, checks: GuestCheck[], timings?: (t: BootTimings) => void): Promise<BootResult> {
  const accel = await probeAccelerator();
  const ids = vmRunIds();
  const work = await mkdtemp(join(tmpdir(), 'goldsmith-boot-'));
  let tpm: Swtpm | undefined;
  try {
    const t0 = Date.now();
    await chown(work, ids.uid, ids.gid);
    await privateRawCopy(opts.disk, opts.format, work);
    await adopt(work, ids);
    const nonce = randomBytes(16).toString('hex');
    await injectValidation(work, nonce, checks);
    const fw = firmwareFor(opts.secureBoot);
    await freshVars(fw, join(work, 'vars.fd'));
    await adopt(work, ids);
    if (opts.tpm) tpm = await startSwtpm(work, ids);
    const t1 = Date.now();
    const argv = qemuArgs({
      accelerator: accel.accelerator,
      secureBoot: opts.secureBoot,
      memoryMiB: opts.memoryMiB ?? 1024,
      cpus: opts.cpus ?? (accel.accelerator === 'kvm' ? 2 : 1),
      firmwareCode: fw.code,
      varsFile: join(work, 'vars.fd'),
      disk: join(work, DISK_NAME),
      tpmSocket: tpm?.socket,
      resultSocket: join(work, 'results.sock'),
    });
    const run = await runGuest(argv, ids, work, nonce, checks.length, opts);
    timings?.({ prepareMs: t1 - t0, runMs: Date.now() - t1, accelerator: accel });
    return buildResult(opts, checks, accel, run);
  } finally {
    await tpm?.stop();
    await rm(work, { recursive: true, force: true });
  }
}

function validateOptions(opts: BootOptions): GuestCheck[] {
  if (!opts || typeof opts.disk !== 'string' || !opts.disk) throw new InputError('VM_BAD_OPTIONS', 'disk must be a path', { where: 'disk' });
  if (opts.format !== 'raw' && opts.format !== 'qcow2') throw new InputError('VM_BAD_OPTIONS', `format must be raw or qcow2, got ${JSON.stringify(opts.format)}`, { where: 'format' });
  const int = (v: number | undefined, name: string, lo: number, hi: number) => {
    if (v !== undefined && (!Number.isInteger(v) || v < lo || v > hi)) throw new InputError('VM_BAD_OPTIONS', `${name} must be an integer ${lo}-${hi}`, { where: name });
  };
  int(opts.memoryMiB, 'memoryMiB', 256, 65536);
  int(opts.cpus, 'cpus', 1, 64);
  int(opts.timeoutMs, 'timeoutMs', 1000, 24 * 3600_000);
  if (opts.maxBootSeconds !== undefined && !(opts.maxBootSeconds > 0)) throw new InputError('VM_BAD_OPTIONS', 'maxBootSeconds must be positive', { where: 'maxBootSeconds' });
  const checks = opts.guestChecks ?? [];
  if (!Array.isArray(checks) || checks.length > 200) throw new InputError('VM_BAD_OPTIONS', 'guestChecks must be a list of at most 200 checks', { where: 'guestChecks' });
  checks.forEach((c, i) => validateCheck(c, `guestChecks[${i}]`));
  return checks;
}

/** Give the VM's ids everything in the work directory (debugfs, qemu-img, QEMU and swtpm run as them). */
async function adopt(work: string, ids: RunIds): Promise<void> {
  for (const f of await readdir(work)) await chown(join(work, f), ids.uid, ids.gid);
}

interface GuestRun {
  report: GuestReport;
  /** Seconds from QEMU's start to the ready record. */
  readySeconds: number | null;
  end: 'done' | 'timeout' | 'aborted' | 'console-failure' | 'exited';
  console: ConsoleWatch;
  qemuError: string;
}

/** Run QEMU until the guest reports done, shows a failed boot, exits, times out or the caller aborts. */
async function runGuest(argv: string[], ids: RunIds, work: string, nonce: string, checkCount: number, opts: BootOptions): Promise<GuestRun> {
  const report = emptyReport();
  const console = new ConsoleWatch(opts.onConsole);
  let readySeconds: number | null = null;
  let qemuError = '';
  const socketPath = join(work, 'results.sock');
  let start = 0;
  let finish!: (end: GuestRun['end']) => void;
  const ended = new Promise<GuestRun['end']>((r) => (finish = r));
  const server = await listenResults(socketPath, ids, (chunkLine) => {
    if (applyRecord(report, chunkLine, nonce, checkCount) && report.ready && readySeconds === null) readySeconds = round2((Date.now() - start) / 1000);
    if (report.done) finish('done');
  });
  start = Date.now();
  const qemu = spawnVmProcess(argv, ids, ['ignore', 'pipe', 'pipe']);
  let graceTimer: NodeJS.Timeout | undefined;
  qemu.stdout!.on('data', (c: Buffer) => {
    console.push(c);
    if (console.failure && !report.ready && !graceTimer) graceTimer = setTimeout(() => finish('console-failure'), FAILURE_GRACE_MS);
  });
  qemu.stderr!.on('data', (c: Buffer) => (qemuError = (qemuError + c.toString()).slice(-2000)));
  qemu.once('exit', () => setTimeout(() => finish('exited'), 100));
  const timer = setTimeout(() => finish('timeout'), opts.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const onAbort = () => finish('aborted');
  opts.signal?.addEventListener('abort', onAbort, { once: true });
  if (opts.signal?.aborted) finish('aborted');
  const end = await ended;
  clearTimeout(timer);
  clearTimeout(graceTimer);
  opts.signal?.removeEventListener('abort', onAbort);
  await stopChild(qemu);
  console.flush();
  await closeServer(server);
  return { report, readySeconds, end, console, qemuError: qemuError.trim() };
}

/** Listen on the guest's report socket (QEMU connects as a client); one connection, capped. */
async function listenResults(path: string, ids: RunIds, onLine: (line: string) => void): Promise<Server & { conns?: Socket[] }> {
  const conns: Socket[] = [];
  const server: Server & { conns?: Socket[] } = createServer((sock) => {
    conns.push(sock);
    if (conns.length > 1) return void sock.destroy();
    const split = new LineSplitter(onLine);
    sock.on('data', (c: Buffer) => {
      if (!split.push(c)) sock.destroy();
    });
    sock.on('error', () => sock.destroy());
  });
  server.conns = conns;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chown(path, ids.uid, ids.gid);
  return server;
}

async function closeServer(server: Server & { conns?: Socket[] }): Promise<void> {
  for (const c of server.conns ?? []) c.destroy();
  await new Promise<void>((r) => server.close(() => r()));
}

const round2 = (n: number) => Math.round(n * 100) / 100;

function evaluateCheck(c: GuestCheck, got: { rc: number | null; output: string } | undefined): CheckResult {
  const name = checkName(c);
  if (!got) return { name, ok: false, output: 'no result from the guest' };
  let ok = got.rc === 0;
  if (ok && c.type === 'sshd-option') {
    const want = c.value.trim().toLowerCase();
    ok = got.output.split('\n').some((l) => {
      const [k, ...rest] = l.trim().split(/\s+/);
      return k?.toLowerCase() === c.option.toLowerCase() && rest.join(' ').toLowerCase() === want;
    });
  }
  return { name, ok, output: got.output };
}

/** Why a boot that never became ready failed, from how it ended and what the console showed. */
function notReadyReason(run: GuestRun): BootFailure {
  if (run.end === 'aborted') return 'aborted';
  if (run.console.failure) return run.console.failure;
  if (run.end === 'timeout') return 'timeout';
  if (run.end === 'exited' && run.qemuError && !run.console.tail.length) return 'qemu-failed';
  return 'no-ready';
}

function buildResult(opts: BootOptions, checks: GuestCheck[], accel: AcceleratorChoice, run: GuestRun): BootResult {
  const { report } = run;
  const f = report.facts;
  const result: BootResult = {
    ok: false,
    accelerator: accel.accelerator,
    bootSeconds: run.readySeconds,
    ...(report.ready ? { guestBootText: report.ready.text } : {}),
    secureBoot: { expected: opts.secureBoot, verified: f?.secureBoot === 1 },
    tpm: { expected: opts.tpm, present: !!f?.tpmDevice, eventLog: (f?.eventLogBytes ?? 0) > 0, pcr7: /[1-9a-f]/i.test(f?.pcr7 ?? '') },
    checks: checks.map((c, i) => evaluateCheck(c, report.checks.get(i))),
    consoleTail: run.console.tail.slice(),
  };
  const problems: [BootFailure, string][] = [];
  if (!report.ready) {
    const reason = notReadyReason(run);
    problems.push([reason, run.console.failureLine ?? (reason === 'qemu-failed' ? run.qemuError : `the guest did not reach multi-user.target (${run.end})`)]);
  } else {
    if (!report.done) problems.push([run.end === 'aborted' ? 'aborted' : 'timeout', `the guest became ready but did not finish its checks (${run.end})`]);
    if (opts.maxBootSeconds !== undefined && run.readySeconds !== null && run.readySeconds > opts.maxBootSeconds) problems.push(['too-slow', `boot took ${run.readySeconds} s, budget ${opts.maxBootSeconds} s`]);
    const failed = result.checks.filter((c) => !c.ok);
    if (failed.length) problems.push(['checks-failed', `failed in the guest: ${failed.map((c) => c.name).join(', ')}`]);
    if (opts.secureBoot && !result.secureBoot.verified) problems.push(['secure-boot-not-verified', 'the guest does not report Secure Boot enabled']);
    const t = result.tpm;
    if (opts.tpm && !(t.present && t.eventLog && t.pcr7)) problems.push(['tpm-not-verified', `vTPM: device ${t.present}, event log ${t.eventLog}, PCR 7 extended ${t.pcr7}`]);
  }
  if (problems.length === 0) return { ...result, ok: true };
  return { ...result, reason: problems[0]![0], detail: problems.map((p) => p[1]).join('; ') };
}
