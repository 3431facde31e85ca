/**
 * RPM version comparison with rpmvercmp's semantics (rpm >= 4.15): segments of ASCII letters or
 * digits, any other characters only separate; `~` sorts before anything (even the end), `^` sorts
 * after the end but before any further segment; a digit segment beats a letter segment; digit
 * segments compare numerically (by length after stripping zeros, then lexically). Pure.
 */
import { InputError } from '../../errors/index.js';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;
const CARET = 94;

const at = (s: string, k: number, l: number) => (k < l ? s.charCodeAt(k) : 0);
const isSep = (c: number) => c !== 0 && !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;

/** rpmvercmp(a, b): -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  if (a === b) return 0;
  let i = 0;
  let j = 0;
  const la = a.length;
  const lb = b.length;
  for (;;) {
    while (isSep(at(a, i, la))) i++;
    while (isSep(at(b, j, lb))) j++;
    const ca = at(a, i, la);
    const cb = at(b, j, lb);
    if (ca === 0 && cb === 0) return 0;
    if (ca === TILDE || cb === TILDE) {
      if (ca !== TILDE) return 1;
      if (cb !== TILDE) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === CARET || cb === CARET) {
      if (ca === 0) return -1;
      if (cb === 0) return 1;
      if (ca !== CARET) return 1;
      if (cb !== CARET) return -1;
      i++;
      j++;
      continue;
    }
    if (ca === 0 || cb === 0) break;
    const numeric = isDigit(ca);
    const inSeg = numeric ? isDigit : isAlpha;
    let ei = i;
    let ej = j;
    while (ei < la && inSeg(a.charCodeAt(ei))) ei++;
    while (ej < lb && inSeg(b.charCodeAt(ej))) ej++;
    // Segments of different kinds: the other side's segment is empty; numeric is newer.
    if (ej === j) return numeric ? 1 : -1;
    if (numeric) {
      // Numerically, without slicing: skip leading zeros, more digits wins, then first difference.
      while (i < ei && a.charCodeAt(i) === 48) i++;
      while (j < ej && b.charCodeAt(j) === 48) j++;
      if (ei - i !== ej - j) return ei - i > ej - j ? 1 : -1;
    }
    // Lexically (strcmp) over the segment: first differing char, else the shorter one is smaller.
    for (; i < ei && j < ej; i++, j++) {
      const d = a.charCodeAt(i) - b.charCodeAt(j);
      if (d !== 0) return d > 0 ? 1 : -1;
    }
    if (i < ei) return 1;
    if (j < ej) return -1;
    i = ei;
    j = ej;
  }
  const ra = at(a, i, la);
  const rb = at(b, j, lb);
  if (ra === 0 && rb === 0) return 0;
  return ra === 0 ? -1 : 1;
}

export interface RpmEvr {
  /** undefined when absent: rpm compares a missing epoch as 0. */
  epoch?: string;
  version: string;
  /** undefined when absent: then releases are not compared. */
  release?: string;
}

/** Split "[epoch:]version[-release]" the way rpm's parseEVR does (release after the last hyphen). */
export function parseRpmEvr(evr: string, where?: string): RpmEvr {
  const s = evr.trim();
  if (s === '' || /\s/.test(s)) {
    throw new InputError('VULN_VERSION_INVALID', `invalid RPM version '${evr}': ${s === '' ? 'empty' : 'contains whitespace'}`, {
      where,
      data: { version: evr },
    });
  }
  let k = 0;
  while (k < s.length && isDigit(s.charCodeAt(k))) k++;
  let epoch: string | undefined;
  let rest = s;
  if (s[k] === ':') {
    epoch = k === 0 ? '0' : s.slice(0, k);
    rest = s.slice(k + 1);
  }
  const hyphen = rest.lastIndexOf('-');
  const version = hyphen >= 0 ? rest.slice(0, hyphen) : rest;
  const release = hyphen >= 0 ? rest.slice(hyphen + 1) : undefined;
  if (version === '') {
    throw new InputError('VULN_VERSION_INVALID', `invalid RPM version '${evr}': version part is empty`, { where, data: { version: evr } });
  }
  return { epoch, version, release };
}

/** Compare two EVR strings as rpm does (epoch, then version, then release when both have one). */
export function compareRpm(a: string, b: string): number {
  const x = parseRpmEvr(a);
  const y = parseRpmEvr(b);
  const e = rpmvercmp(x.epoch ?? '0', y.epoch ?? '0');
  if (e !== 0) return e;
  const v = rpmvercmp(x.version, y.version);
  if (v !== 0 || x.release === undefined || y.release === undefined) return v;
  return rpmvercmp(x.release, y.release);
}
