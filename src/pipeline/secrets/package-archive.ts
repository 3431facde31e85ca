/**
 * The package archive (.deb) as the authority on what a Debian package installs: the only source
 * that may waive a finding in a package-owned file. The image's dpkg database cannot (it is
 * image content and can be forged).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tarMembers } from './containers.js';
import type { PackageRef } from './package-files.js';

export interface PackageArchive {
  /**
   * md5 of every regular file the package's archive installs, by absolute path (`/usr/lib/x`), or
   * undefined when the archive cannot be had (not in the mirror, offline).
   */
  fileDigests(pkg: PackageRef): Promise<Map<string, string> | undefined>;
}

const SAFE_NAME = /^[a-z0-9][a-z0-9+.-]*$/;
const SAFE_VERSION = /^[A-Za-z0-9.+~:-]+$/;
const SAFE_ARCH = /^[a-z0-9-]+$/;

/** md5 by path of the regular files of a data tarball (dpkg-deb --fsys-tarfile). */
export function tarDigests(tar: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  for (const m of tarMembers(tar)) {
    if (!m.data) continue;
    const p = '/' + m.name.replace(/^\/+/, '');
    out.set(p, createHash('md5').update(m.data).digest('hex'));
    if (/^\/(bin|sbin|lib|lib32|lib64|libx32)\//.test(p)) out.set('/usr' + p, out.get(p)!);
  }
  return out;
}

/**
 * Downloads a package's .deb from the build host's configured apt sources with `apt-get download`
 * (apt checks the file against the signed index, as for an install) and hashes its data tarball.
 * Results, including "not available", are kept for the life of the object, so each package costs
 * one download per scan at most. The package name, version and architecture come from the image:
 * they are checked against Debian's syntax before they reach a command line.
 */
export class AptPackageArchive implements PackageArchive {
  private cache = new Map<string, Map<string, string> | undefined>();
  constructor(private readonly opts: { timeoutMs?: number; maxDebBytes?: number } = {}) {}

  async fileDigests(pkg: PackageRef): Promise<Map<string, string> | undefined> {
    const key = `${pkg.name}:${pkg.architecture}=${pkg.version}`;
    if (this.cache.has(key)) return this.cache.get(key);
    let result: Map<string, string> | undefined;
    if (SAFE_NAME.test(pkg.name) && SAFE_VERSION.test(pkg.version) && SAFE_ARCH.test(pkg.architecture)) {
      const dir = mkdtempSync(join(tmpdir(), 'goldsmith-deb-'));
      try {
        const timeout = this.opts.timeoutMs ?? 120_000;
        const spec = pkg.architecture === 'all' ? `${pkg.name}=${pkg.version}` : `${pkg.name}:${pkg.architecture}=${pkg.version}`;
        const dl = spawnSync('apt-get', ['-q', 'download', '--', spec], { cwd: dir, timeout, stdio: 'ignore' });
        const deb = readdirSync(dir).find((n) => n.endsWith('.deb'));
        if (dl.status === 0 && deb) {
          const tar = spawnSync('dpkg-deb', ['--fsys-tarfile', join(dir, deb)], { timeout, maxBuffer: this.opts.maxDebBytes ?? 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
          if (tar.status === 0 && tar.stdout) result = tarDigests(tar.stdout);
        }
      } catch {
        result = undefined;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    this.cache.set(key, result);
    return result;
  }
}

/** For tests and offline use: archives given as .deb files on the host. */
export function debFileDigests(debPath: string): Map<string, string> {
  const tar = spawnSync('dpkg-deb', ['--fsys-tarfile', debPath], { maxBuffer: 1024 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
  if (tar.status !== 0) throw new Error(`dpkg-deb could not read ${debPath}`);
  return tarDigests(tar.stdout);
}
