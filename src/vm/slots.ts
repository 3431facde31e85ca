import { existsSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { withFileLock } from '../store/lock.js';

/**
 * How many validation boots this host runs at once: GOLDSMITH_VM_SLOTS, by default one per two
 * cores (at least one). A boot's measured time is the evidence its budget is checked against;
 * under emulation, guests sharing a core with each other take several times as long, and the
 * budget would judge the host's load instead of the image.
 */
export function vmSlots(): number {
  const n = Number(process.env.GOLDSMITH_VM_SLOTS);
  return Number.isInteger(n) && n > 0 ? n : Math.max(1, Math.floor(availableParallelism() / 2));
}

/** Where the slot locks live: /run/lock (shared by every Goldsmith process on the host), else tmp. */
function lockDir(): string {
  return existsSync('/run/lock') ? '/run/lock/goldsmith' : join(tmpdir(), 'goldsmith-locks');
}

/**
 * Run one boot while holding a host-wide slot; other boots (in this or other processes) wait. A
 * process takes slot pid mod N, so with several slots two processes may still wait on one
 * another while a slot is free: simple, and never more boots than slots.
 */
export function withVmSlot<T>(fn: () => Promise<T>): Promise<T> {
  const slot = process.pid % vmSlots();
  return withFileLock(join(lockDir(), `vm-slot-${slot}.lock`), fn);
}
