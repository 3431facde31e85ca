/**
 * Debian version comparison with dpkg's exact semantics (deb-version(7)):
 * [epoch:]upstream[-revision], the revision split at the LAST hyphen, each part compared by
 * alternating non-digit runs (letters before non-letters, `~` before everything including the end)
 * and digit runs (numerically, leading zeros ignored). Pure; no allocation in the hot path.
 */
import { InputError } from '../../errors/index.js';

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** "" when the version has no revision (dpkg treats it like "0"). */
  revision: string;
}

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's character weight for non-digit runs: end and digits 0, `~` lowest, letters by code, others above letters. */
function order(c: number): number {
  if (c === 0 || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1; // '~'
  return c + 256;
}

const at = (s: string, k: number, l: number) => (k < l ? s.charCodeAt(k) : 0);

/** Compare one upstream or revision part (dpkg's verrevcmp); returns <0, 0 or >0. */
export function compareDebianPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  while (i < la || j < lb) {
    let ca = at(a, i, la);
    let cb = at(b, j, lb);
    while ((ca !== 0 && !isDigit(ca)) || (cb !== 0 && !isDigit(cb))) {
      const d = order(ca) - order(cb);
      if (d !== 0) return d;
      ca = at(a, ++i, la);
      cb = at(b, ++j, lb);
    }
    while (ca === 48) ca = at(a, ++i, la);
    while (cb === 48) cb = at(b, ++j, lb);
    let firstDiff = 0;
    while (isDigit(ca) && isDigit(cb)) {
      if (firstDiff === 0) firstDiff = ca - cb;
      ca = at(a, ++i, la);
      cb = at(b, ++j, lb);
    }
    if (isDigit(ca)) return 1;
    if (isDigit(cb)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

const isVersionChar = (c: number) => isDigit(c) || isAlpha(c) || c === 46 || c === 43 || c === 126; // . + ~
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);

/** The problem with a version string, or undefined when dpkg would accept it without complaint. One pass, no regex. */
export function debianVersionProblem(v: string): string | undefined {
  let start = 0;
  let end = v.length;
  while (start < end && isSpace(v.charCodeAt(start))) start++;
  while (end > start && isSpace(v.charCodeAt(end - 1))) end--;
  if (start === end) return 'version string is empty';
  let colon = -1;
  let hyphen = -1;
  for (let k = start; k < end; k++) {
    const c = v.charCodeAt(k);
    if (isSpace(c)) return 'version string has embedded spaces';
    if (c === 58 && colon < 0) colon = k;
    else if (c === 45) hyphen = k;
  }
  let up = start;
  if (colon >= 0) {
    if (colon === start) return 'epoch in version is empty';
    for (let k = start; k < colon; k++) if (!isDigit(v.charCodeAt(k))) return 'epoch in version is not number';
    if (colon - start > 10 || Number(v.slice(start, colon)) > 2147483647) return 'epoch in version is too big';
    if (colon + 1 === end) return 'nothing after colon in version number';
    up = colon + 1;
  }
  if (hyphen >= 0 && hyphen < up) hyphen = -1; // a '-' inside the epoch was already reported
  const upEnd = hyphen >= 0 ? hyphen : end;
  if (hyphen >= 0 && hyphen + 1 === end) return 'revision number is empty';
  if (upEnd === up) return 'version number is empty';
  if (!isDigit(v.charCodeAt(up))) return 'version number does not start with digit';
  for (let k = up; k < upEnd; k++) {
    const c = v.charCodeAt(k);
    if (!isVersionChar(c) && c !== 45 && c !== 58) return 'invalid character in version number';
  }
  for (let k = upEnd + 1; k < end; k++) {
    if (!isVersionChar(v.charCodeAt(k))) return 'invalid character in revision number';
  }
  return undefined;
}

/** Parse and validate; throws InputError VULN_VERSION_INVALID naming the version and `where`. */
export function parseDebianVersion(v: string, where?: string): DebianVersion {
  const problem = debianVersionProblem(v);
  if (problem) {
    throw new InputError('VULN_VERSION_INVALID', `invalid Debian version '${v}': ${problem}`, { where, data: { version: v } });
  }
  return splitDebianVersion(v.trim());
}

/** Split without validating (what dpkg does for comparison once syntax is known good). */
export function splitDebianVersion(s: string): DebianVersion {
  const colon = s.indexOf(':');
  const epoch = colon >= 0 ? Number(s.slice(0, colon)) : 0;
  const rest = colon >= 0 ? s.slice(colon + 1) : s;
  const hyphen = rest.lastIndexOf('-');
  return hyphen >= 0
    ? { epoch, upstream: rest.slice(0, hyphen), revision: rest.slice(hyphen + 1) }
    : { epoch, upstream: rest, revision: '' };
}

export function compareDebianParsed(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch > b.epoch ? 1 : -1;
  const u = compareDebianPart(a.upstream, b.upstream);
  if (u !== 0) return u > 0 ? 1 : -1;
  const r = compareDebianPart(a.revision, b.revision);
  return r > 0 ? 1 : r < 0 ? -1 : 0;
}

/** -1, 0 or 1 as dpkg --compare-versions orders `a` and `b`; invalid syntax throws InputError. */
export function compareDebian(a: string, b: string): number {
  return compareDebianParsed(parseDebianVersion(a), parseDebianVersion(b));
}
