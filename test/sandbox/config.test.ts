import assert from 'node:assert/strict';
import { test } from 'node:test';
import { totalmem } from 'node:os';
import { parseQuota, pickRange, SANDBOX_ID_COUNT } from '../../src/sandbox/index.js';
import { DENIED_SYSCALLS, seccompProgram } from '../../src/sandbox/seccomp.js';

test('subordinate ranges: the user\'s first range with 65536 ids, by name or id', () => {
  const text = 'alice:100000:65536\nroot:200000:1000\nroot:300000:65536\n0:400000:65536\n';
  assert.deepEqual(pickRange(text, { name: 'root', id: 0 }), { start: 300000, count: SANDBOX_ID_COUNT });
  assert.deepEqual(pickRange('0:400000:70000\n', { name: 'root', id: 0 }), { start: 400000, count: SANDBOX_ID_COUNT });
  assert.equal(pickRange('root:0:65536\nroot:x:65536\n', { name: 'root', id: 0 }), undefined, 'range 0 (the host\'s own ids) and junk are never used');
  assert.equal(pickRange('', { name: 'root', id: 0 }), undefined);
});

test('scratch quota sizes', () => {
  assert.equal(parseQuota('16G'), 16 * 2 ** 30);
  assert.equal(parseQuota('512M'), 512 * 2 ** 20);
  assert.equal(parseQuota('1048576'), 1048576);
  assert.equal(parseQuota('off'), 0);
  assert.equal(parseQuota(undefined), Math.min(16 * 2 ** 30, Math.floor(totalmem() / 2 / 2 ** 20) * 2 ** 20), 'at most half of memory: scratch is RAM');
  assert.throws(() => parseQuota('lots'), { code: 'CONFIG_BAD_QUOTA', where: 'GOLDSMITH_SCRATCH_QUOTA' });
});

test('the seccomp program: arch check first, every jump inside the program, every denied call tested once', () => {
  const p = seccompProgram('x64')!;
  assert.equal(p.length % 8, 0);
  const n = p.length / 8;
  const insn = (i: number) => ({ code: p.readUInt16LE(i * 8), jt: p.readUInt8(i * 8 + 2), jf: p.readUInt8(i * 8 + 3), k: p.readUInt32LE(i * 8 + 4) });
  assert.deepEqual([insn(0).code, insn(0).k], [0x20, 4], 'loads the architecture');
  assert.deepEqual([insn(1).code, insn(1).k], [0x15, 0xc000003e], 'compares it with x86-64');
  const compared = new Set<number>();
  for (let i = 0; i < n; i++) {
    const x = insn(i);
    if ((x.code & 0x07) === 0x05) {
      assert.ok(i + 1 + x.jt < n && i + 1 + x.jf < n, `jump at ${i} stays inside`);
      if (x.code === 0x15 && i > 2) compared.add(x.k);
    }
  }
  for (const [name, nr] of Object.entries(DENIED_SYSCALLS)) assert.ok(compared.has(nr), `${name} (${nr}) is checked`);
  assert.deepEqual([insn(n - 1).code, insn(n - 1).k], [0x06, 0x80000000], 'anything else ends in kill');
  assert.equal(seccompProgram('arm64'), undefined);
});
