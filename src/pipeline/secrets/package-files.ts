import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parseDeb822 } from '../../sbom/dpkg-status.js';
import { isRealDir, readRegular } from './safe-open.js';

/** A Debian binary package as the image's dpkg database names it. */
export interface PackageRef {
  name: string;
  version: string;
  architecture: string;
}

/** Who the image says installed a file, and the md5 it says the file had. Only a hint: see below. */
export interface PackageClaim {
  package: PackageRef;
  md5: string;
}

/**
 * What the image's dpkg database says Debian packages installed, by image path: the
 * /var/lib/dpkg/info/*.md5sums files and the Conffiles field of /var/lib/dpkg/status.
 *
 * None of it is trusted: the image can edit every one of these files (issue 10: a forged md5sums
 * line hid a planted key). A claim only says which package archive to ask; a hit is waived only when
 * that archive's own content (PackageArchive) has the file with the same digest.
 */
export class PackageFiles {
  private claims: Map<string, PackageClaim> | undefined;
  constructor(private readonly rootDir: string) {}

  claim(imagePath: string): PackageClaim | undefined {
    return this.load().get(imagePath);
  }

  private load(): Map<string, PackageClaim> {
    if (this.claims) return this.claims;
    const m = new Map<string, PackageClaim>();
    const add = (path: string, md5: string, pkg: PackageRef) => {
      const p = path.startsWith('/') ? path : '/' + path;
      m.set(p, { package: pkg, md5 });
      // merged /usr: a package's /lib/x is found by the walk at /usr/lib/x
      if (/^\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(p)) m.set('/usr' + p, { package: pkg, md5 });
    };
    const byName = new Map<string, PackageRef[]>();
    let stanzas: Array<Record<string, string>> = [];
    // The image's own files, read without following links and bounded (a status file is a few MB).
    const dpkgDir = isRealDir(this.rootDir, 'var/lib/dpkg');
    const status = dpkgDir ? readRegular(join(this.rootDir, 'var/lib/dpkg/status'), 64 * 1024 * 1024) : undefined;
    if (status) stanzas = parseDeb822(status.toString('latin1')).filter((s) => /\binstalled$/.test(s['Status'] ?? ''));
    for (const s of stanzas) {
      const ref = { name: s['Package'] ?? '', version: s['Version'] ?? '', architecture: s['Architecture'] ?? '' };
      if (!ref.name || !ref.version) continue;
      byName.set(ref.name, [...(byName.get(ref.name) ?? []), ref]);
      for (const line of (s['Conffiles'] ?? '').split('\n')) {
        const [path, md5] = line.trim().split(/\s+/);
        if (path && md5 && /^[0-9a-f]{32}$/.test(md5)) add(path, md5, ref);
      }
    }
    const info = join(this.rootDir, 'var/lib/dpkg/info');
    let names: string[] = [];
    try {
      if (isRealDir(this.rootDir, 'var/lib/dpkg/info')) names = readdirSync(info).filter((n) => n.endsWith('.md5sums'));
    } catch {
      // no dpkg database
    }
    for (const n of names) {
      const [name, arch] = n.slice(0, -'.md5sums'.length).split(':');
      const refs = byName.get(name!) ?? [];
      const ref = refs.find((r) => !arch || r.architecture === arch) ?? refs[0];
      if (!ref) continue;
      // A FIFO, a link or a huge file gives no claims.
      const text = readRegular(join(info, n), 16 * 1024 * 1024)?.toString('latin1') ?? '';
      for (const line of text.split('\n')) {
        if (line.indexOf('  ') === 32) add(line.slice(34), line.slice(0, 32), ref);
      }
    }
    this.claims = m;
    return m;
  }
}
