/**
 * RPM database detection. Reading packages needs an SQLite reader (rpmdb.sqlite; Node 20 has no
 * stable node:sqlite) plus an rpm header-blob parser, or a Berkeley DB / ndb reader for older
 * layouts; until then the SBOM says so in a note instead of silently listing nothing.
 */
import type { RootfsReader } from './rootfs-reader.js';

const LOCATIONS = [
  '/usr/lib/sysimage/rpm/rpmdb.sqlite',
  '/var/lib/rpm/rpmdb.sqlite',
  '/usr/lib/sysimage/rpm/Packages.db',
  '/var/lib/rpm/Packages.db',
  '/var/lib/rpm/Packages',
];

export async function detectRpm(fs: RootfsReader): Promise<string | undefined> {
  for (const p of LOCATIONS) {
    if (await fs.exists(p)) {
      const needs = p.endsWith('.sqlite')
        ? 'an SQLite reader (e.g. better-sqlite3, or node:sqlite once stable) and an rpm header parser'
        : p.endsWith('.db')
          ? 'an rpm ndb reader'
          : 'a Berkeley DB reader';
      return `rpm database found at ${p} but not readable: needs ${needs}; rpm packages are NOT listed in this SBOM`;
    }
  }
  return undefined;
}
