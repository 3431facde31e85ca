import type { ImageFacts, Resource } from '../policy/index.js';
import type { Queryable } from '../store/index.js';

/**
 * Image lifecycle facts for the Goldsmith.* aliases, computed from the gallery's documents in the
 * resources table. The fleet domain owns the canonical version of this (loadGalleryIndex /
 * imageFactsFor); compliance takes any source with the same shape, so either can be plugged in.
 */
export interface ImageFactsSource<I = unknown> {
  load(q: Queryable): Promise<I>;
  factsFor(vmDoc: Resource, index: I, now: Date): ImageFacts | undefined;
}

interface VersionInfo {
  id: string;
  version: string;
  excluded: boolean;
  publishedDate?: string;
  endOfLifeDate?: string;
  agedAt?: string;
  storedLifecycle?: string;
  tattoo?: Record<string, unknown>;
}
interface ImageInfo {
  id: string;
  securityType?: string;
  endOfLifeDate?: string;
  versions: VersionInfo[];
  latest?: VersionInfo;
}
export interface GalleryIndex {
  images: Map<string, ImageInfo>;
  versions: Map<string, VersionInfo & { image: string }>;
}

const VERSION_T = 'microsoft.compute/galleries/images/versions';
const IMAGE_T = 'microsoft.compute/galleries/images';
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const obj = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

function cmpVersion(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < 3; i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return (pa[i] ?? 0) - (pb[i] ?? 0);
  return 0;
}

export function buildGalleryIndex(rows: Array<{ id: string; type: string; doc: Record<string, unknown> }>): GalleryIndex {
  const images = new Map<string, ImageInfo>();
  const versions = new Map<string, VersionInfo & { image: string }>();
  const image = (idLower: string) => {
    let i = images.get(idLower);
    if (!i) images.set(idLower, (i = { id: idLower, versions: [] }));
    return i;
  };
  for (const r of rows) {
    const p = obj(r.doc.properties);
    const idLower = r.id.toLowerCase();
    if (r.type === IMAGE_T) {
      const i = image(idLower);
      i.securityType = str((Array.isArray(p.features) ? (p.features as Array<{ name?: string; value?: string }>) : []).find((f) => f?.name?.toLowerCase() === 'securitytype')?.value);
      i.endOfLifeDate = str(p.endOfLifeDate);
    } else if (r.type === VERSION_T) {
      const pp = obj(p.publishingProfile);
      const g = obj(p.goldsmith);
      const v: VersionInfo & { image: string } = {
        id: r.id,
        image: idLower.replace(/\/versions\/[^/]+$/, ''),
        version: idLower.split('/').at(-1)!,
        excluded: pp.excludeFromLatest === true,
        publishedDate: str(pp.publishedDate),
        endOfLifeDate: str(pp.endOfLifeDate),
        agedAt: str(g.agedAt),
        storedLifecycle: str(g.lifecycle),
        tattoo: typeof g.tattoo === 'object' && g.tattoo !== null ? (g.tattoo as Record<string, unknown>) : undefined,
      };
      versions.set(idLower, v);
      image(v.image).versions.push(v);
    }
  }
  for (const i of images.values()) i.latest = i.versions.filter((v) => !v.excluded).sort((a, b) => cmpVersion(b.version, a.version))[0];
  return { images, versions };
}

export async function loadGalleryIndex(q: Queryable): Promise<GalleryIndex> {
  const rows = await q.query<{ id: string; type: string; doc: Record<string, unknown> }>(`SELECT id, type, doc FROM resources WHERE type IN ($1, $2)`, [IMAGE_T, VERSION_T]);
  return buildGalleryIndex(rows);
}

const past = (d: string | undefined, now: Date) => !!d && Date.parse(d) <= now.getTime();
const TRUSTED = new Set(['trustedlaunch', 'trustedlaunchsupported', 'trustedlaunchandconfidentialvmsupported']);

/** The image reference of a VM or scale set document. */
export function imageReferenceOf(doc: Resource): Record<string, unknown> | undefined {
  const p = obj(doc.properties);
  const ref = obj(obj(p.storageProfile).imageReference);
  if (Object.keys(ref).length) return ref;
  const vmss = obj(obj(obj(p.virtualMachineProfile).storageProfile).imageReference);
  return Object.keys(vmss).length ? vmss : undefined;
}

export function imageFactsFor(vmDoc: Resource, index: GalleryIndex, now: Date): ImageFacts | undefined {
  const ref = imageReferenceOf(vmDoc);
  if (!ref) return undefined;
  const id = str(ref.id) ?? str(ref.sharedGalleryImageId) ?? str(ref.communityGalleryImageId);
  if (!id || !/\/providers\/microsoft\.compute\/galleries\//i.test(id)) return { fromGallery: false };
  const lower = id.toLowerCase().replace(/\/+$/, '');
  const galleryName = /\/galleries\/([^/]+)/.exec(id)?.[1];
  const asVersion = index.versions.get(lower);
  const imageId = asVersion ? asVersion.image : lower.replace(/\/versions\/latest$/, '');
  const image = index.images.get(imageId);
  const v = asVersion ?? (imageId !== lower || !lower.includes('/versions/') ? image?.latest : undefined);
  const facts: ImageFacts = { fromGallery: true, galleryName };
  if (image?.securityType) {
    facts.securityType = image.securityType;
    facts.supportsTrustedLaunch = TRUSTED.has(image.securityType.toLowerCase());
  } else facts.supportsTrustedLaunch = false;
  if (!v) return facts; // points into a gallery, but at a version that no longer exists
  facts.versionId = v.id;
  facts.version = v.version;
  facts.latestVersion = image?.latest?.version;
  facts.isLatest = image?.latest?.id === v.id;
  facts.isExcluded = v.excluded;
  facts.lifecycle = past(v.endOfLifeDate, now) || past(image?.endOfLifeDate, now) ? 'end-of-life' : (v.agedAt ? past(v.agedAt, now) : v.storedLifecycle === 'aged') ? 'aged' : 'active';
  if (v.endOfLifeDate ?? image?.endOfLifeDate) facts.endOfLifeDate = v.endOfLifeDate ?? image?.endOfLifeDate;
  if (v.publishedDate) facts.ageDays = Math.floor((now.getTime() - Date.parse(v.publishedDate)) / 86_400_000);
  if (v.tattoo) facts.tattoo = v.tattoo;
  return facts;
}

export const galleryImageFacts: ImageFactsSource<GalleryIndex> = { load: loadGalleryIndex, factsFor: imageFactsFor };

/** A short label for roll-ups: gallery/image/version, or publisher:offer:sku:version. */
export function imageLabel(vmDoc: Resource, facts: ImageFacts | undefined): string | null {
  if (facts?.versionId) {
    const m = /\/galleries\/([^/]+)\/images\/([^/]+)\/versions\/([^/]+)$/i.exec(facts.versionId);
    if (m) return `${m[1]}/${m[2]}/${m[3]}`.toLowerCase();
  }
  const ref = imageReferenceOf(vmDoc);
  if (!ref) return null;
  if (typeof ref.publisher === 'string') return [ref.publisher, ref.offer, ref.sku, ref.version].map((x) => String(x ?? '')).join(':');
  return typeof ref.id === 'string' ? ref.id.toLowerCase() : null;
}
