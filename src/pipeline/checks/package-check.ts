import { parseDpkgStatus, type DpkgPackage } from '../../sbom/dpkg-status.js';
import { fail, pass, type CheckOutcome } from './check-result.js';
import { readFileInRoot } from './root-path.js';

export const DPKG_STATUS = '/var/lib/dpkg/status';

/** Installed packages of the image, or undefined when it has no dpkg database (not Debian-based). */
export async function readInstalledPackages(root: string): Promise<DpkgPackage[] | undefined> {
  const f = await readFileInRoot(root, DPKG_STATUS);
  return f ? parseDpkgStatus(f.text) : undefined;
}

/** `name` may carry an architecture ("libc6:amd64"); `version` must match exactly when given. */
export function packageInstalled(pkgs: DpkgPackage[] | undefined, name: string, version?: string): CheckOutcome {
  if (!pkgs) return fail(`expected package ${name} to be installed; the image has no ${DPKG_STATUS}`);
  const [pkg, arch] = name.split(':');
  const found = pkgs.filter((p) => p.package === pkg && (!arch || p.architecture === arch));
  if (found.length === 0) return fail(`expected package ${name}${version ? ` ${version}` : ''} to be installed; it is not`);
  const desc = found.map((p) => `${p.package}:${p.architecture} ${p.version}`).join(', ');
  if (version === undefined) return pass(`installed: ${desc}`);
  if (found.some((p) => p.version === version)) return pass(`installed at the expected version: ${desc}`);
  return fail(`expected package ${name} at version ${version}; found ${desc}`);
}
