/** One entry of a packages step: "name=version", or a bare "name" (unpinned). */
export interface PackageSpec {
  name: string;
  version?: string;
}

// Debian policy: names are lower-case alphanumerics and + - . (at least two chars), optionally
// with an :arch qualifier; versions are [epoch:]upstream[-revision].
const NAME = /^[a-z0-9][a-z0-9+.-]+(:[a-z0-9-]+)?$/;
const VERSION = /^(\d+:)?[0-9A-Za-z][0-9A-Za-z.+~:-]*$/;

export type PackageSpecResult = { ok: true; spec: PackageSpec } | { ok: false; reason: 'name' | 'version' };

export function parsePackageSpec(entry: string): PackageSpecResult {
  const eq = entry.indexOf('=');
  const name = (eq === -1 ? entry : entry.slice(0, eq)).trim();
  if (!NAME.test(name)) return { ok: false, reason: 'name' };
  if (eq === -1) return { ok: true, spec: { name } };
  const version = entry.slice(eq + 1).trim();
  if (!isDebianVersion(version)) return { ok: false, reason: 'version' };
  return { ok: true, spec: { name, version } };
}

export function isDebianVersion(v: string): boolean {
  return VERSION.test(v) && !v.endsWith('-');
}
