import { InputError } from '../errors/index.js';
import { compareVersions, formatVersion, toVersion, type VersionNumber } from './version-number.js';

/**
 * Azure Image Builder's "Latest" versioning scheme: take the highest existing version within
 * `major` (or overall when no major is given) and add one to its patch; when that major has no
 * version yet, start at MAJOR.0.0.
 *
 * `existing` must include soft-deleted versions: in Azure a soft-deleted version still holds its
 * number until it is purged, so handing that number out again would collide.
 * With no versions at all and no major, the first version is 1.0.0.
 */
export function nextVersion(existing: ReadonlyArray<VersionNumber | string>, major?: number): string {
  // AIB treats -1 as "unset".
  const m = major === undefined || major === -1 ? undefined : major;
  if (m !== undefined && (!Number.isInteger(m) || m < 0 || m > 2147483647)) {
    throw new InputError('GALLERY_BAD_MAJOR', `major must be a non-negative integer (or -1 for unset), got ${major}`);
  }
  let best: VersionNumber | undefined;
  for (const e of existing) {
    const v = toVersion(e);
    if (m !== undefined && v.major !== m) continue;
    if (!best || compareVersions(v, best) > 0) best = v;
  }
  if (!best) return formatVersion({ major: m ?? 1, minor: 0, patch: 0 });
  return formatVersion({ ...best, patch: best.patch + 1 });
}
