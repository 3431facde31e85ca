import { passingBoot } from '../support/boot-record.js';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ArtifactStore } from '../../src/artifacts/index.js';
import { GalleryService, type ArtifactRef, type PublishVersionInput, type TargetRegion } from '../../src/gallery/index.js';
import type { Store } from '../../src/store/index.js';

/** A service over a real store and a temp artifact root, with a clock the test moves. */
export class Fixture {
  now = new Date('2026-03-01T12:00:00Z');
  readonly root = mkdtempSync(join(tmpdir(), 'gs-gallery-'));
  readonly artifacts = new ArtifactStore(join(this.root, 'artifacts'));
  readonly svc: GalleryService;
  constructor(readonly store: Store) {
    this.svc = new GalleryService(store, this.artifacts, { clock: () => this.now });
  }
  cleanup(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
  advanceDays(days: number): void {
    this.now = new Date(this.now.getTime() + days * 86_400_000);
  }
  /** A unique rootfs blob in the build region ("local"). */
  async blob(label: string): Promise<ArtifactRef> {
    const { digest, size } = await this.artifacts.putBytes('local', `rootfs of ${label} ${Math.random()}`);
    return { kind: 'rootfs', digest, size };
  }
  async setup(gallery = 'g1', image = 'ubuntu'): Promise<void> {
    await this.svc.createGallery({ name: gallery });
    await this.svc.createImageDefinition({ gallery, name: image, identifier: { publisher: 'Contoso', offer: 'Golden', sku: image } });
  }
  /** Replicate a fresh blob into `regions` and publish it as `version`. */
  async publish(version: string, regions: TargetRegion[] = [{ name: 'westeurope', replicaCount: 1 }], more: Partial<PublishVersionInput> = {}) {
    const art = await this.blob(version);
    const replication = await this.svc.replicateArtifacts([art.digest], 'local', regions);
    return this.svc.publishVersion({
      gallery: 'g1',
      image: 'ubuntu',
      version,
      location: 'local',
      targetRegions: regions,
      artifacts: [art],
      replication,
      tattoo: { IMAGE_VERSION: version },
      // What a build's boot step signs; a Trusted Launch definition refuses versions without it.
      metadata: { boot: passingBoot() },
      ...more,
    });
  }
}
