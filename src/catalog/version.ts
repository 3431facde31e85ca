import { InputError } from '../errors/index.js';
import { compareDebianParsed, splitDebianVersion, type DebianVersion } from '../vuln/version/index.js';

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

/**
 * dpkg's split (the comparison itself is the one in src/vuln/version, tested against dpkg), tolerating
 * what a catalog version may hold and dpkg would refuse: a non-numeric "epoch" counts as 0.
 */
function debianParts(v: string): DebianVersion {
  const d = splitDebianVersion(v);
  return d.epoch === 0 || /^\d+:/.test(v) ? d : { ...d, epoch: 0 };
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
  return compareDebianParsed(debianParts(a), debianParts(b));
}

/** The highest version of a list, or undefined for an empty one. */
export function highestVersion(versions: readonly string[]): string | undefined {
  let best: string | undefined;
  for (const v of versions) if (best === undefined || compareCatalogVersions(v, best) > 0) best = v;
  return best;
}
