/**
 * Slows down guessing: each failed authentication from an address doubles the wait before that
 * address's next attempt is looked at (base, 2×base, 4×base … up to cap). A success clears it.
 * Bounded memory: the oldest addresses are forgotten past `maxAddresses`.
 */
import { setTimeout as sleep } from 'node:timers/promises';

export function failureDelay(failures: number, baseMs: number, capMs: number): number {
  if (failures <= 0) return 0;
  return Math.min(capMs, baseMs * 2 ** Math.min(failures - 1, 30));
}

export class FailureThrottle {
  private failures = new Map<string, number>();
  private queue = new Map<string, Promise<unknown>>();
  constructor(
    private opts: { baseMs: number; capMs: number },
    private maxAddresses = 10_000,
  ) {}
  delayFor(ip: string): number {
    return failureDelay(this.failures.get(ip) ?? 0, this.opts.baseMs, this.opts.capMs);
  }
  /**
   * Attempts from an address with failures wait one after another, so parallel connections do not
   * multiply the guessing rate.
   */
  async wait(ip: string): Promise<void> {
    const ms = this.delayFor(ip);
    if (ms === 0) return;
    const mine = (this.queue.get(ip) ?? Promise.resolve()).then(() => sleep(ms));
    this.queue.set(ip, mine);
    await mine;
    if (this.queue.get(ip) === mine) this.queue.delete(ip);
  }
  fail(ip: string): void {
    const n = (this.failures.get(ip) ?? 0) + 1;
    this.failures.delete(ip); // re-insert: Map order is the eviction order
    this.failures.set(ip, n);
    if (this.failures.size > this.maxAddresses) this.failures.delete(this.failures.keys().next().value!);
  }
  succeed(ip: string): void {
    this.failures.delete(ip);
  }
}
