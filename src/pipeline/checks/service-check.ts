import { readdir } from 'node:fs/promises';
import { basename } from 'node:path';
import { fail, pass, type CheckOutcome } from './check-result.js';
import { readFileInRoot, resolveInRoot } from './root-path.js';

/** Unit files are a few KB; a larger one is not a unit file. */
const MAX_UNIT_BYTES = 1024 * 1024;

/**
 * `systemctl is-enabled` without running systemctl: the image is not booted, and enablement is
 * nothing but files. A unit is enabled when a symlink to it sits in a *.wants/ or *.requires/
 * directory under /etc/systemd/system (what `systemctl enable` creates from the unit's
 * [Install] WantedBy=/RequiredBy=), or in the vendor's /usr/lib/systemd/system/*.wants/. A unit
 * without an [Install] section is "static" (enabled as a dependency; systemctl exits 0 for it).
 * A link to /dev/null masks it. Images without a native unit fall back to SysV rc?.d S links,
 * which systemd's sysv generator honours too.
 */
const ADMIN_DIR = '/etc/systemd/system';
const UNIT_DIRS = [ADMIN_DIR, '/usr/local/lib/systemd/system', '/usr/lib/systemd/system', '/lib/systemd/system'];
const SUFFIX = /\.(service|socket|timer|path|target|mount|automount|swap|slice)$/;

export function unitName(service: string): string {
  return SUFFIX.test(service) ? service : `${service}.service`;
}

/** [Install] keys of a unit file (lists split on whitespace). */
export function installSection(unitText: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  let inInstall = false;
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line.startsWith('[')) {
      inInstall = line === '[Install]';
      continue;
    }
    if (!inInstall || line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const vals = line.slice(eq + 1).trim().split(/\s+/).filter(Boolean);
    out[key] = vals.length ? [...(out[key] ?? []), ...vals] : []; // an empty assignment resets the list
  }
  return out;
}

/** Links named `unit` in <dir>/*.wants and <dir>/*.requires. */
async function dependencyLinks(root: string, dir: string, unit: string): Promise<string[]> {
  const d = await resolveInRoot(root, dir);
  if (!d.stat?.isDirectory()) return [];
  const found: string[] = [];
  for (const e of await readdir(d.hostPath)) {
    if (!/\.(wants|requires|upholds)$/.test(e)) continue;
    const link = await resolveInRoot(root, `${dir}/${e}/${unit}`, false);
    if (link.stat) found.push(`${dir}/${e}/${unit}`);
  }
  return found;
}

async function findUnitFile(root: string, unit: string): Promise<{ path: string; text: string } | undefined> {
  const template = unit.replace(/@[^.]+\./, '@.');
  for (const name of template === unit ? [unit] : [unit, template]) {
    for (const dir of UNIT_DIRS) {
      const r = await resolveInRoot(root, `${dir}/${name}`);
      if (!r.stat?.isFile()) continue;
      const f = await readFileInRoot(root, r.imagePath, { maxBytes: MAX_UNIT_BYTES });
      if (f) return { path: r.imagePath, text: f.text };
    }
  }
  return undefined;
}

async function sysvEnabled(root: string, name: string): Promise<CheckOutcome | undefined> {
  const script = await resolveInRoot(root, `/etc/init.d/${name}`);
  if (!script.stat?.isFile()) return undefined;
  const links: string[] = [];
  for (const level of ['2', '3', '4', '5']) {
    const d = await resolveInRoot(root, `/etc/rc${level}.d`);
    if (!d.stat?.isDirectory()) continue;
    for (const e of await readdir(d.hostPath)) if (new RegExp(`^S\\d\\d${name.replace(/[.+]/g, '\\$&')}$`).test(e)) links.push(`/etc/rc${level}.d/${e}`);
  }
  if (links.length) return pass(`${name} is enabled as a SysV service: ${links.join(', ')}`);
  return fail(`expected ${name} to be enabled; /etc/init.d/${name} exists but no /etc/rc[2-5].d/S??${name} link starts it (update-rc.d ${name} defaults)`);
}

export async function serviceEnabled(root: string, service: string, depth = 0): Promise<CheckOutcome> {
  let unit = unitName(service);
  // An admin-dir symlink is either a mask (to /dev/null) or an alias (to a unit with another name).
  const admin = await resolveInRoot(root, `${ADMIN_DIR}/${unit}`, false);
  if (admin.stat?.isSymbolicLink()) {
    const target = await resolveInRoot(root, `${ADMIN_DIR}/${unit}`);
    if (target.imagePath === '/dev/null') return fail(`expected ${unit} to be enabled; it is masked (${ADMIN_DIR}/${unit} → /dev/null)`);
    if (basename(target.imagePath) !== unit && target.stat?.isFile()) unit = basename(target.imagePath);
  }
  const file = await findUnitFile(root, unit);
  if (!file) {
    const sysv = await sysvEnabled(root, unit.replace(/\.service$/, ''));
    if (sysv) return sysv;
    return fail(`expected ${unit} to be enabled; no unit file in ${UNIT_DIRS.join(', ')} and no /etc/init.d script`);
  }
  const links = await dependencyLinks(root, ADMIN_DIR, unit);
  if (links.length) return pass(`${unit} is enabled: ${links.join(', ')}`);
  const vendor = [...(await dependencyLinks(root, '/usr/lib/systemd/system', unit)), ...(await dependencyLinks(root, '/lib/systemd/system', unit))];
  if (vendor.length) return pass(`${unit} is enabled by its package: ${vendor[0]}`);
  const install = installSection(file.text);
  const by = [...(install.WantedBy ?? []), ...(install.RequiredBy ?? []), ...(install.UpheldBy ?? [])];
  if (by.length) {
    const want = by.map((t) => `${ADMIN_DIR}/${t}.${install.RequiredBy?.includes(t) ? 'requires' : 'wants'}/${unit}`);
    return fail(`expected ${unit} to be enabled; it is disabled: ${file.path} is installed by ${by.join(', ')} but ${want.join(' / ')} is missing (systemctl enable ${unit})`);
  }
  if (install.Also?.length && depth === 0) {
    // "indirect": enabling it enables the Also= units instead (e.g. a service started by its socket).
    for (const also of install.Also) {
      const r = await serviceEnabled(root, also, 1);
      if (r.status === 'passed') return pass(`${unit} is enabled indirectly through ${also}: ${r.message}`);
    }
    return fail(`expected ${unit} to be enabled; it has no WantedBy= and none of its Also= units (${install.Also.join(', ')}) is enabled`);
  }
  if (install.Alias?.length) return fail(`expected ${unit} to be enabled; it is disabled (${file.path} only declares Alias=)`);
  return pass(`${unit} is static: ${file.path} has no [Install] section, so it starts when another unit needs it`);
}
