import { InputError } from '../errors/index.js';

/** A gallery image version number, `Major.Minor.Patch`, each part a 32-bit integer as in Azure. */
export interface VersionNumber {
  major: number;
  minor: number;
  patch: number;
}

const INT32_MAX = 2147483647;
const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

/** Result form for callers that validate many inputs and report them together. */
export type ParsedVersion = { ok: true; version: VersionNumber } | { ok: false; reason: string };

export function tryParseVersion(text: string): ParsedVersion {
  const m = VERSION_RE.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a version: expected Major.Minor.Patch with integers, e.g. 1.0.0` };
  const parts = [m[1]!, m[2]!, m[3]!];
  for (const p of parts) {
    // Leading zeros would let "1.01.0" and "1.1.0" name the same number; Azure compares parts as integers.
    if (p.length > 1 && p.startsWith('0')) {
      return { ok: false, reason: `"${text}" has a leading zero; write ${parts.map((x) => String(Number(x))).join('.')}` };
    }
    if (Number(p) > INT32_MAX) return { ok: false, reason: `"${text}" has a part larger than ${INT32_MAX}` };
  }
  return { ok: true, version: { major: Number(parts[0]), minor: Number(parts[1]), patch: Number(parts[2]) } };
}

/** Parse `Major.Minor.Patch`; throws GALLERY_BAD_VERSION naming the text and `where`. */
export function parseVersion(text: string, where?: string): VersionNumber {
  const r = tryParseVersion(text);
  if (!r.ok) throw new InputError('GALLERY_BAD_VERSION', r.reason, { where });
  return r.version;
}

export function formatVersion(v: VersionNumber): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Numeric order: negative when a < b. Never lexical ("1.10.0" > "1.9.0"). */
export function compareVersions(a: VersionNumber, b: VersionNumber): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function toVersion(v: VersionNumber | string): VersionNumber {
  return typeof v === 'string' ? parseVersion(v) : v;
}
