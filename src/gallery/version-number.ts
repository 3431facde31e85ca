import { tryParseVersion, type VersionNumber } from '../arm/index.js';
import { InputError } from '../errors/index.js';

export { tryParseVersion, type ParsedVersion, type VersionNumber } from '../arm/index.js';

/** Parse `Major.Minor.Patch`; throws GALLERY_BAD_VERSION naming the text and `where`. */
export function parseVersion(text: string, where?: string): VersionNumber {
  const r = tryParseVersion(text);
  if (!r.ok) throw new InputError('GALLERY_BAD_VERSION', r.reason, { where });
  return r.version;
}

export function formatVersion(v: VersionNumber): string {
  return `${v.major}.${v.minor}.${v.patch}`;
}

/** Numeric order: negative when a < b. Never lexical ("1.10.0" > "1.9.0"). */
export function compareVersions(a: VersionNumber, b: VersionNumber): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch;
}

export function toVersion(v: VersionNumber | string): VersionNumber {
  return typeof v === 'string' ? parseVersion(v) : v;
}
