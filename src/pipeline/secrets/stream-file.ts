import { readSync } from 'node:fs';
import { binaryKeyHits, countNewlines } from './binary-keys.js';
import { mib } from './containers.js';
import type { SecretFinding } from './scan-secrets.js';
import { scanText } from './scan-text.js';

export const CHUNK = 1024 * 1024;
export const TAIL = 1024 * 1024;
/** What a window shares with the next when it cannot end on a line break (binary data, a huge line). */
const OVERLAP = 64 * 1024;
/** A text line longer than this is cut into pieces. */
const MAX_LINE = 8 * 1024 * 1024;

export interface StreamResult {
  hits: SecretFinding[];
  bytesRead: number;
  /** Bytes not read, between the read budget and the tail. */
  gap?: { from: number; to: number };
}

/**
 * A file too large to read whole, in 1 MiB windows to the end (padding a file past a size limit
 * hides nothing). A text line cut by a window is carried into the next, and the last whole line of
 * a window is scanned again at the head of the next, with its next line (PEM rules look ahead).
 * Past `maxStream` bytes only the last 1 MiB is read as well, and the gap is returned.
 */
export function streamFile(
  fd: number,
  size: number,
  o: { imagePath: string; binary: boolean; codeFile: boolean; scratch: Buffer; maxStream: number },
): StreamResult {
  const { imagePath, binary, codeFile, scratch } = o;
  const budget = Math.min(size, o.maxStream);
  const hits: SecretFinding[] = [];
  const seen = new Set<string>();
  const scan = (b: Buffer) => (binary ? binaryKeyHits(b, imagePath) : scanText(b.toString('latin1'), imagePath, codeFile));
  let carry = Buffer.alloc(0);
  let pos = 0;
  let baseLine = 0;
  let bytesRead = 0;
  while (pos < budget) {
    const n = readSync(fd, scratch, 0, Math.min(CHUNK, budget - pos), pos);
    if (n <= 0) break;
    pos += n;
    bytesRead += n;
    const data = carry.length ? Buffer.concat([carry, scratch.subarray(0, n)]) : scratch.subarray(0, n);
    const last = pos >= budget;
    let cut = data.length;
    let keepFrom = data.length;
    if (binary) keepFrom = last ? cut : Math.max(0, cut - OVERLAP);
    else if (!last) {
      cut = data.lastIndexOf(10) + 1;
      if (cut > 0) keepFrom = data.lastIndexOf(10, cut - 2) + 1;
      else if (data.length < MAX_LINE) {
        carry = Buffer.from(data);
        continue;
      } else {
        // One line longer than MAX_LINE: cut it, keeping an overlap so a token on the cut survives.
        cut = data.length;
        keepFrom = cut - OVERLAP;
      }
    }
    for (const h of scan(data.subarray(0, cut))) {
      const line = baseLine + (h.line ?? 1);
      if (!seen.has(`${h.rule}:${line}`)) seen.add(`${h.rule}:${line}`), hits.push({ ...h, line });
    }
    baseLine += countNewlines(data, 0, keepFrom);
    carry = Buffer.from(data.subarray(keepFrom));
  }
  if (size <= budget) return { hits, bytesRead };
  const from = Math.max(pos, size - TAIL);
  const n = readSync(fd, scratch, 0, Math.min(TAIL, size - from), from);
  bytesRead += n;
  // Line numbers are unknown past the gap.
  for (const h of scan(scratch.subarray(0, n))) hits.push({ path: imagePath, rule: h.rule, message: `${h.message} (in the last ${mib(TAIL)} of the file)` });
  return { hits, bytesRead, ...(from > pos ? { gap: { from: pos, to: from } } : {}) };
}
