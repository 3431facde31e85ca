import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseDeb822 } from '../../sbom/dpkg-status.js';

/**
 * What Debian packages installed, by image path → md5, from dpkg's own records: the
 * /var/lib/dpkg/info/*.md5sums files and the Conffiles field of /var/lib/dpkg/status. A file still
 * byte-identical to what its package shipped is the same on every Debian machine in the world, so
 * a "password" in it (openssl.cnf's demo CMP secret, a docstring example in Python's stdlib) is
 * public, not a secret of this image. Generated files (host keys, shadow) are never in these lists.
 */
export class PackageFiles {
  private digests: Map<string, string> | undefined;
  constructor(private readonly rootDir: string) {}

  /** True when the content equals what a package installed at this path. */
  isPristine(imagePath: string, content: Buffer): boolean {
    const want = this.load().get(imagePath);
    return want !== undefined && createHash('md5').update(content).digest('hex') === want;
  }

  private load(): Map<string, string> {
    if (this.digests) return this.digests;
    const m = new Map<string, string>();
    const add = (path: string, md5: string) => {
      const p = path.startsWith('/') ? path : '/' + path;
      m.set(p, md5);
      // merged /usr: a package's /lib/x is found by the walk at /usr/lib/x
      if (/^\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(p)) m.set('/usr' + p, md5);
    };
    const info = join(this.rootDir, 'var/lib/dpkg/info');
    let names: string[] = [];
    try {
      names = readdirSync(info).filter((n) => n.endsWith('.md5sums'));
    } catch {
      // no dpkg database: nothing is known to be pristine
    }
    for (const n of names) {
      try {
        for (const line of readFileSync(join(info, n), 'latin1').split('\n')) {
          const sp = line.indexOf('  ');
          if (sp === 32) add(line.slice(34), line.slice(0, 32));
        }
      } catch {
        // unreadable list: skip it
      }
    }
    try {
      for (const stanza of parseDeb822(readFileSync(join(this.rootDir, 'var/lib/dpkg/status'), 'latin1'))) {
        for (const line of (stanza['Conffiles'] ?? '').split('\n')) {
          const [path, md5] = line.trim().split(/\s+/);
          if (path && md5 && /^[0-9a-f]{32}$/.test(md5)) add(path, md5);
        }
      }
    } catch {
      // no status file
    }
    this.digests = m;
    return m;
  }
}
