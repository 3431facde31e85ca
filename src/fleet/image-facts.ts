import { idKey, parseGalleryImageId } from '../arm/index.js';
import type { ImageFacts, Resource } from '../policy/index.js';
import { versionLifecycle, type GalleryIndex, type IndexedDefinition, type IndexedVersion } from './gallery-index.js';
import type { ImageReference } from './types.js';

const DAY_MS = 86_400_000;
/** Security types of image definitions that a Trusted Launch VM can boot. */
const TRUSTED_LAUNCH = new Set(['trustedlaunch', 'trustedlaunchsupported', 'trustedlaunchandconfidentialvmsupported']);

/** The image reference of a VM (storageProfile) or scale set (virtualMachineProfile.storageProfile). */
export function imageReferenceOf(doc: Resource): ImageReference | undefined {
  const p = doc.properties as Record<string, any> | undefined;
  const ref = p?.storageProfile?.imageReference ?? p?.virtualMachineProfile?.storageProfile?.imageReference;
  return ref && typeof ref === 'object' ? (ref as ImageReference) : undefined;
}

/** Where an image id points, as index keys. Parsed once per distinct reference (see the memo below). */
function galleryKeys(id: string): { galleryKey: string; definitionKey: string; versionKey?: string } | undefined {
  const g = parseGalleryImageId(id);
  if (!g) return undefined;
  return { galleryKey: idKey(g.galleryId), definitionKey: idKey(g.imageId), ...(g.version !== undefined ? { versionKey: idKey(id) } : {}) };
}

/**
 * Image facts for one VM or scale set: which gallery version it runs and where that version stands
 * (latest, excluded, aged, end of life). Pure over a prebuilt index, so a whole fleet costs one
 * index load plus a few map lookups per VM. A reference to `latest` (the definition id) runs the
 * version recorded in exactVersion at creation, as in Azure.
 */
export function imageFactsFor(doc: Resource, index: GalleryIndex, now: Date): ImageFacts {
  const ref = imageReferenceOf(doc);
  const rawId = typeof ref?.id === 'string' ? ref.id : undefined;
  if (!rawId) return { fromGallery: false };
  // A fleet runs few distinct (image, region) pairs: compute each once per index and clock reading.
  const key = `${rawId}\u0000${ref?.exactVersion ?? ''}\u0000${typeof doc.location === 'string' ? doc.location : ''}`;
  let memo = MEMO.get(index);
  if (!memo || memo.at !== now.getTime() || memo.facts.size > 50_000) {
    memo = { at: now.getTime(), facts: new Map() };
    MEMO.set(index, memo);
  }
  let facts = memo.facts.get(key);
  if (!facts) {
    facts = computeFacts(doc, ref!, rawId, index, now);
    memo.facts.set(key, facts);
  }
  return { ...facts };
}

const MEMO = new WeakMap<GalleryIndex, { at: number; facts: Map<string, ImageFacts> }>();

function computeFacts(doc: Resource, ref: ImageReference, rawId: string, index: GalleryIndex, now: Date): ImageFacts {
  const parts = galleryKeys(rawId);
  const gallery = parts && index.galleries.get(parts.galleryKey);
  if (!parts || !gallery) return { fromGallery: false };
  const def = index.definitions.get(parts.definitionKey);
  const region = typeof doc.location === 'string' ? doc.location.toLowerCase().replace(/\s+/g, '') : undefined;
  const latest = def ? latestFor(def, region) : undefined;
  const facts: ImageFacts = { fromGallery: true, galleryName: gallery.name };
  if (latest) facts.latestVersion = latest.version;
  // What the definition declares, for "Trusted Launch where the image supports it" rules.
  if (def?.securityType) facts.securityType = def.securityType;
  facts.supportsTrustedLaunch = def?.securityType !== undefined && TRUSTED_LAUNCH.has(def.securityType.toLowerCase());
  let versionKey = parts.versionKey;
  if (!versionKey) {
    facts.usesLatest = true;
    if (typeof ref?.exactVersion === 'string' && ref.exactVersion) versionKey = `${parts.definitionKey}/versions/${ref.exactVersion.toLowerCase()}`;
  }
  const v = versionKey ? index.versions.get(versionKey) : undefined;
  if (!v) {
    // A version Goldsmith does not know (purged, or a `latest` reference without exactVersion).
    if (versionKey) {
      facts.versionId = parts.versionKey ? rawId : `${rawId}/versions/${ref?.exactVersion}`;
      facts.version = versionKey.slice(versionKey.lastIndexOf('/') + 1);
      facts.isLatest = false;
      facts.known = false;
    }
    return facts;
  }
  facts.versionId = v.id;
  facts.version = v.version;
  facts.isLatest = latest !== undefined && latest.id === v.id;
  facts.isExcluded = v.excludeFromLatest || (region !== undefined && v.regions.some((r) => r.name === region && r.excludeFromLatest === true));
  facts.lifecycle = versionLifecycle(v, def, now);
  facts.ageDays = Math.max(0, Math.floor((now.getTime() - v.publishedMs) / DAY_MS));
  const eol = earliest(v.endOfLifeDate, def?.endOfLifeDate);
  if (eol) facts.endOfLifeDate = eol;
  facts.publishedDate = v.publishedDate;
  if (v.deleted) facts.deleted = true;
  facts.tattoo = v.tattoo;
  return facts;
}

/** Latest in the VM's region when the definition has versions there, else the global latest. */
function latestFor(def: IndexedDefinition, region: string | undefined): IndexedVersion | undefined {
  return (region !== undefined ? def.latestIn.get(region) : undefined) ?? def.latest;
}

function earliest(a?: string, b?: string): string | undefined {
  if (!a) return b;
  if (!b) return a;
  return Date.parse(a) <= Date.parse(b) ? a : b;
}

/** Why a VM's image is not current; empty when it runs the latest, active, non-excluded version (or no gallery image). */
export type OutdatedReason = 'not-latest' | 'aged' | 'excluded' | 'end-of-life' | 'deleted' | 'unknown-version';
export function outdatedReasons(f: ImageFacts): OutdatedReason[] {
  if (!f.fromGallery || f.version === undefined) return [];
  const out: OutdatedReason[] = [];
  if (f.known === false) out.push('unknown-version');
  if (f.isLatest === false) out.push('not-latest');
  if (f.lifecycle === 'aged') out.push('aged');
  if (f.lifecycle === 'end-of-life') out.push('end-of-life');
  if (f.isExcluded) out.push('excluded');
  if (f.deleted) out.push('deleted');
  return out;
}
