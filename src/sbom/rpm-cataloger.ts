/**
 * RPM packages from the rpm database. rpmdb.sqlite (rpm >= 4.16: Fedora 33+, RHEL/Rocky/Alma 9)
 * is read with the built-in SQLite reader and header parser; the Berkeley DB (`Packages`) and ndb
 * (`Packages.db`) layouts are only detected and reported in a note.
 */
import { isGoldsmithError } from '../errors/index.js';
import { distroQualifier, type InventoryPackage, type OsIdentity } from './inventory.js';
import { normaliseDeclaredLicense } from './license-expression.js';
import { formatPurl } from './purl.js';
import { parseRpmHeader, splitSourceRpm, type RpmHeader } from './rpm-header.js';
import type { RootfsReader } from './rootfs-reader.js';
import { SqliteFile } from './sqlite-reader.js';

/** rpmdb.sqlite of a large server image is a few hundred MB; the database is read into memory whole. */
const MAX_RPMDB_BYTES = 1024 * 1024 * 1024;
const SQLITE = ['/usr/lib/sysimage/rpm/rpmdb.sqlite', '/var/lib/rpm/rpmdb.sqlite'];
const OTHER: Array<[string, string]> = [
  ['/usr/lib/sysimage/rpm/Packages.db', 'an rpm ndb reader'],
  ['/var/lib/rpm/Packages.db', 'an rpm ndb reader'],
  ['/var/lib/rpm/Packages', 'a Berkeley DB reader'],
];

export function rpmPurl(h: RpmHeader, os: OsIdentity | undefined): string {
  const distro = distroQualifier(os);
  return formatPurl({
    type: 'rpm',
    namespace: os?.id ?? 'redhat',
    name: h.name,
    version: `${h.version}-${h.release}`,
    qualifiers: { arch: h.arch ?? 'noarch', ...(h.epoch !== undefined ? { epoch: String(h.epoch) } : {}), ...(distro ? { distro } : {}) },
  });
}

export function rpmPackage(h: RpmHeader, os: OsIdentity | undefined): InventoryPackage {
  const evr = `${h.epoch !== undefined ? `${h.epoch}:` : ''}${h.version}-${h.release}`;
  const src = h.sourceRpm ? splitSourceRpm(h.sourceRpm) : undefined;
  return {
    ecosystem: 'rpm',
    name: h.name,
    version: evr,
    arch: h.arch ?? 'noarch',
    source: src ?? { name: h.name, version: `${h.version}-${h.release}` },
    license: normaliseDeclaredLicense(h.license),
    purl: rpmPurl(h, os),
  };
}

export interface RpmCatalog {
  found: boolean;
  packages: InventoryPackage[];
  note?: string;
}

export async function catalogRpm(fs: RootfsReader, os: OsIdentity | undefined): Promise<RpmCatalog> {
  for (const path of SQLITE) {
    const db = await fs.readBytes(path, MAX_RPMDB_BYTES);
    if (!db) continue;
    try {
      const sqlite = new SqliteFile(db, path, await fs.readBytes(path + '-wal', MAX_RPMDB_BYTES));
      const root = sqlite.tableRoot('Packages');
      if (root === undefined) return { found: true, packages: [], note: `rpm database ${path} has no Packages table` };
      const packages: InventoryPackage[] = [];
      for (const row of sqlite.rows(root)) {
        const blob = row.values[1];
        if (!Buffer.isBuffer(blob)) continue;
        const h = parseRpmHeader(blob, `${path}#${row.rowid}`);
        // gpg-pubkey entries are imported signing keys, not installed software
        if (h.name === 'gpg-pubkey') continue;
        packages.push(rpmPackage(h, os));
      }
      return { found: true, packages };
    } catch (e) {
      // A damaged database is bad input, not a bug: out-of-range reads surface as RangeErrors.
      const why = isGoldsmithError(e) ? e.message : `corrupt database (${(e as Error).message})`;
      return { found: true, packages: [], note: `rpm database found at ${path} but not readable: ${why}` };
    }
  }
  for (const [path, needs] of OTHER) {
    if (await fs.exists(path)) {
      return { found: true, packages: [], note: `rpm database found at ${path} but not readable: needs ${needs}; rpm packages are NOT listed in this SBOM` };
    }
  }
  return { found: false, packages: [] };
}
