/**
 * Child process for the lock race test. Reads commands on stdin, one per line:
 *   go <round> <dir> <startAtMs>   wait until startAtMs, try to lock dir, answer "<round> held" or "<round> <error code>"
 *   release                        release the lock held (if any), answer "released"
 * The pause hook sleeps a random 0–2 ms at each point where processes can interleave, to make races likely.
 */
import { createInterface } from 'node:readline';
import { acquireDirLock } from '../../src/store/lock.js';

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
let release: (() => void) | undefined;
for await (const line of createInterface({ input: process.stdin })) {
  const [cmd, round, dir, startAt] = line.split(' ');
  if (cmd === 'go') {
    while (Date.now() < Number(startAt)) {
      /* spin: every child starts together */
    }
    try {
      release = acquireDirLock(dir!, undefined, { pause: () => sleepSync(Math.floor(Math.random() * 3)) });
      process.stdout.write(`${round} held\n`);
    } catch (e) {
      process.stdout.write(`${round} ${(e as { code?: string }).code ?? String(e)}\n`);
    }
  } else if (cmd === 'release') {
    release?.();
    release = undefined;
    process.stdout.write('released\n');
  }
}
