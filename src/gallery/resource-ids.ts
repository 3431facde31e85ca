import { InputError } from '../errors/index.js';

/** Azure-style ids and name rules for galleries, image definitions and versions. */
export function galleryId(subscription: string, resourceGroup: string, gallery: string): string {
  return `/subscriptions/${subscription}/resourceGroups/${resourceGroup}/providers/Microsoft.Compute/galleries/${gallery}`;
}
export function imageId(galleryResourceId: string, image: string): string {
  return `${galleryResourceId}/images/${image}`;
}
export function versionId(imageResourceId: string, version: string): string {
  return `${imageResourceId}/versions/${version}`;
}

const VERSION_ID_RE =
  /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/i;

export function parseVersionId(id: string): { subscription: string; resourceGroup: string; gallery: string; image: string; version: string } {
  const m = VERSION_ID_RE.exec(id);
  if (!m) throw new InputError('GALLERY_BAD_ID', `not a gallery image version id: ${id}`, { where: id });
  return { subscription: m[1]!, resourceGroup: m[2]!, gallery: m[3]!, image: m[4]!, version: m[5]! };
}

// Azure: gallery names allow alphanumerics, underscores and periods; image definitions also hyphens.
const GALLERY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.]{0,79}$/;
const IMAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;
const REGION_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;
const SCOPE_RE = /^[A-Za-z0-9_.()-]{1,90}$/;

export function assertGalleryName(name: string, where = 'gallery.name'): void {
  if (!GALLERY_NAME_RE.test(name) || name.endsWith('.')) {
    throw new InputError('GALLERY_BAD_NAME', `gallery name "${name}" must be 1-80 letters, digits, underscores or periods, starting with a letter or digit`, { where });
  }
}
export function assertImageName(name: string, where = 'image.name'): void {
  if (!IMAGE_NAME_RE.test(name) || name.endsWith('.')) {
    throw new InputError('GALLERY_BAD_NAME', `image definition name "${name}" must be 1-80 letters, digits, hyphens, underscores or periods`, { where });
  }
}
export function assertScopeName(value: string, what: string): void {
  if (!SCOPE_RE.test(value)) throw new InputError('GALLERY_BAD_NAME', `${what} "${value}" is not a valid name`, { where: what });
}
/** Region names are lower-case Azure-style short names ("westeurope"); they also name artifact store roots. */
export function normalizeRegion(name: string, where = 'region'): string {
  const n = String(name).trim().toLowerCase().replace(/\s+/g, '');
  if (!REGION_RE.test(n)) throw new InputError('GALLERY_BAD_REGION', `region "${name}" must be letters, digits and hyphens, e.g. westeurope`, { where });
  return n;
}
