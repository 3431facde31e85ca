import { InputError } from '../errors/index.js';

/** Versions catalog entries may carry: Azure-style dotted numbers, or Debian-like strings (1.2~rc1, 12.5+deb1). */
const VERSION_RE = /^[0-9][0-9A-Za-z.+~:-]*$/;
const DOTTED_RE = /^\d+(\.\d+)*$/;

export function assertCatalogVersion(version: unknown, where = 'version'): asserts version is string {
  if (typeof version !== 'string' || !VERSION_RE.test(version) || version.length > 64) {
    throw new InputError(
      'CATALOG_BAD_VERSION',
      `catalog version must start with a digit and use only letters, digits and . + ~ : - (e.g. 12.0.20240101), got ${JSON.stringify(version)}`,
      { where },
    );
  }
}

function order(c: string): number {
  if (c === '~') return -1;
  if (/[A-Za-z]/.test(c)) return c.charCodeAt(0);
  return c.charCodeAt(0) + 256;
}

/** dpkg's comparison of one version part: alternating non-digit and digit runs; ~ sorts before everything. */
function comparePart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !/\d/.test(a[i]!)) || (j < b.length && !/\d/.test(b[j]!))) {
      const ca = i < a.length && !/\d/.test(a[i]!) ? order(a[i]!) : 0;
      const cb = j < b.length && !/\d/.test(b[j]!) ? order(b[j]!) : 0;
      if (ca !== cb) return ca < cb ? -1 : 1;
      i++;
      j++;
    }
    let na = '';
    while (i < a.length && /\d/.test(a[i]!)) na += a[i++];
    let nb = '';
    while (j < b.length && /\d/.test(b[j]!)) nb += b[j++];
    const d = BigInt(na || '0') - BigInt(nb || '0');
    if (d !== 0n) return d < 0n ? -1 : 1;
  }
  return 0;
}

function splitDebian(v: string): [bigint, string, string] {
  const colon = v.indexOf(':');
  const epoch = colon > 0 && /^\d+$/.test(v.slice(0, colon)) ? BigInt(v.slice(0, colon)) : 0n;
  const rest = colon > 0 ? v.slice(colon + 1) : v;
  const dash = rest.lastIndexOf('-');
  return dash > 0 ? [epoch, rest.slice(0, dash), rest.slice(dash + 1)] : [epoch, rest, ''];
}

/**
 * Order catalog versions: dotted numbers compare part by part numerically (1.10 > 1.9, 1.0 < 1.0.1);
 * anything else compares like dpkg (epoch, upstream, revision).
 */
export function compareCatalogVersions(a: string, b: string): number {
  if (DOTTED_RE.test(a) && DOTTED_RE.test(b)) {
    const pa = a.split('.').map(BigInt);
    const pb = b.split('.').map(BigInt);
    for (let k = 0; k < Math.max(pa.length, pb.length); k++) {
      const x = pa[k] ?? -1n;
      const y = pb[k] ?? -1n;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }
  const [ea, ua, ra] = splitDebian(a);
  const [eb, ub, rb] = splitDebian(b);
  if (ea !== eb) return ea < eb ? -1 : 1;
  return comparePart(ua, ub) || comparePart(ra, rb);
}

/** The highest version of a list, or undefined for an empty one. */
export function highestVersion(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareCatalogVersions(v, best) > 0) best = v;
  return best;
}
