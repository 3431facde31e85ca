import { ConflictError, InputError, isGoldsmithError, NotFoundError } from '../errors/index.js';
import type { GalleryService, GalleryVersionView } from '../gallery/index.js';
import { parseImageSpec } from './vm-document.js';
import type { ImageReference } from './types.js';

export interface ResolvedImage {
  reference: ImageReference;
  /** The region the image lives in, when the caller gave none (a VM is created where its image is). */
  location?: string;
}

/**
 * Turn an --image argument into Azure's imageReference. A gallery `latest` keeps Azure's shape: the
 * reference is the definition id and exactVersion records what latest resolved to in the VM's region
 * now. A named version must exist, not be soft-deleted, and be replicated to the VM's region.
 */
export async function resolveImage(gallery: GalleryService, image: string | ImageReference, location: string | undefined): Promise<ResolvedImage> {
  const spec = parseImageSpec(image);
  if (spec.kind === 'marketplace') {
    const r = spec.reference;
    return { reference: r.version && r.version.toLowerCase() !== 'latest' ? { ...r, exactVersion: r.version } : r };
  }
  if (spec.kind === 'reference') return { reference: spec.reference };
  let galleryRef: string;
  let imageName: string;
  if (spec.kind === 'gallery') {
    galleryRef = spec.gallery;
    imageName = spec.image;
  } else {
    const cut = spec.definitionId.search(/\/images\//i);
    galleryRef = spec.definitionId.slice(0, cut);
    imageName = spec.definitionId.slice(cut + '/images/'.length);
  }
  const def = await gallery.getImageDefinition(galleryRef, imageName);
  const region = location === undefined ? undefined : location.trim().toLowerCase().replace(/\s+/g, '');
  if (spec.version === 'latest') {
    const v = await gallery.resolveLatest(def.galleryId, def.name, region);
    if (!v) {
      throw new NotFoundError('FLEET_NO_LATEST', `no version of ${def.gallery}/${def.name} is eligible for latest${region ? ` in ${region}` : ''}`, {
        where: 'image',
      });
    }
    return { reference: { id: def.id, exactVersion: v.name }, ...(region ? {} : { location: homeRegion(v) }) };
  }
  const v = await gallery.showVersion({ gallery: def.galleryId, image: def.name, version: spec.version }).catch((e: unknown) => {
    if (isGoldsmithError(e) && e.code === 'GALLERY_BAD_VERSION') throw new InputError('FLEET_BAD_IMAGE', e.message, { where: 'image' });
    throw e;
  });
  if (v.deletedAt) throw new ConflictError('FLEET_IMAGE_DELETED', `version ${v.name} of ${def.gallery}/${def.name} is soft-deleted`, { where: v.id });
  if (region && !v.replicationStatus.some((r) => r.region === region && r.state === 'Completed')) {
    throw new ConflictError('FLEET_IMAGE_NOT_IN_REGION', `version ${v.name} of ${def.gallery}/${def.name} is not replicated to ${region} (it is in ${v.targetRegions.map((t) => t.name).join(', ')})`, {
      where: 'location',
    });
  }
  return { reference: { id: v.id, exactVersion: v.name }, ...(region ? {} : { location: homeRegion(v) }) };
}

/** The version's source region when it was replicated there, else its first target region. */
function homeRegion(v: GalleryVersionView): string {
  return v.targetRegions.some((t) => t.name === v.location) ? v.location : (v.targetRegions[0]?.name ?? v.location);
}
