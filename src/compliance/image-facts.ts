import { parseGalleryImageId } from '../arm/index.js';
import { imageFactsFor as fleetImageFactsFor, imageReferenceOf, loadGalleryIndex as fleetLoadGalleryIndex, type GalleryIndex as FleetGalleryIndex } from '../fleet/index.js';
import type { ImageFacts, Resource } from '../policy/index.js';
import type { Queryable } from '../store/index.js';

/**
 * Where image lifecycle facts for the Goldsmith.* aliases come from: by default the fleet's gallery
 * index (latest, exclusion, aging, end of life, and the definition's security type).
 */
export interface ImageFactsSource<I = unknown> {
  load(q: Queryable): Promise<I>;
  factsFor(vmDoc: Resource, index: I, now: Date): ImageFacts | undefined;
}

export type GalleryIndex = FleetGalleryIndex;
export const loadGalleryIndex = fleetLoadGalleryIndex;

/** Facts for a VM or scale set with an image reference; undefined for anything else. */
export function imageFactsFor(vmDoc: Resource, index: GalleryIndex, now: Date): ImageFacts | undefined {
  return imageReferenceOf(vmDoc) ? fleetImageFactsFor(vmDoc, index, now) : undefined;
}

export const galleryImageFacts: ImageFactsSource<GalleryIndex> = { load: loadGalleryIndex, factsFor: imageFactsFor };

/** A short label for roll-ups: gallery/image/version, or publisher:offer:sku:version. */
export function imageLabel(vmDoc: Resource, facts: ImageFacts | undefined): string | null {
  if (facts?.versionId) {
    const g = parseGalleryImageId(facts.versionId);
    if (g?.version !== undefined) return `${g.gallery}/${g.image}/${g.version}`.toLowerCase();
  }
  const ref = imageReferenceOf(vmDoc) as Record<string, unknown> | undefined;
  if (!ref) return null;
  if (typeof ref.publisher === 'string') return [ref.publisher, ref.offer, ref.sku, ref.version].map((x) => String(x ?? '')).join(':');
  return typeof ref.id === 'string' ? ref.id.toLowerCase() : null;
}
