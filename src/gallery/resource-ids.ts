import {
  GALLERY_NAME_RULE,
  IMAGE_NAME_RULE,
  isGalleryName,
  isImageName,
  isResourceGroupName,
  isSubscriptionId,
  parseGalleryImageId,
} from '../arm/index.js';
import { InputError } from '../errors/index.js';

/** Gallery errors over the shared id and name rules in src/arm. */
export { galleryId, imageId, versionId } from '../arm/index.js';

export function parseVersionId(id: string): { subscription: string; resourceGroup: string; gallery: string; image: string; version: string } {
  const ref = parseGalleryImageId(id);
  if (ref?.version === undefined) throw new InputError('GALLERY_BAD_ID', `not a gallery image version id: ${id}`, { where: id });
  const { subscription, resourceGroup, gallery, image, version } = ref;
  return { subscription, resourceGroup, gallery, image, version };
}

const REGION_RE = /^[a-z0-9][a-z0-9-]{0,63}$/;

export function assertGalleryName(name: string, where = 'gallery.name'): void {
  if (!isGalleryName(name)) throw new InputError('GALLERY_BAD_NAME', `gallery name "${name}" must be ${GALLERY_NAME_RULE}`, { where });
}
export function assertImageName(name: string, where = 'image.name'): void {
  if (!isImageName(name)) throw new InputError('GALLERY_BAD_NAME', `image definition name "${name}" must be ${IMAGE_NAME_RULE}`, { where });
}
/** The subscription and resource group a gallery lives in: the same rules the fleet's id parser applies. */
export function assertScopeName(value: string, what: 'subscription' | 'resourceGroup'): void {
  const ok = what === 'subscription' ? isSubscriptionId(value) : isResourceGroupName(value);
  if (!ok) throw new InputError('GALLERY_BAD_NAME', `${what} "${value}" is not a valid name`, { where: what });
}
/** Region names are lower-case Azure-style short names ("westeurope"); they also name artifact store roots. */
export function normalizeRegion(name: string, where = 'region'): string {
  const n = String(name).trim().toLowerCase().replace(/\s+/g, '');
  if (!REGION_RE.test(n)) throw new InputError('GALLERY_BAD_REGION', `region "${name}" must be letters, digits and hyphens, e.g. westeurope`, { where });
  return n;
}
