/**
 * Azure Compute Gallery ids and names: the one definition of what a gallery, image definition and
 * image version id or name may be. Pure; callers turn a refusal into an error naming their field.
 */
import { idKey, parseId, resourceGroupId } from './id.js';

export const GALLERY_TYPE = 'Microsoft.Compute/galleries';
export const IMAGE_TYPE = 'Microsoft.Compute/galleries/images';
export const VERSION_TYPE = 'Microsoft.Compute/galleries/images/versions';

/** Where an image definition or version id points. Casing as given. */
export interface GalleryImageRef {
  subscription: string;
  resourceGroup: string;
  gallery: string;
  image: string;
  /** Present for a version id. */
  version?: string;
  /** The gallery's id and the image definition's id, prefixes of the id parsed. */
  galleryId: string;
  imageId: string;
}

export function galleryId(subscription: string, resourceGroup: string, gallery: string): string {
  return `${resourceGroupId(subscription, resourceGroup)}/providers/${GALLERY_TYPE}/${gallery}`;
}
export function imageId(galleryResourceId: string, image: string): string {
  return `${galleryResourceId}/images/${image}`;
}
export function versionId(imageResourceId: string, version: string): string {
  return `${imageResourceId}/versions/${version}`;
}

/**
 * Parse an image definition id, or an image version id. Undefined for anything else, including ids
 * under an extension scope and ids the general parser refuses.
 */
export function parseGalleryImageId(id: string): GalleryImageRef | undefined {
  const p = parseId(id);
  if (!p || p.kind !== 'resource' || p.parentId === undefined) return undefined;
  const type = p.type.toLowerCase();
  if (type !== IMAGE_TYPE.toLowerCase() && type !== VERSION_TYPE.toLowerCase()) return undefined;
  const { scope, types, names } = p.path!;
  if (idKey(scope) !== idKey(resourceGroupId(p.subscription!, p.resourceGroup!))) return undefined;
  const [gallery, image, version] = names as [string, string, string | undefined];
  const imageIdOf = version === undefined ? p.id : p.parentId;
  const galleryIdOf = imageIdOf.slice(0, imageIdOf.length - `/${types[1]}/${image}`.length);
  const ref = { subscription: p.subscription!, resourceGroup: p.resourceGroup!, gallery, image, galleryId: galleryIdOf, imageId: imageIdOf };
  return version === undefined ? ref : { ...ref, version };
}

// Azure: gallery names are letters, digits, underscores and periods, 1-80, starting with a letter or
// digit and not ending with a period; image definition names may also contain hyphens.
const GALLERY_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.]{0,79}$/;
const IMAGE_NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$/;

export function isGalleryName(name: string): boolean {
  return GALLERY_NAME_RE.test(name) && !name.endsWith('.');
}
export function isImageName(name: string): boolean {
  return IMAGE_NAME_RE.test(name) && !name.endsWith('.');
}
export const GALLERY_NAME_RULE = '1-80 letters, digits, underscores or periods, starting with a letter or digit and not ending with a period';
export const IMAGE_NAME_RULE = '1-80 letters, digits, hyphens, underscores or periods, starting with a letter or digit and not ending with a period';

/** A gallery image version number, `Major.Minor.Patch`, each part a 32-bit signed integer as in Azure. */
export interface VersionNumber {
  major: number;
  minor: number;
  patch: number;
}

const INT32_MAX = 2147483647;
const VERSION_RE = /^(\d+)\.(\d+)\.(\d+)$/;

/** Result form for callers that validate many inputs and report them together. */
export type ParsedVersion = { ok: true; version: VersionNumber } | { ok: false; reason: string };

export function tryParseVersion(text: string): ParsedVersion {
  const m = VERSION_RE.exec(text);
  if (!m) return { ok: false, reason: `"${text}" is not a version: expected Major.Minor.Patch with integers, e.g. 1.0.0` };
  const parts = [m[1]!, m[2]!, m[3]!];
  for (const p of parts) {
    // Leading zeros would let "1.01.0" and "1.1.0" name the same number; Azure compares parts as integers.
    if (p.length > 1 && p.startsWith('0')) {
      return { ok: false, reason: `"${text}" has a leading zero; write ${parts.map((x) => String(Number(x))).join('.')}` };
    }
    if (Number(p) > INT32_MAX) return { ok: false, reason: `"${text}" has a part larger than ${INT32_MAX}` };
  }
  return { ok: true, version: { major: Number(parts[0]), minor: Number(parts[1]), patch: Number(parts[2]) } };
}

export function isVersionName(text: string): boolean {
  return tryParseVersion(text).ok;
}
