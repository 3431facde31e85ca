import { imageFactsFor as fleetImageFactsFor, imageReferenceOf, loadGalleryIndex as fleetLoadGalleryIndex, type GalleryIndex as FleetGalleryIndex } from '../fleet/index.js';
import type { ImageFacts, Resource } from '../policy/index.js';
import type { Queryable } from '../store/index.js';

/**
 * Where image lifecycle facts for the Goldsmith.* aliases come from. The default is the fleet's
 * (loadGalleryIndex / imageFactsFor: latest, exclusion, aging, end of life), plus the one fact
 * compliance adds: the security type the image definition declares, for Trusted Launch rules.
 */
export interface ImageFactsSource<I = unknown> {
  load(q: Queryable): Promise<I>;
  factsFor(vmDoc: Resource, index: I, now: Date): ImageFacts | undefined;
}

export interface GalleryIndex {
  fleet: FleetGalleryIndex;
  /** Image definition id (lower-cased) → its SecurityType feature. */
  securityTypes: Map<string, string>;
}

const TRUSTED = new Set(['trustedlaunch', 'trustedlaunchsupported', 'trustedlaunchandconfidentialvmsupported']);

export async function loadGalleryIndex(q: Queryable): Promise<GalleryIndex> {
  const [fleet, rows] = await Promise.all([
    fleetLoadGalleryIndex(q),
    q.query<{ id_lower: string; security_type: string | null }>(
      `SELECT id_lower, (SELECT f->>'value' FROM jsonb_array_elements(coalesce(doc#>'{properties,features}', '[]'::jsonb)) f WHERE lower(f->>'name') = 'securitytype' LIMIT 1) AS security_type
       FROM resources WHERE type = 'microsoft.compute/galleries/images'`,
    ),
  ]);
  return { fleet, securityTypes: new Map(rows.filter((r) => r.security_type).map((r) => [r.id_lower, r.security_type!])) };
}

export function imageFactsFor(vmDoc: Resource, index: GalleryIndex, now: Date): ImageFacts | undefined {
  if (!imageReferenceOf(vmDoc)) return undefined;
  const facts = fleetImageFactsFor(vmDoc, index.fleet, now);
  if (!facts.fromGallery) return facts;
  const id = String(imageReferenceOf(vmDoc)?.id ?? '').toLowerCase();
  const def = /^(.*\/providers\/microsoft\.compute\/galleries\/[^/]+\/images\/[^/]+)/.exec(id)?.[1];
  const st = def ? index.securityTypes.get(def) : undefined;
  if (st) facts.securityType = st;
  facts.supportsTrustedLaunch = st !== undefined && TRUSTED.has(st.toLowerCase());
  return facts;
}

export const galleryImageFacts: ImageFactsSource<GalleryIndex> = { load: loadGalleryIndex, factsFor: imageFactsFor };

/** A short label for roll-ups: gallery/image/version, or publisher:offer:sku:version. */
export function imageLabel(vmDoc: Resource, facts: ImageFacts | undefined): string | null {
  if (facts?.versionId) {
    const m = /\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/i.exec(facts.versionId);
    if (m) return `${m[1]}/${m[2]}/${m[3]}`.toLowerCase();
  }
  const ref = imageReferenceOf(vmDoc) as Record<string, unknown> | undefined;
  if (!ref) return null;
  if (typeof ref.publisher === 'string') return [ref.publisher, ref.offer, ref.sku, ref.version].map((x) => String(x ?? '')).join(':');
  return typeof ref.id === 'string' ? ref.id.toLowerCase() : null;
}
