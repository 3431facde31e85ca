/**
 * RPM version comparison with rpmvercmp's semantics (rpm >= 4.15): segments of ASCII letters or
 * digits, any other characters only separate; `~` sorts before anything (even the end), `^` sorts
 * after the end but before any further segment; a digit segment beats a letter segment; digit
 * segments compare numerically (by length after stripping zeros, then lexically). Pure, and
 * allocation-free over index ranges like the Debian comparer.
 */
import { InputError } from '../../errors/index.js';

const isDigit = (c: number) => c >= 48 && c <= 57;
const isAlpha = (c: number) => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
const TILDE = 126;
const CARET = 94;
const at = (s: string, k: number, e: number) => (k < e ? s.charCodeAt(k) : 0);
const isSep = (c: number) => c !== 0 && !isDigit(c) && !isAlpha(c) && c !== TILDE && c !== CARET;

/** rpmvercmp over a[i, ie) and b[j, je): -1, 0 or 1. */
function compareRange(a: string, i: number, ie: number, b: string, j: number, je: number): number {
  for (;;) {
    while (isSep(at(a, i, ie))) i++;
    while (isSep(at(b, j, je))) j++;
    const ca = at(a, i, ie);
    const cb = at(b, j, je);
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
    while (ei < ie && inSeg(a.charCodeAt(ei))) ei++;
    while (ej < je && inSeg(b.charCodeAt(ej))) ej++;
    // Segments of different kinds: the other side's segment is empty; numeric is newer.
    if (ej === j) return numeric ? 1 : -1;
    if (numeric) {
      while (i < ei && a.charCodeAt(i) === 48) i++;
      while (j < ej && b.charCodeAt(j) === 48) j++;
      if (ei - i !== ej - j) return ei - i > ej - j ? 1 : -1;
    }
    // strcmp over the segment: first differing char, else the shorter one is smaller.
    for (; i < ei && j < ej; i++, j++) {
      const d = a.charCodeAt(i) - b.charCodeAt(j);
      if (d !== 0) return d > 0 ? 1 : -1;
    }
    if (i < ei) return 1;
    if (j < ej) return -1;
  }
  const ra = at(a, i, ie);
  const rb = at(b, j, je);
  if (ra === 0 && rb === 0) return 0;
  return ra === 0 ? -1 : 1;
}

/** rpmvercmp(a, b): -1, 0 or 1. */
export function rpmvercmp(a: string, b: string): number {
  return a === b ? 0 : compareRange(a, 0, a.length, b, 0, b.length);
}

export interface RpmEvr {
  /** undefined when absent: rpm compares a missing epoch as 0. */
  epoch?: string;
  version: string;
  /** undefined when absent: then releases are not compared. */
  release?: string;
}

interface Ranges {
  start: number;
  /** -1 without an epoch; else the colon's index ("" epoch before it means 0). */
  colon: number;
  vStart: number;
  /** index of the release hyphen, or end. */
  vEnd: number;
  end: number;
  problem?: string;
}
const ra: Ranges = { start: 0, colon: -1, vStart: 0, vEnd: 0, end: 0 };
const rb: Ranges = { start: 0, colon: -1, vStart: 0, vEnd: 0, end: 0 };

/** rpm's parseEVR as index ranges: epoch = leading digits before ':', release after the last '-'. */
function split(s: string, out: Ranges): Ranges {
  out.problem = undefined;
  let start = 0;
  let end = s.length;
  while (start < end && s.charCodeAt(start) <= 32) start++;
  while (end > start && s.charCodeAt(end - 1) <= 32) end--;
  out.start = start;
  out.end = end;
  if (start === end) return ((out.problem = 'empty'), out);
  let k = start;
  while (k < end && isDigit(s.charCodeAt(k))) k++;
  out.colon = k < end && s.charCodeAt(k) === 58 ? k : -1;
  out.vStart = out.colon >= 0 ? out.colon + 1 : start;
  let hyphen = -1;
  for (let p = start; p < end; p++) {
    const c = s.charCodeAt(p);
    if (c <= 32) return ((out.problem = 'contains whitespace'), out);
    if (c === 45 && p >= out.vStart) hyphen = p;
  }
  out.vEnd = hyphen >= 0 ? hyphen : end;
  if (out.vEnd === out.vStart) out.problem = 'version part is empty';
  return out;
}

function invalid(evr: string, problem: string, where?: string): InputError {
  return new InputError('VULN_VERSION_INVALID', `invalid RPM version '${evr}': ${problem}`, { where, data: { version: evr } });
}

/** Split "[epoch:]version[-release]" the way rpm's parseEVR does (release after the last hyphen). */
export function parseRpmEvr(evr: string, where?: string): RpmEvr {
  const r = split(evr, ra);
  if (r.problem) throw invalid(evr, r.problem, where);
  return {
    epoch: r.colon < 0 ? undefined : r.colon === r.start ? '0' : evr.slice(r.start, r.colon),
    version: evr.slice(r.vStart, r.vEnd),
    release: r.vEnd < r.end ? evr.slice(r.vEnd + 1, r.end) : undefined,
  };
}

function epochOf(s: string, r: Ranges): number {
  let n = 0;
  for (let k = r.start; k < r.colon; k++) n = n * 10 + (s.charCodeAt(k) - 48);
  return n;
}

/** Compare two EVR strings as rpm does (epoch, then version, then release when both have one). */
export function compareRpm(a: string, b: string): number {
  const x = split(a, ra);
  if (x.problem) throw invalid(a, x.problem);
  const y = split(b, rb);
  if (y.problem) throw invalid(b, y.problem);
  // A missing or empty epoch is 0; epochs are digit runs, so compare them as numbers.
  const ea = epochOf(a, x);
  const eb = epochOf(b, y);
  if (ea !== eb) return ea > eb ? 1 : -1;
  const v = compareRange(a, x.vStart, x.vEnd, b, y.vStart, y.vEnd);
  if (v !== 0 || x.vEnd === x.end || y.vEnd === y.end) return v;
  return compareRange(a, x.vEnd + 1, x.end, b, y.vEnd + 1, y.end);
}
