import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootDisk, probeKvm, KVM_PROBE_MS, RESULT_PORT, type BootTimings } from '../../src/vm/index.js';
import { buildBootDisk } from '../support/boot-disk.js';

// One real boot under TCG (about a minute on 2 cores); the machine's KVM does not work.
let dir: string;
let good: string;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'goldsmith-vm-test-'));
  good = join(dir, 'good.raw');
  await buildBootDisk(good);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
  await rm(ownTmp, { recursive: true, force: true });
});

// This file's boots work in a temporary directory of their own, so "nothing left running" looks
// only at its own QEMU and swtpm processes, not at other test files' boots running alongside.
const ownTmp = mkdtempSync(join(tmpdir(), 'gs-vm-test-'));
process.env.TMPDIR = ownTmp;

/** QEMU or swtpm processes of this file's boots (their command lines name ownTmp). */
function leftovers(): string {
  try {
    return execFileSync('pgrep', ['-af', ownTmp], { encoding: 'utf8' }).trim();
  } catch {
    return ''; // pgrep exits 1 when nothing matches
  }
}

const digest = (f: string) =>
  new Promise<string>((resolve, reject) => {
    const h = createHash('sha256');
    createReadStream(f).on('data', (c) => h.update(c)).on('end', () => resolve(h.digest('hex'))).on('error', reject);
  });

test('the KVM probe notices a KVM that cannot run firmware within its time, and leaves nothing running', async () => {
  const t0 = Date.now();
  const p = await probeKvm(undefined);
  const ms = Date.now() - t0;
  console.log(`kvm probe: works=${p.works} in ${p.ms} ms (${p.why || 'firmware printed'})`);
  assert.ok(ms < KVM_PROBE_MS + 2000, `probe took ${ms} ms`);
  assert.equal(leftovers(), '');
});

test('a Secure Boot + vTPM boot reaches multi-user, passes its checks and ignores forged reports', { timeout: 900_000 }, async () => {
  const before = await digest(good);
  const port = `/dev/virtio-ports/${RESULT_PORT}`;
  // A command in the guest writes forged records (no nonce, a wrong one, garbage, an over-long line): none may count.
  const forge = [
    `{ printf '%s\\n' '{"n":"forged","t":"facts","sb":"0","tpm":"0","log":"0","pcr7":""}' '{"t":"done"}' 'not json' '[]';`,
    `head -c 100000 /dev/zero | tr '\\000' x; printf '\\n'; } > ${port}; echo forged`,
  ].join(' ');
  let timings: BootTimings | undefined;
  const t0 = Date.now();
  const r = await bootDisk(
    {
      disk: good,
      format: 'raw',
      secureBoot: true,
      tpm: true,
      timeoutMs: 300_000,
      guestChecks: [
        { type: 'service-active', service: 'ssh' },
        { type: 'port-listening', port: 22 },
        { type: 'sshd-option', option: 'PermitRootLogin', value: 'without-password' },
        { type: 'command', run: forge },
        { type: 'command', run: "sed -n 's/^ID=//p' /etc/os-release" },
        { type: 'port-listening', port: 2222 },
      ],
    },
    (t) => (timings = t),
  );
  const total = (Date.now() - t0) / 1000;
  console.log(`TCG boot: ready after ${r.bootSeconds} s; total ${total} s; prepare ${timings?.prepareMs} ms; accelerator ${timings?.accelerator.accelerator} (${timings?.accelerator.reason})`);
  console.log(r.guestBootText);
  assert.equal(r.accelerator, 'tcg');
  assert.ok(r.bootSeconds !== null && r.bootSeconds > 0);
  assert.match(r.guestBootText ?? '', /Startup finished/);
  assert.deepEqual(r.secureBoot, { expected: true, verified: true });
  assert.deepEqual(r.tpm, { expected: true, present: true, eventLog: true, pcr7: true });
  assert.deepEqual(r.checks.map((c) => c.ok), [true, true, true, true, true, false], JSON.stringify(r.checks));
  assert.equal(r.checks[4]!.output.trim(), 'debian');
  // The one failing check (nothing listens on 2222) makes the result fail, with that reason.
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'checks-failed');
  assert.match(r.detail ?? '', /port-listening tcp\/2222/);
  assert.equal(JSON.parse(JSON.stringify(r)).bootSeconds, r.bootSeconds);
  assert.equal(await digest(good), before, 'the caller’s disk is never written');
  assert.equal(leftovers(), '');
});

// A disk that drops into emergency mode (a broken fstab) and a kernel Secure Boot refuses are
// booted through the whole pipeline in test/pipeline/boot-validation.test.ts.

test('an aborted boot stops at once and leaves nothing running (after waiting for a VM slot)', { timeout: 900_000 }, async () => {
  const ac = new AbortController();
  const p = bootDisk({ disk: good, format: 'raw', secureBoot: false, tpm: true, signal: ac.signal, onConsole: () => ac.abort() });
  const r = await p;
  assert.equal(r.ok, false);
  assert.equal(r.reason, 'aborted');
  assert.equal(leftovers(), '');
});
