/** Alpine packages from /lib/apk/db/installed (P: name, V: version, A: arch, o: origin, L: license). */
import { distroQualifier, type InventoryPackage, type OsIdentity } from './inventory.js';
import { normaliseDeclaredLicense } from './license-expression.js';
import { formatPurl } from './purl.js';
import type { RootfsReader } from './rootfs-reader.js';

export interface ApkRecord {
  name: string;
  version: string;
  arch: string;
  origin?: string;
  license?: string;
}

/** Parse the installed database: one record per blank-line-separated block of single-letter fields. Pure. */
export function parseApkInstalled(text: string): ApkRecord[] {
  const out: ApkRecord[] = [];
  let cur: Record<string, string> = {};
  const flush = () => {
    if (cur['P'] && cur['V']) {
      out.push({
        name: cur['P'],
        version: cur['V'],
        arch: cur['A'] ?? 'noarch',
        ...(cur['o'] ? { origin: cur['o'] } : {}),
        ...(cur['L'] ? { license: cur['L'] } : {}),
      });
    }
    cur = {};
  };
  for (const line of text.split('\n')) {
    if (line.trim() === '') flush();
    else if (line[1] === ':' && !(line[0]! in cur)) cur[line[0]!] = line.slice(2);
  }
  flush();
  return out;
}

export function apkPurl(name: string, version: string, arch: string, os: OsIdentity | undefined): string {
  const distro = distroQualifier(os);
  return formatPurl({ type: 'apk', namespace: os?.id ?? 'alpine', name, version, qualifiers: { arch, ...(distro ? { distro } : {}) } });
}

export async function catalogApk(fs: RootfsReader, os: OsIdentity | undefined): Promise<{ found: boolean; packages: InventoryPackage[] }> {
  const text = await fs.readText('/lib/apk/db/installed');
  if (text === undefined) return { found: false, packages: [] };
  return {
    found: true,
    packages: parseApkInstalled(text).map((r) => ({
      ecosystem: 'apk' as const,
      name: r.name,
      version: r.version,
      arch: r.arch,
      source: { name: r.origin ?? r.name, version: r.version },
      license: normaliseDeclaredLicense(r.license),
      purl: apkPurl(r.name, r.version, r.arch, os),
    })),
  };
}
