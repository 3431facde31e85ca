/** Shared helpers for vuln tests: fixtures, synthetic inventories, published versions and VMs. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createApp, type App } from '../../src/app/index.js';
import type { TargetRegion } from '../../src/gallery/index.js';
import type { Inventory } from '../../src/sbom/index.js';
import type { Store } from '../../src/store/index.js';
import { recordImagePackages } from '../../src/vuln/index.js';

/** The project root, from test/ (tsx) or dist/test/ (compiled): fixtures are read from the source tree. */
export const ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dir !== dirname(dir)) dir = dirname(dir);
  return dir;
})();

export const fixture = (name: string) => join(ROOT, 'test/vuln/fixtures', name);

/** [binary, version, source?, sourceVersion?] */
export type Pkg = [string, string, string?, string?];

export function inventory(pkgs: Pkg[], os = { id: 'debian', versionId: '12', versionCodename: 'bookworm' }): Inventory {
  return {
    os,
    packages: pkgs.map(([name, version, src, srcVersion]) => ({
      ecosystem: 'deb' as const,
      name,
      version,
      arch: 'amd64',
      ...(src ? { source: { name: src, version: srcVersion ?? version } } : {}),
      license: 'NOASSERTION',
      purl: `pkg:deb/debian/${name}@${encodeURIComponent(version)}?arch=amd64`,
    })),
    notes: [],
  };
}

export function newApp(store: Store, clock?: () => Date): App {
  return createApp({ home: mkdtempSync(join(tmpdir(), 'gs-vuln-')) } as never, store, clock ? { clock } : {});
}

/** Publish gallery/image/version with a fresh rootfs blob, index its packages; returns the version id. */
export async function publishWith(
  app: App,
  at: { gallery?: string; image?: string; version: string; regions?: TargetRegion[]; buildRunId?: string },
  inv: Inventory,
): Promise<string> {
  const gallery = at.gallery ?? 'g1';
  const image = at.image ?? 'web';
  await app.gallery.ensureGallery({ name: gallery });
  await app.gallery.ensureImageDefinition({ gallery, name: image, identifier: { publisher: 'T', offer: image, sku: 'gen2' }, osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2' });
  const { digest, size } = await app.artifacts.putBytes('local', `rootfs ${gallery}/${image}/${at.version} ${Math.random()}`);
  const regions = at.regions ?? [{ name: 'local', replicaCount: 1 }];
  const replication = await app.gallery.replicateArtifacts([digest], 'local', regions);
  return app.store.tx(async (tx) => {
    const v = await app.gallery.publishVersion(
      { gallery, image, version: at.version, location: 'local', targetRegions: regions, artifacts: [{ kind: 'rootfs', digest, size }], replication, ...(at.buildRunId ? { buildRunId: at.buildRunId } : {}) },
      tx,
    );
    await recordImagePackages(tx, v.id, inv);
    return v.id;
  });
}

/** A VM document as the fleet stores it (written directly: these tests need only its image reference and tags). */
export async function putVm(store: Store, name: string, tags: Record<string, string>, imageReference: Record<string, string>): Promise<string> {
  const id = `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/apps/providers/Microsoft.Compute/virtualMachines/${name}`;
  const doc = { id, name, type: 'Microsoft.Compute/virtualMachines', location: 'westeurope', tags, properties: { storageProfile: { imageReference } } };
  await store.query(
    `INSERT INTO resources (id, id_lower, type, subscription, resource_group, name, doc) VALUES ($1, lower($1), lower($2), $3, 'apps', $4, $5)`,
    [id, doc.type, '00000000-0000-0000-0000-000000000000', name, doc],
  );
  return id;
}

export function zipOf(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'gs-vuln-zip-'));
  for (const [n, body] of Object.entries(files)) writeFileSync(join(dir, n), body);
  execFileSync('zip', ['-q', 'all.zip', ...Object.keys(files)], { cwd: dir });
  return join(dir, 'all.zip');
}

export async function count(store: Store, table: string): Promise<number> {
  const [r] = await store.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return r!.n;
}
