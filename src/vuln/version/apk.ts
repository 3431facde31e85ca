/**
 * Alpine apk version comparison (apk-tools' rules): digits separated by '.', an optional single
 * letter, any number of `_suffix[N]` (alpha < beta < pre < rc < none < cvs < svn < git < hg < p),
 * an optional `~hash` (ignored) and `-rN`. A component after '.' with leading zeros sorts below one
 * without (1.002 < 1.02 < 1.1). When one version runs out first it is older, unless the longer one
 * continues with a pre-release suffix. Pure.
 */

const enum Tok {
  Invalid = -1,
  DigitOrZero = 0,
  Digit = 1,
  Letter = 2,
  Suffix = 3,
  SuffixNo = 4,
  RevisionNo = 5,
  End = 6,
}

const PRE = ['alpha', 'beta', 'pre', 'rc'];
const POST = ['cvs', 'svn', 'git', 'hg', 'p'];

const isDigit = (c: string | undefined) => c !== undefined && c >= '0' && c <= '9';
const isLower = (c: string | undefined) => c !== undefined && c >= 'a' && c <= 'z';

class Cursor {
  pos = 0;
  type: Tok = Tok.Digit;
  constructor(readonly s: string) {}
  get rest(): number {
    return this.s.length - this.pos;
  }
}

function nextToken(c: Cursor): void {
  let n: Tok = Tok.Invalid;
  const ch = c.s[c.pos];
  if (c.rest <= 0) {
    n = Tok.End;
  } else if ((c.type === Tok.Digit || c.type === Tok.DigitOrZero) && isLower(ch)) {
    n = Tok.Letter;
  } else if (c.type === Tok.Letter && isDigit(ch)) {
    n = Tok.Digit;
  } else if (c.type === Tok.Suffix && isDigit(ch)) {
    n = Tok.SuffixNo;
  } else {
    if (ch === '.') n = Tok.DigitOrZero;
    else if (ch === '_') n = Tok.Suffix;
    else if (ch === '~') {
      // A commit hash: apk ignores it for ordering, so skip to the revision or the end.
      const dash = c.s.indexOf('-', c.pos);
      c.pos = dash < 0 ? c.s.length : dash;
      nextToken(c);
      return;
    } else if (ch === '-' && c.s[c.pos + 1] === 'r') {
      n = Tok.RevisionNo;
      c.pos++;
    }
    c.pos++;
  }
  // Tokens may only move forward through the grammar (with three allowed steps back).
  if (n < c.type) {
    const ok =
      (n === Tok.DigitOrZero && c.type === Tok.Digit) ||
      (n === Tok.Suffix && c.type === Tok.SuffixNo) ||
      (n === Tok.Digit && c.type === Tok.Letter);
    if (!ok) n = Tok.Invalid;
  }
  c.type = n;
}

function getToken(c: Cursor): number {
  if (c.rest <= 0) {
    c.type = Tok.End;
    return 0;
  }
  let v = 0;
  let i = c.pos;
  let nt: Tok = Tok.Invalid;
  const s = c.s;
  const type = c.type === Tok.DigitOrZero && s[i] !== '0' ? Tok.Digit : c.type;
  switch (type) {
    case Tok.DigitOrZero:
      // Extra leading zeros become a negative weight; the last zero stays to be read as a digit.
      while (s[i + 1] === '0') i++;
      nt = Tok.Digit;
      v = -(i - c.pos);
      break;
    case Tok.Digit:
    case Tok.SuffixNo:
    case Tok.RevisionNo:
      while (isDigit(s[i])) v = v * 10 + (s.charCodeAt(i++) - 48);
      break;
    case Tok.Letter:
      v = s.charCodeAt(i++);
      break;
    case Tok.Suffix: {
      const pre = PRE.findIndex((p) => s.startsWith(p, i));
      if (pre >= 0) {
        v = pre - PRE.length;
        i += PRE[pre]!.length;
        break;
      }
      const post = POST.findIndex((p) => s.startsWith(p, i));
      if (post >= 0) {
        v = post;
        i += POST[post]!.length;
        break;
      }
      c.type = Tok.Invalid;
      return -1;
    }
    default:
      c.type = Tok.Invalid;
      return -1;
  }
  c.pos = i;
  if (c.rest <= 0) c.type = Tok.End;
  else if (nt !== Tok.Invalid) c.type = nt;
  else nextToken(c);
  return v;
}

/** -1, 0 or 1 as apk orders two package versions. */
export function compareApk(a: string, b: string): number {
  const x = new Cursor(a);
  const y = new Cursor(b);
  let av = 0;
  let bv = 0;
  while (x.type === y.type && x.type !== Tok.End && x.type !== Tok.Invalid && av === bv) {
    av = getToken(x);
    bv = getToken(y);
  }
  if (av < bv) return -1;
  if (av > bv) return 1;
  if (x.type === y.type) return 0;
  // Equal so far: the longer one is newer unless what follows is a pre-release suffix.
  if (x.type === Tok.Suffix && peekSuffix(x) < 0) return -1;
  if (y.type === Tok.Suffix && peekSuffix(y) < 0) return 1;
  if (x.type > y.type) return -1;
  if (y.type > x.type) return 1;
  return 0;
}

function peekSuffix(c: Cursor): number {
  const copy = new Cursor(c.s);
  copy.pos = c.pos;
  copy.type = c.type;
  return getToken(copy);
}

/** True when apk's grammar accepts the whole string. */
export function isValidApkVersion(v: string): boolean {
  const c = new Cursor(v);
  if (!isDigit(v[0])) return false;
  while (c.type !== Tok.End && c.type !== Tok.Invalid) getToken(c);
  return c.type === Tok.End;
}
