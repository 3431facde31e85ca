import { stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { totalmem } from 'node:os';
import { InputError } from '../errors/index.js';
import { runTool } from '../image/run-tool.js';

/** Default size of one run's scratch (its working root filesystem and what steps write into it):
 * 16 GiB, but never more than half of this machine's memory, since scratch is RAM. */
export const DEFAULT_SCRATCH_QUOTA = Math.min(16 * 2 ** 30, Math.floor(totalmem() / 2 / 2 ** 20) * 2 ** 20);

/** "16G", "512M", "1048576" → bytes; 0 or "off" turns the quota off. */
export function parseQuota(text: string | undefined, where = 'GOLDSMITH_SCRATCH_QUOTA'): number {
  if (text === undefined || text.trim() === '') return DEFAULT_SCRATCH_QUOTA;
  if (text.trim().toLowerCase() === 'off') return 0;
  const m = /^(\d+)\s*([KMGT]?)i?B?$/i.exec(text.trim());
  if (!m) throw new InputError('CONFIG_BAD_QUOTA', `${where} must be a size like 16G, 512M or a number of bytes (or "off"), got ${JSON.stringify(text)}`, { where });
  const unit = { '': 1, K: 2 ** 10, M: 2 ** 20, G: 2 ** 30, T: 2 ** 40 }[m[2]!.toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  const bytes = Number(m[1]) * unit;
  // mount(8) is handed the number as text: 1e+21 or Infinity would fail only when a build starts.
  if (!Number.isSafeInteger(bytes)) throw new InputError('CONFIG_BAD_QUOTA', `${where} is too large: ${JSON.stringify(text)}`, { where });
  return bytes;
}

async function isMountPoint(dir: string): Promise<boolean> {
  const [a, b] = await Promise.all([stat(dir), stat(dirname(dir))]);
  return a.dev !== b.dev;
}

/**
 * Give a run's scratch directory a hard size: a tmpfs of `bytes` mounted on it (nosuid, nodev,
 * private). Whatever a step writes into the image counts against it, and filling it fails the
 * step with "No space left on device" instead of filling the host. Needs root; a no-op when the
 * quota is 0, when not root, or when the directory is already one (a resumed run).
 */
export async function mountScratchQuota(dir: string, bytes: number): Promise<boolean> {
  if (bytes <= 0 || process.getuid?.() !== 0) return false;
  if (await isMountPoint(dir)) return true;
  await runTool('mount', ['-t', 'tmpfs', '-o', `size=${bytes},mode=0700,nosuid,nodev`, 'goldsmith-scratch', dir]);
  return true;
}

/** Unmount a run's scratch quota (its content goes with it). */
export async function unmountScratchQuota(dir: string): Promise<void> {
  if (await isMountPoint(dir).catch(() => false)) await runTool('umount', [dir]);
}
