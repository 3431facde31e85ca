import { PolicyEvaluationError } from '../runtime.js';

interface Range {
  v6: boolean;
  lo: bigint;
  hi: bigint;
}

function parseIp(s: string): { v6: boolean; n: bigint } | undefined {
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) {
    const parts = s.split('.').map(Number);
    if (parts.some((p) => p > 255)) return undefined;
    return { v6: false, n: parts.reduce((a, p) => (a << 8n) | BigInt(p), 0n) };
  }
  if (!s.includes(':')) return undefined;
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const grp = (h: string) => (h === '' ? [] : h.split(':'));
  const head = grp(halves[0]!);
  const tail = halves.length === 2 ? grp(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && head.length !== 8) || fill < 0) return undefined;
  const groups = [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...tail];
  if (groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  return { v6: true, n: groups.reduce((a, g) => (a << 16n) | BigInt(parseInt(g, 16)), 0n) };
}

function parseRange(s: string): Range {
  const bad = (): never => {
    throw new PolicyEvaluationError(`ipRangeContains(): ${JSON.stringify(s)} is not an IP address, CIDR range or start-end range`);
  };
  const t = s.trim();
  if (t === '') bad();
  if (t.includes('/')) {
    const [ip, bits] = t.split('/');
    const a = parseIp(ip!) ?? bad();
    const width = a.v6 ? 128 : 32;
    const b = Number(bits);
    if (!/^\d+$/.test(bits!) || b > width) bad();
    const hostBits = BigInt(width - b);
    const lo = (a.n >> hostBits) << hostBits;
    return { v6: a.v6, lo, hi: lo + (1n << hostBits) - 1n };
  }
  if (t.includes('-')) {
    const [x, y] = t.split('-');
    const a = parseIp(x!.trim()) ?? bad();
    const b = parseIp(y!.trim()) ?? bad();
    if (a.v6 !== b.v6 || a.n > b.n) bad();
    return { v6: a.v6, lo: a.n, hi: b.n };
  }
  const a = parseIp(t) ?? bad();
  return { v6: a.v6, lo: a.n, hi: a.n };
}

/** Azure's ipRangeContains(range, targetRange): mixing IPv4 and IPv6 is an evaluation failure. */
export function ipRangeContains(range: string, target: string): boolean {
  const r = parseRange(range);
  const t = parseRange(target);
  if (r.v6 !== t.v6) throw new PolicyEvaluationError('ipRangeContains(): cannot mix IPv4 and IPv6 ranges');
  return t.lo >= r.lo && t.hi <= r.hi;
}
