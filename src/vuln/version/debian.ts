/**
 * Debian version comparison with dpkg's exact semantics (deb-version(7)):
 * [epoch:]upstream[-revision], the revision split at the LAST hyphen, each part compared by
 * alternating non-digit runs (letters before non-letters, `~` before everything including the end)
 * and digit runs (numerically, leading zeros ignored). Pure. `compareDebian` validates and compares
 * over index ranges of the original strings, allocating nothing: it runs millions of times in
 * blast-radius queries.
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
const isSpace = (c: number) => c === 32 || (c >= 9 && c <= 13);
const isVersionChar = (c: number) => isDigit(c) || isAlpha(c) || c === 46 || c === 43 || c === 126; // . + ~

/** dpkg's character weight for non-digit runs: end and digits 0, `~` lowest, letters by code, others above letters. */
function order(c: number): number {
  if (c === 0 || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126) return -1; // '~'
  return c + 256;
}

/** dpkg's verrevcmp over a[i, ie) and b[j, je); returns <0, 0 or >0. */
function compareRange(a: string, i: number, ie: number, b: string, j: number, je: number): number {
  while (i < ie || j < je) {
    let ca = i < ie ? a.charCodeAt(i) : 0;
    let cb = j < je ? b.charCodeAt(j) : 0;
    while ((ca !== 0 && !isDigit(ca)) || (cb !== 0 && !isDigit(cb))) {
      const d = order(ca) - order(cb);
      if (d !== 0) return d;
      ca = ++i < ie ? a.charCodeAt(i) : 0;
      cb = ++j < je ? b.charCodeAt(j) : 0;
    }
    while (ca === 48) ca = ++i < ie ? a.charCodeAt(i) : 0;
    while (cb === 48) cb = ++j < je ? b.charCodeAt(j) : 0;
    let firstDiff = 0;
    while (isDigit(ca) && isDigit(cb)) {
      if (firstDiff === 0) firstDiff = ca - cb;
      ca = ++i < ie ? a.charCodeAt(i) : 0;
      cb = ++j < je ? b.charCodeAt(j) : 0;
    }
    if (isDigit(ca)) return 1;
    if (isDigit(cb)) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

/** Compare one upstream or revision part (dpkg's verrevcmp); returns <0, 0 or >0. */
export function compareDebianPart(a: string, b: string): number {
  return compareRange(a, 0, a.length, b, 0, b.length);
}

/** Result of scanning a version: index ranges into the string (no substrings). */
interface Scan {
  epoch: number;
  up: number;
  upEnd: number;
  revStart: number;
  end: number;
  problem?: string;
}
const scanA: Scan = { epoch: 0, up: 0, upEnd: 0, revStart: 0, end: 0 };
const scanB: Scan = { epoch: 0, up: 0, upEnd: 0, revStart: 0, end: 0 };

/** One pass over `v`: fills `out` and returns it; `out.problem` says what dpkg would reject. */
function scan(v: string, out: Scan): Scan {
  out.problem = undefined;
  let start = 0;
  let end = v.length;
  while (start < end && isSpace(v.charCodeAt(start))) start++;
  while (end > start && isSpace(v.charCodeAt(end - 1))) end--;
  out.end = end;
  if (start === end) return fail(out, 'version string is empty');
  let colon = -1;
  let hyphen = -1;
  for (let k = start; k < end; k++) {
    const c = v.charCodeAt(k);
    if (c === 58) {
      if (colon < 0) colon = k;
    } else if (c === 45) hyphen = k;
    else if (isSpace(c)) return fail(out, 'version string has embedded spaces');
  }
  let up = start;
  let epoch = 0;
  if (colon >= 0) {
    if (colon === start) return fail(out, 'epoch in version is empty');
    for (let k = start; k < colon; k++) {
      const c = v.charCodeAt(k);
      if (!isDigit(c)) return fail(out, 'epoch in version is not number');
      epoch = epoch * 10 + (c - 48);
    }
    if (epoch > 2147483647) return fail(out, 'epoch in version is too big');
    if (colon + 1 === end) return fail(out, 'nothing after colon in version number');
    up = colon + 1;
  }
  const upEnd = hyphen >= up ? hyphen : end;
  if (hyphen >= up && hyphen + 1 === end) return fail(out, 'revision number is empty');
  if (upEnd === up) return fail(out, 'version number is empty');
  if (!isDigit(v.charCodeAt(up))) return fail(out, 'version number does not start with digit');
  for (let k = up + 1; k < upEnd; k++) {
    const c = v.charCodeAt(k);
    if (!isVersionChar(c) && c !== 45 && c !== 58) return fail(out, 'invalid character in version number');
  }
  const revStart = upEnd < end ? upEnd + 1 : end;
  for (let k = revStart; k < end; k++) {
    if (!isVersionChar(v.charCodeAt(k))) return fail(out, 'invalid character in revision number');
  }
  out.epoch = epoch;
  out.up = up;
  out.upEnd = upEnd;
  out.revStart = revStart;
  return out;
}

function fail(out: Scan, problem: string): Scan {
  out.problem = problem;
  return out;
}

function invalid(v: string, problem: string, where?: string): InputError {
  return new InputError('VULN_VERSION_INVALID', `invalid Debian version '${v}': ${problem}`, { where, data: { version: v } });
}

/** The problem with a version string, or undefined when dpkg would accept it without complaint. */
export function debianVersionProblem(v: string): string | undefined {
  return scan(v, scanA).problem;
}

/** Parse and validate; throws InputError VULN_VERSION_INVALID naming the version and `where`. */
export function parseDebianVersion(v: string, where?: string): DebianVersion {
  const s = scan(v, scanA);
  if (s.problem) throw invalid(v, s.problem, where);
  return { epoch: s.epoch, upstream: v.slice(s.up, s.upEnd), revision: v.slice(s.revStart, s.end) };
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
  const x = scan(a, scanA);
  if (x.problem) throw invalid(a, x.problem);
  const y = scan(b, scanB);
  if (y.problem) throw invalid(b, y.problem);
  if (x.epoch !== y.epoch) return x.epoch > y.epoch ? 1 : -1;
  const u = compareRange(a, x.up, x.upEnd, b, y.up, y.upEnd);
  if (u !== 0) return u > 0 ? 1 : -1;
  const r = compareRange(a, x.revStart, x.end, b, y.revStart, y.end);
  return r > 0 ? 1 : r < 0 ? -1 : 0;
}
