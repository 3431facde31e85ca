/**
 * A synthetic fleet for benchmarks and load tests (not run by `npm run bench` itself: underscore).
 * Deterministic by seed: the same options give byte-identical documents.
 *
 *   const data = syntheticFleet({ vms: 100_000, subscriptions: 20, resourceGroups: 200, seed: 1 });
 *   await seedGallery(gallery, artifacts, data.gallery);   // the versions the VMs reference
 *   await seedFleet(store, [...data.scopes, ...data.vms]); // bulk insert, chunked
 */
import type { ArtifactStore } from '../src/artifacts/index.js';
import {
  insertResources,
  resourceGroupDocument,
  resourceId,
  subscriptionDocument,
  vmDocument,
  type ArmResource,
  type ImageReference,
} from '../src/fleet/index.js';
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION, galleryId, imageId, versionId, type GalleryService } from '../src/gallery/index.js';
import type { Store } from '../src/store/index.js';

export interface SyntheticFleetOptions {
  vms: number;
  subscriptions: number;
  resourceGroups: number;
  seed: number;
  /** The clock the data is built against (publish dates, ages). */
  now?: Date;
}

export interface SyntheticVersion {
  image: string;
  version: string;
  publishedDate: string;
  excludeFromLatest: boolean;
}
export interface SyntheticGallery {
  name: string;
  location: string;
  regions: string[];
  definitions: Array<{ name: string; sku: string; endOfLifeDate?: string; securityType?: 'TrustedLaunchSupported' }>;
  /** In publish order (ascending per definition), so aging happens as it would in life. */
  versions: SyntheticVersion[];
}

export interface SyntheticFleet {
  gallery: SyntheticGallery;
  /** Subscription and resource group documents. */
  scopes: ArmResource[];
  vms: ArmResource[];
  /** What the generator aimed for, so benchmarks can check their figures add up. */
  mix: Record<string, number>;
}

const DAY = 86_400_000;
const REGIONS = ['westeurope', 'northeurope', 'eastus'];
const TEAMS = ['payments', 'search', 'identity', 'checkout', 'catalog', 'data', 'ml', 'platform', 'web', 'mobile-api', 'billing', 'support'];
const SIZES = ['Standard_D2s_v5', 'Standard_D4s_v5', 'Standard_E4s_v5', 'Standard_B2ms', 'Standard_F8s_v2'];
const MARKET: ImageReference[] = [
  { publisher: 'Canonical', offer: 'ubuntu-24_04-lts', sku: 'server', version: 'latest', exactVersion: '24.04.202410010' },
  { publisher: 'Canonical', offer: '0001-com-ubuntu-server-jammy', sku: '22_04-lts-gen2', version: '22.04.202409230' },
  { publisher: 'Debian', offer: 'debian-12', sku: '12-gen2', version: '0.20240901.1860' },
  { publisher: 'RedHat', offer: 'RHEL', sku: '9-lvm-gen2', version: 'latest', exactVersion: '9.4.2024081519' },
];

/** mulberry32: small, fast, and the same on every platform. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function guid(rand: () => number): string {
  const hex = (n: number) => Array.from({ length: n }, () => Math.floor(rand() * 16).toString(16)).join('');
  return `${hex(8)}-${hex(4)}-4${hex(3)}-a${hex(3)}-${hex(12)}`;
}

export function syntheticFleet(opts: SyntheticFleetOptions): SyntheticFleet {
  const rand = prng(opts.seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const now = opts.now ?? new Date('2026-06-01T00:00:00Z');

  // Gallery: four current definitions with monthly releases, one past end of life.
  const gallery: SyntheticGallery = { name: 'goldsmith', location: 'westeurope', regions: REGIONS, definitions: [], versions: [] };
  const defs = ['ubuntu-24', 'ubuntu-22', 'debian-12', 'rhel-9'];
  for (const d of defs) gallery.definitions.push({ name: d, sku: d, securityType: 'TrustedLaunchSupported' });
  gallery.definitions.push({ name: 'ubuntu-20', sku: 'ubuntu-20', endOfLifeDate: new Date(now.getTime() - 30 * DAY).toISOString() });
  const releases = 8;
  for (const d of [...defs, 'ubuntu-20']) {
    for (let i = 0; i < releases; i++) {
      const monthsAgo = (d === 'ubuntu-20' ? 14 : 7) - i;
      gallery.versions.push({
        image: d,
        version: `1.${i}.0`,
        publishedDate: new Date(now.getTime() - monthsAgo * 30 * DAY).toISOString(),
        // The newest debian build failed validation in the field: excluded from latest.
        excludeFromLatest: d === 'debian-12' && i === releases - 1,
      });
    }
  }
  const gid = galleryId(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP, gallery.name);
  const latestOf = (d: string) => (d === 'debian-12' ? releases - 2 : releases - 1);

  // Scopes.
  const subs = Array.from({ length: opts.subscriptions }, () => guid(rand));
  const scopes: ArmResource[] = subs.map((s, i) => subscriptionDocument(s, `sub-${i}`, [{ name: 'root', displayName: 'Tenant Root Group' }]));
  const groups = Array.from({ length: opts.resourceGroups }, (_, i) => {
    const sub = subs[i % subs.length]!;
    const team = TEAMS[i % TEAMS.length]!;
    const name = `rg-${team}-${i}`;
    const location = REGIONS[i % REGIONS.length]!;
    scopes.push(resourceGroupDocument(sub, name, location, { team }));
    return { sub, name, team, location };
  });

  const mix: Record<string, number> = { latest: 0, pinnedCurrent: 0, aged: 0, excluded: 0, endOfLife: 0, marketplace: 0, pet: 0, cattle: 0, untagged: 0 };
  const vms: ArmResource[] = [];
  const created = new Date(now.getTime() - 10 * DAY).toISOString();
  for (let i = 0; i < opts.vms; i++) {
    const g = groups[i % groups.length]!;
    const app = `${g.team}-app-${Math.floor(rand() * 4)}`;
    const r = rand();
    const role = r < 0.7 ? 'cattle' : r < 0.95 ? 'pet' : undefined;
    mix[role ?? 'untagged']!++;
    const tags: Record<string, string> = { team: g.team, application: app, env: pick(['prod', 'prod', 'staging', 'dev']) };
    if (role) tags.role = role;
    const def = pick(defs);
    const defId = imageId(gid, def);
    const k = rand();
    let ref: ImageReference;
    if (k < 0.4) {
      // `latest` at creation; most got today's latest, some an earlier one.
      const at = rand() < 0.75 ? latestOf(def) : latestOf(def) - 1 - Math.floor(rand() * 3);
      ref = { id: defId, exactVersion: `1.${at}.0` };
      mix[at === latestOf(def) ? 'latest' : 'aged']!++;
    } else if (k < 0.75) {
      const at = Math.floor(rand() * releases);
      const excluded = def === 'debian-12' && at === releases - 1;
      ref = { id: versionId(defId, `1.${at}.0`), exactVersion: `1.${at}.0` };
      mix[excluded ? 'excluded' : at === latestOf(def) ? 'pinnedCurrent' : 'aged']!++;
    } else if (k < 0.8) {
      ref = { id: versionId(imageId(gid, 'debian-12'), `1.${releases - 1}.0`), exactVersion: `1.${releases - 1}.0` };
      mix.excluded!++;
    } else if (k < 0.85) {
      const at = Math.floor(rand() * releases);
      ref = { id: versionId(imageId(gid, 'ubuntu-20'), `1.${at}.0`), exactVersion: `1.${at}.0` };
      mix.endOfLife!++;
    } else {
      ref = { ...pick(MARKET) };
      mix.marketplace!++;
    }
    const s = rand();
    const security =
      s < 0.6 ? { securityType: 'TrustedLaunch', uefiSettings: { secureBootEnabled: rand() < 0.9, vTpmEnabled: true } }
      : s < 0.7 ? { securityType: 'ConfidentialVM', uefiSettings: { secureBootEnabled: true, vTpmEnabled: true } }
      : undefined;
    const name = `vm-${g.team}-${i.toString(36).padStart(5, '0')}`;
    const doc = vmDocument({
      subscription: g.sub,
      resourceGroup: g.name,
      name,
      location: g.location,
      size: pick(SIZES),
      tags,
      imageReference: ref,
      security,
      disablePasswordAuthentication: rand() < 0.93,
      adminUsername: 'azureuser',
      vmId: guid(rand),
      timeCreated: created,
    });
    vms.push(doc);
  }
  return { gallery, scopes, vms, mix };
}

/** Publish the synthetic gallery through the real GalleryService (one tiny artifact, replicated to every region). */
export async function seedGallery(gallery: GalleryService, artifacts: ArtifactStore, spec: SyntheticGallery): Promise<void> {
  await gallery.ensureGallery({ name: spec.name, location: spec.location });
  for (const d of spec.definitions) {
    await gallery.ensureImageDefinition({
      gallery: spec.name,
      name: d.name,
      identifier: { publisher: 'Goldsmith', offer: 'synthetic', sku: d.sku },
      ...(d.endOfLifeDate ? { endOfLifeDate: d.endOfLifeDate } : {}),
      ...(d.securityType ? { securityType: d.securityType } : {}),
    });
  }
  const blob = await artifacts.putBytes('local', 'synthetic rootfs');
  const regions = spec.regions.map((name) => ({ name, replicaCount: 1 }));
  const replication = await gallery.replicateArtifacts([blob.digest], 'local', regions);
  for (const v of spec.versions) {
    await gallery.publishVersion({
      gallery: spec.name,
      image: v.image,
      version: v.version,
      location: spec.location,
      targetRegions: regions,
      artifacts: [{ kind: 'rootfs', ...blob }],
      replication,
      publishedDate: v.publishedDate,
      excludeFromLatest: v.excludeFromLatest,
      tattoo: { IMAGE_NAME: v.image, IMAGE_VERSION: v.version, BUILD_ID: `synthetic-${v.image}-${v.version}` },
      // Synthetic versions of Trusted Launch definitions carry the boot record a build would sign
      // (the gallery refuses them otherwise); accelerator 'synthetic' says no VM ever booted.
      metadata: { boot: { ok: true, accelerator: 'synthetic', bootSeconds: 30, maxSeconds: 180, secureBoot: { enforced: true, verified: true }, tpm: { attached: true, present: true, eventLog: true, pcr7: true }, checks: [], disk: { kind: 'rootfs', digest: blob.digest } } },
    });
  }
}

/** Bulk insert NEW documents (multi-row INSERT from one jsonb parameter per 2,000 rows), one transaction, no change events. */
export async function seedFleet(store: Store, docs: readonly ArmResource[], at = new Date()): Promise<void> {
  await store.tx((tx) => insertResources(tx, docs, at.toISOString()));
}

/** Where a synthetic VM's resource id would be; handy for benchmarks that change one VM. */
export function syntheticVmId(sub: string, rg: string, name: string): string {
  return resourceId(sub, rg, 'Microsoft.Compute/virtualMachines', [name]);
}
