/** Debian packages from dpkg's status database (and distroless status.d), with licences from DEP-5 copyright files. */
import { isGoldsmithError } from '../errors/index.js';
import { parseDpkgStatus, type DpkgPackage } from './dpkg-status.js';
import { distroQualifier, type InventoryPackage, type OsIdentity } from './inventory.js';
import { licenseFromCopyright } from './license-expression.js';
import { formatPurl } from './purl.js';
import type { RootfsReader } from './rootfs-reader.js';

/** The largest copyright files in Debian (firmware, big suites) are a few MB. */
const MAX_COPYRIGHT_BYTES = 16 * 1024 * 1024;

export function debPurl(name: string, version: string, arch: string, os: OsIdentity | undefined): string {
  const distro = distroQualifier(os);
  return formatPurl({
    type: 'deb',
    namespace: os?.id ?? 'debian',
    name,
    version,
    qualifiers: { arch, ...(distro ? { distro } : {}) },
  });
}

export function debPackage(p: DpkgPackage, license: string, os: OsIdentity | undefined): InventoryPackage {
  return {
    ecosystem: 'deb',
    name: p.package,
    version: p.version,
    arch: p.architecture,
    source: { name: p.source, version: p.sourceVersion },
    license,
    purl: debPurl(p.package, p.version, p.architecture, os),
  };
}

/** Installed packages from status and status.d/* (md5sums files there are skipped); duplicates collapse. */
export async function readDpkgDatabase(fs: RootfsReader): Promise<{ found: boolean; packages: DpkgPackage[] }> {
  const texts: string[] = [];
  const status = await fs.readText('/var/lib/dpkg/status');
  if (status !== undefined) texts.push(status);
  for (const f of await fs.list('/var/lib/dpkg/status.d')) {
    if (f.endsWith('.md5sums')) continue;
    const t = await fs.readText('/var/lib/dpkg/status.d/' + f);
    if (t !== undefined) texts.push(t);
  }
  if (texts.length === 0) return { found: false, packages: [] };
  const seen = new Map<string, DpkgPackage>();
  for (const p of parseDpkgStatus(texts.join('\n\n'))) seen.set(`${p.package}\0${p.architecture}`, p);
  return { found: true, packages: parseSorted([...seen.values()]) };
}

function parseSorted(p: DpkgPackage[]): DpkgPackage[] {
  return p.sort((a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : a.architecture < b.architecture ? -1 : 1));
}

export async function catalogDeb(fs: RootfsReader, os: OsIdentity | undefined): Promise<{ found: boolean; packages: InventoryPackage[] }> {
  const db = await readDpkgDatabase(fs);
  const licenses = await Promise.all(
    db.packages.map(async (p) => {
      let text: Buffer | undefined;
      try {
        text = await fs.readBytes(`/usr/share/doc/${p.package}/copyright`, MAX_COPYRIGHT_BYTES);
      } catch (e) {
        // One package's copyright being a FIFO, a device or huge says nothing about its licence; it
        // is not read, and the package gets no licence rather than failing the whole SBOM.
        if (isGoldsmithError(e) && (e.code === 'IMAGE_UNSAFE_FILE' || e.code === 'IMAGE_FILE_TOO_LARGE')) return 'NOASSERTION';
        throw e;
      }
      return text === undefined ? 'NOASSERTION' : licenseFromCopyright(text);
    }),
  );
  return { found: db.found, packages: db.packages.map((p, i) => debPackage(p, licenses[i]!, os)) };
}
