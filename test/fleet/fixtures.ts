import { passingBoot } from '../support/boot-record.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../src/artifacts/index.js';
import { FleetService, type AdmissionReviewer } from '../../src/fleet/index.js';
import { GalleryService, type PublishVersionInput } from '../../src/gallery/index.js';
import type { Store } from '../../src/store/index.js';

export const SUB = '00000000-0000-0000-0000-000000000000';
export const DAY = 86_400_000;
export const T0 = new Date('2026-03-01T12:00:00Z');

/** A real gallery (versions published from artifacts in a temp dir) and a fleet over one store, with a movable clock. */
export class FleetFixture {
  now = T0;
  readonly root = mkdtempSync(join(tmpdir(), 'gs-fleet-'));
  readonly artifacts = new ArtifactStore(join(this.root, 'artifacts'));
  readonly gallery: GalleryService;
  fleet: FleetService;
  constructor(readonly store: Store) {
    this.gallery = new GalleryService(store, this.artifacts, { clock: () => this.now });
    this.fleet = new FleetService(store, this.gallery, { clock: () => this.now });
  }
  withAdmission(admission: AdmissionReviewer): FleetService {
    return new FleetService(this.store, this.gallery, { clock: () => this.now, admission });
  }
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
  at(days: number): void {
    this.now = new Date(T0.getTime() + days * DAY);
  }
  async definition(gallery: string, image: string, more: { endOfLifeDate?: string } = {}): Promise<void> {
    await this.gallery.ensureGallery({ name: gallery, location: 'westeurope' });
    await this.gallery.createImageDefinition({ gallery, name: image, identifier: { publisher: 'Contoso', offer: gallery, sku: image }, ...more });
  }
  async publish(gallery: string, image: string, version: string, more: Partial<PublishVersionInput> = {}) {
    const blob = await this.artifacts.putBytes('local', `rootfs ${gallery}/${image}/${version}`);
    const regions = more.targetRegions ?? [{ name: 'westeurope', replicaCount: 1 }];
    const replication = await this.gallery.replicateArtifacts([blob.digest], 'local', regions);
    return this.gallery.publishVersion({
      gallery,
      image,
      version,
      location: 'westeurope',
      targetRegions: regions,
      artifacts: [{ kind: 'rootfs', ...blob }],
      replication,
      tattoo: { IMAGE_VERSION: version, BUILD_ID: `b-${version}` },
      metadata: { boot: passingBoot() },
      ...more,
    });
  }
  /**
   * g1/ubuntu: 1.0.0 (day 0, aged by 1.1.0), 1.1.0 (day 10, latest), 1.2.0 (day 20, excluded);
   * g1/legacy: 2.0.0 with an end-of-life date on day 25. The clock ends at day 30.
   */
  async standardGallery(): Promise<void> {
    await this.definition('g1', 'ubuntu');
    await this.definition('g1', 'legacy');
    await this.publish('g1', 'ubuntu', '1.0.0');
    this.at(10);
    await this.publish('g1', 'ubuntu', '1.1.0');
    this.at(20);
    await this.publish('g1', 'ubuntu', '1.2.0', { excludeFromLatest: true });
    await this.publish('g1', 'legacy', '2.0.0', { endOfLifeDate: new Date(T0.getTime() + 25 * DAY).toISOString() });
    this.at(30);
  }
}

export async function resetTables(store: Store): Promise<void> {
  await store.query(
    `DELETE FROM gallery_version_regions; DELETE FROM gallery_versions; DELETE FROM gallery_images; DELETE FROM gallery_galleries; DELETE FROM resources; DELETE FROM change_events;`,
  );
}
