/** What a root filesystem contains, independent of any SBOM format. Pure data. */
export type Ecosystem = 'deb' | 'apk' | 'rpm';

export interface OsIdentity {
  /** os-release ID, e.g. "debian", "alpine". */
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
}

export interface SourceRef {
  name: string;
  version: string;
}

export interface InventoryPackage {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  arch: string;
  /** The source package it was built from (Debian advisories are per source package). */
  source?: SourceRef;
  /** SPDX license expression, or "NOASSERTION" when unknown. */
  license: string;
  purl: string;
}

export interface Inventory {
  os?: OsIdentity;
  /** Goldsmith's tattoo (/etc/goldsmith/tattoo) when present. */
  tattoo?: Record<string, string>;
  /** Sorted by ecosystem, name, arch, version. */
  packages: InventoryPackage[];
  /** Things a reader must know: e.g. an rpm database that could not be read. */
  notes: string[];
}

export function packageKey(p: Pick<InventoryPackage, 'ecosystem' | 'name' | 'arch'>): string {
  return `${p.ecosystem}/${p.name}/${p.arch}`;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function sortPackages(pkgs: InventoryPackage[]): InventoryPackage[] {
  return pkgs.sort((a, b) => cmp(a.ecosystem, b.ecosystem) || cmp(a.name, b.name) || cmp(a.arch, b.arch) || cmp(a.version, b.version));
}

/** The purl distro qualifier: "debian-12"; codename when there is no VERSION_ID (testing, sid). */
export function distroQualifier(os: OsIdentity | undefined): string | undefined {
  if (!os) return undefined;
  const v = os.versionId ?? os.versionCodename;
  return v ? `${os.id}-${v}` : os.id;
}
