import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { LineSplitter, applyRecord, emptyReport, MAX_LINE_BYTES } from '../../src/vm/records.js';
import { ConsoleWatch, classifyConsole } from '../../src/vm/console.js';
import { parseGpt, pickRoot } from '../../src/vm/gpt.js';
import { checkCommand, guestScript, shQuote, validateCheck } from '../../src/vm/guest-script.js';
import { qemuArgs } from '../../src/vm/qemu-args.js';

const N = '0123456789abcdef0123456789abcdef';
const b64 = (s: string) => Buffer.from(s).toString('base64');
const rec = (o: Record<string, unknown>) => JSON.stringify({ n: N, ...o });

test('guest records without the nonce, out of order, malformed or repeated are ignored', () => {
  const r = emptyReport();
  const lines = [
    rec({ t: 'check', i: 0, rc: '0', b64: b64('early') }), // before ready
    JSON.stringify({ n: 'forged', t: 'ready', uptime: '1.0', b64: '' }),
    '{"n":', // broken JSON
    '[1,2]',
    'null',
    rec({ t: 'ready', uptime: '12.5', b64: b64('Startup finished') }),
    rec({ t: 'ready', uptime: '99', b64: '' }), // a second ready
    rec({ t: 'check', i: 0, rc: '0', b64: b64('active') }),
    rec({ t: 'check', i: 0, rc: '1', b64: b64('overwrite') }),
    rec({ t: 'check', i: 7, rc: '0', b64: '' }), // no such check
    rec({ t: 'check', i: 1.5, rc: '0', b64: '' }),
    rec({ t: 'check', i: 1, rc: 'x; rm', b64: 'not base64!' }),
    rec({ t: 'done' }), // before facts
    rec({ t: 'facts', sb: '1', tpm: '1', log: '64', pcr7: 'zz' }),
    rec({ t: 'facts', sb: '0', tpm: '0', log: '0', pcr7: '' }),
    rec({ t: 'done' }),
    rec({ t: 'ready', uptime: '1', b64: '' }),
  ];
  const applied = lines.map((l) => applyRecord(r, l, N, 2));
  assert.deepEqual(applied, [false, false, false, false, false, true, false, true, false, false, false, true, false, true, false, true, false]);
  assert.equal(r.ready?.uptime, 12.5);
  assert.equal(r.ready?.text, 'Startup finished');
  assert.deepEqual(r.checks.get(0), { rc: 0, output: 'active' });
  assert.deepEqual(r.checks.get(1), { rc: null, output: '' });
  assert.deepEqual(r.facts, { secureBoot: 1, tpmDevice: true, eventLogBytes: 64, pcr7: '' });
  assert.equal(r.done, true);
});

test('the channel splitter drops over-long lines whole and stops past its total', () => {
  const got: string[] = [];
  const s = new LineSplitter((l) => got.push(l), 300_000);
  assert.ok(s.push(Buffer.from('a\n' + 'x'.repeat(MAX_LINE_BYTES + 10))));
  assert.ok(s.push(Buffer.from('still the long line\nb\n')));
  assert.deepEqual(got, ['a', 'b']);
  assert.equal(s.push(Buffer.alloc(300_000, 0x41)), false);
});

test('console lines are cleaned, kept to a tail, and a failed boot is recognised', () => {
  const seen: string[] = [];
  const w = new ConsoleWatch((l) => seen.push(l));
  for (let i = 0; i < 80; i++) w.push(Buffer.from(`\x1b[0;32mline ${i}\x1b[0m\r\n`));
  w.push(Buffer.from('You are in emergency mode. After logging in...\n'));
  w.push(Buffer.from([0xe2, 0x80]));
  w.push(Buffer.from([0xa6, 0x0a])); // "…" split across chunks
  assert.equal(w.tail.length, 50);
  assert.equal(w.tail.at(-1), '…');
  assert.equal(w.tail[0], 'line 32');
  assert.equal(w.failure, 'emergency-mode');
  assert.equal(seen.length, 82);
  assert.equal(classifyConsole('error: bad shim signature.'), 'secure-boot-rejected');
  assert.equal(classifyConsole('Verification failed: (0x1A) Security Violation'), 'secure-boot-rejected');
  assert.equal(classifyConsole('[  OK  ] Reached target multi-user.target'), undefined);
});

test('the GPT root partition is found by type, else the second partition', () => {
  const disk = Buffer.alloc(64 * 1024);
  const gpt = (parts: { type: string; first: number }[]) => {
    disk.fill(0);
    disk.write('EFI PART', 512, 'latin1');
    disk.writeBigUInt64LE(2n, 512 + 72);
    disk.writeUInt32LE(128, 512 + 80);
    disk.writeUInt32LE(128, 512 + 84);
    parts.forEach((p, i) => {
      const off = 1024 + i * 128;
      const h = p.type.replace(/-/g, '');
      const bytes = Buffer.from(h, 'hex');
      // GPT stores the first three GUID fields little-endian.
      Buffer.concat([bytes.subarray(0, 4).reverse(), bytes.subarray(4, 6).reverse(), bytes.subarray(6, 8).reverse(), bytes.subarray(8)]).copy(disk, off);
      disk.writeBigUInt64LE(BigInt(p.first), off + 32);
      disk.writeBigUInt64LE(BigInt(p.first + 100), off + 40);
    });
    return parseGpt(disk);
  };
  const esp = 'c12a7328-f81f-11d2-ba4b-00a0c93ec93b';
  const linux = '0fc63daf-8483-4772-8e79-3d69d8477de4';
  assert.equal(pickRoot(gpt([{ type: esp, first: 2048 }, { type: linux, first: 9000 }, { type: '4f68bce3-e8cd-4db1-96e7-fbcaf984b709', first: 50000 }]))?.firstLba, 50000);
  assert.equal(pickRoot(gpt([{ type: esp, first: 2048 }, { type: linux, first: 9000 }]))?.firstLba, 9000);
  disk.writeUInt32LE(1_000_000, 512 + 80); // a hostile entry count is bounded by the buffer
  assert.ok(parseGpt(disk).length <= 256);
  assert.deepEqual(parseGpt(Buffer.alloc(4096)), []);
});

test('checks become shell words safely, and bad checks are refused', () => {
  const evil = `x'; touch /pwned; echo '`;
  assert.equal(execFileSync('sh', ['-c', `printf %s ${shQuote(evil)}`], { encoding: 'utf8' }), evil);
  assert.throws(() => validateCheck({ type: 'service-active', service: 'ssh; reboot' }, 'c'), /service must be/);
  assert.throws(() => validateCheck({ type: 'port-listening', port: 70000 }, 'c'), /port must be/);
  assert.throws(() => validateCheck({ type: 'sshd-option', option: 'a b', value: 'x' }, 'c'), /option must be/);
  assert.throws(() => validateCheck({ type: 'nope' } as never, 'c'), /unknown guest check/);
  // The port check parses /proc/net/tcp: run it on this host against a port that is listening or not.
  const cmd = checkCommand({ type: 'port-listening', port: 1 });
  assert.match(execFileSync('sh', ['-c', `${cmd} || true`], { encoding: 'utf8' }), /not listening/);
  assert.throws(() => guestScript('not-hex', []), /nonce/);
  const script = guestScript(N, [{ type: 'command', run: evil }]);
  execFileSync('sh', ['-n', '-c', script]); // syntax check
});

test('QEMU runs without network, display or default devices, seccomp on, firmware code read-only', () => {
  const a = qemuArgs({ accelerator: 'tcg', secureBoot: true, memoryMiB: 1024, cpus: 1, firmwareCode: '/fw/CODE', varsFile: '/w/vars', disk: '/w/disk.raw', tpmSocket: '/w/tpm', resultSocket: '/w/res' });
  const s = a.join(' ');
  for (const want of ['-nodefaults', '-nic none', '-display none', 'smm=on', 'readonly=on,file=/fw/CODE', 'spawn=deny', 'elevateprivileges=deny', 'driver=raw,file=disk0-file', 'name=org.goldsmith.validate', 'tpm-crb']) {
    assert.ok(s.includes(want), `${want} in ${s}`);
  }
  assert.ok(!/format=qcow2|backing/.test(s));
});
