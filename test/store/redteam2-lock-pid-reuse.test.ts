/**
 * Second red team (issue 10): a lock left by a crash names a pid; after a reboot (or pid wrap) that
 * pid can be an unrelated live process. The lock was then "held" for ever: `withFileLock` (the
 * keyring, base builds) waited without end, `acquireDirLock` blamed a process that had nothing to do
 * with it. The holder's boot id and start time now tell the two apart.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { acquireDirLock, withFileLock } from '../../src/store/lock.js';

const dir = mkdtempSync(join(tmpdir(), 'gs-redteam2-lock-'));
const sleeper = spawn('sleep', ['60'], { stdio: 'ignore' });
after(() => {
  sleeper.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const startOf = (pid: number) => {
  const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return s.slice(s.lastIndexOf(')') + 2).split(' ')[19]!;
};
const boot = () => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
const lockText = (extra: object) => JSON.stringify({ pid: sleeper.pid, host: hostname(), command: 'goldsmith build', since: new Date().toISOString(), token: 'x', ...extra }) + '\n';

test('a lock naming a live pid that started after the holder (a reused pid) is taken over', { timeout: 10_000 }, async () => {
  const path = join(dir, 'reused.lock');
  writeFileSync(path, lockText({ boot: boot(), start: String(Number(startOf(sleeper.pid!)) - 1000) }), { mode: 0o600 });
  let ran = false;
  await withFileLock(path, async () => {
    ran = true;
  }, { pollMs: 10 });
  assert.ok(ran);
});

test('a lock from before a reboot is taken over even if its pid is alive now', () => {
  const d = mkdtempSync(join(dir, 'home-'));
  writeFileSync(join(d, 'lock'), lockText({ boot: '00000000-0000-0000-0000-000000000000', start: startOf(sleeper.pid!) }), { mode: 0o600 });
  acquireDirLock(d)();
});

test('a lock whose holder is that very process is still held (and an old lock without the fields too)', () => {
  for (const extra of [{ boot: boot(), start: startOf(sleeper.pid!) }, {}, { boot: 7, start: 7 }]) {
    const d = mkdtempSync(join(dir, 'home-'));
    writeFileSync(join(d, 'lock'), lockText(extra), { mode: 0o600 });
    assert.throws(() => acquireDirLock(d), (e: Error & { code?: string }) => e.code === 'STORE_LOCKED', JSON.stringify(extra));
  }
});
