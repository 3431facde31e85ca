/** catalogRootfs: everything the SBOM knows about a root filesystem directory. Reads files only. */
import { stat } from 'node:fs/promises';
import { InputError } from '../errors/index.js';
import { catalogApk } from './apk-cataloger.js';
import { catalogDeb } from './deb-cataloger.js';
import { sortPackages, type Inventory } from './inventory.js';
import { MAX_OS_RELEASE_BYTES, parseOsRelease as parseKeyValue } from '../image/os-release.js';
import { osIdentity } from './os-release.js';
import { RootfsReader } from './rootfs-reader.js';
import { catalogRpm } from './rpm-cataloger.js';

export const TATTOO_PATH = '/etc/goldsmith/tattoo';

export async function catalogRootfs(dir: string): Promise<Inventory> {
  const st = await stat(dir).catch(() => undefined);
  if (!st?.isDirectory()) {
    throw new InputError('SBOM_ROOTFS_INVALID', `root filesystem '${dir}' is not a directory`, { where: dir });
  }
  const fs = new RootfsReader(dir);
  const osText = (await fs.readText('/etc/os-release', MAX_OS_RELEASE_BYTES)) ?? (await fs.readText('/usr/lib/os-release', MAX_OS_RELEASE_BYTES));
  const os = osText === undefined ? undefined : osIdentity(osText);
  const tattooText = await fs.readText(TATTOO_PATH, MAX_OS_RELEASE_BYTES);
  const [deb, apk, rpm] = await Promise.all([catalogDeb(fs, os), catalogApk(fs, os), catalogRpm(fs, os)]);
  const notes: string[] = [];
  if (!os) notes.push('no /etc/os-release: OS identity unknown and purls carry no distro qualifier');
  if (rpm.note) notes.push(rpm.note);
  if (!deb.found && !apk.found && !rpm.found) notes.push('no package database found (dpkg, apk or rpm)');
  return {
    ...(os ? { os } : {}),
    ...(tattooText !== undefined ? { tattoo: parseKeyValue(tattooText) } : {}),
    packages: sortPackages([...deb.packages, ...apk.packages, ...rpm.packages]),
    notes,
  };
}
