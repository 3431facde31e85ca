/**
 * Ecosystems Goldsmith can match: the OSV ecosystem names of distributions whose packages an SBOM
 * inventories, with the version comparison each one uses.
 */
import { compareApk, compareDebian, compareRpm } from './version/index.js';
import type { OsIdentity } from '../sbom/index.js';

export type Comparator = (a: string, b: string) => number;
export type EcosystemFamily = 'deb' | 'apk' | 'rpm';

interface EcosystemRule {
  pattern: RegExp;
  family: EcosystemFamily;
  /** Whether advisories name source packages (Debian, Alpine) or binary ones (RPM distributions). */
  bySource: boolean;
}

const RULES: EcosystemRule[] = [
  { pattern: /^Debian:\d+$/, family: 'deb', bySource: true },
  { pattern: /^Ubuntu:\d+\.\d+$/, family: 'deb', bySource: true },
  { pattern: /^Alpine:v\d+\.\d+$/, family: 'apk', bySource: true },
  { pattern: /^(Rocky Linux|AlmaLinux):\d+$/, family: 'rpm', bySource: false },
];

const COMPARATORS: Record<EcosystemFamily, Comparator> = { deb: compareDebian, apk: compareApk, rpm: compareRpm };

/** OSV spells some releases with suffixes Goldsmith does not distinguish ("Ubuntu:22.04:LTS"). */
export function normalizeEcosystem(ecosystem: string): string {
  return ecosystem.replace(/^(Ubuntu:\d+\.\d+):LTS$/, '$1');
}

export function ecosystemRule(ecosystem: string): EcosystemRule | undefined {
  return RULES.find((r) => r.pattern.test(ecosystem));
}

export function isSupportedEcosystem(ecosystem: string): boolean {
  return ecosystemRule(ecosystem) !== undefined;
}

export function comparatorFor(ecosystem: string): Comparator | undefined {
  const r = ecosystemRule(ecosystem);
  return r ? COMPARATORS[r.family] : undefined;
}

export const SUPPORTED_ECOSYSTEMS = 'Debian:N, Ubuntu:NN.NN, Alpine:vN.N, Rocky Linux:N, AlmaLinux:N';

/** The OSV ecosystem of an image from its os-release: Debian 12 → "Debian:12". Undefined when unknown. */
export function ecosystemOf(os: OsIdentity | undefined): string | undefined {
  if (!os?.versionId) return undefined;
  const v = os.versionId;
  switch (os.id) {
    case 'debian':
      return `Debian:${v.split('.')[0]}`;
    case 'ubuntu':
      return `Ubuntu:${v}`;
    case 'alpine': {
      const m = /^(\d+)\.(\d+)/.exec(v);
      return m ? `Alpine:v${m[1]}.${m[2]}` : undefined;
    }
    case 'rocky':
      return `Rocky Linux:${v.split('.')[0]}`;
    case 'almalinux':
      return `AlmaLinux:${v.split('.')[0]}`;
    default:
      return undefined;
  }
}

/** Debian Security Tracker release names → OSV ecosystems. "sid" has no release number and is skipped. */
export const DEBIAN_RELEASES: Readonly<Record<string, string | null>> = {
  buster: 'Debian:10',
  bullseye: 'Debian:11',
  bookworm: 'Debian:12',
  trixie: 'Debian:13',
  forky: 'Debian:14',
  sid: null,
};
