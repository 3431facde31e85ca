import type { SecretFinding } from './scan-secrets.js';
import { scanText } from './scan-text.js';

/** Rules that name a private key: never waived, and searched for in binary data too. */
export const KEY_RULES: ReadonlySet<string> = new Set(['openssh-private-key', 'private-key-pem', 'private-key-der', 'gcp-service-account-key']);

const PEM_MARK = Buffer.from('PRIVATE KEY-----');

/**
 * Object code (ELF executables and libraries, `ar` static libraries) is not searched for keys:
 * libgnutls carries the private keys of its FIPS self-tests, public and the same in every install.
 * Other binary data is (a key behind NUL padding, a key in a database file).
 */
export const isObjectCode = (b: Buffer): boolean =>
  (b.length >= 4 && b.readUInt32BE(0) === 0x7f454c46) || (b.length >= 8 && b.toString('latin1', 0, 8) === '!<arch>\n');

export function countNewlines(b: Buffer, from: number, to: number): number {
  let n = 0;
  for (let i = b.indexOf(10, from); i >= 0 && i < to; i = b.indexOf(10, i + 1)) n++;
  return n;
}

/**
 * PEM key blocks inside binary data (a key appended to a data file, or behind NUL padding): each
 * armor line found is cut out with what follows up to the next NUL and checked by the key rules.
 */
export function binaryKeyHits(data: Buffer, imagePath: string): SecretFinding[] {
  const out: SecretFinding[] = [];
  for (let i = data.indexOf(PEM_MARK); i >= 0; i = data.indexOf(PEM_MARK, i + PEM_MARK.length)) {
    let from = Math.max(0, i - 64);
    const nul = data.lastIndexOf(0, i);
    if (nul >= from) from = nul + 1;
    let to = data.indexOf(0, i);
    if (to < 0 || to > i + 16384) to = Math.min(data.length, i + 16384);
    const base = countNewlines(data, 0, from);
    for (const h of scanText(data.toString('latin1', from, to), imagePath, false)) {
      if (KEY_RULES.has(h.rule)) out.push({ ...h, line: base + (h.line ?? 1) });
    }
  }
  return out;
}
