import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { createApp, type App } from '../../src/app/index.js';
import type { RoleName } from '../../src/identity/index.js';
import { buildServer, startInProcessWorker, type ServerOptions } from '../../src/server/index.js';
import type { Store } from '../../src/store/index.js';
import type { BackendFactory } from '../support/stores.js';

export const SUB = '00000000-0000-0000-0000-000000000000';
export const RG = `/subscriptions/${SUB}/resourceGroups/goldsmith`;
export const VM_URL = `${RG}/providers/Microsoft.Compute/virtualMachines/web1`;
export const GC_URL = `${VM_URL}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/gc1`;
export const VERSION_URL = `${RG}/providers/Microsoft.Compute/galleries/g1/images/ubuntu/versions/1.0.0`;
export const OTHER_RG = `/subscriptions/${SUB}/resourceGroups/elsewhere`;

export interface ServerFixture {
  app: App;
  store: Store;
  server: FastifyInstance;
  home: string;
  /** A bearer header for a new token of `role` at `scope`. */
  auth(role: RoleName, scope?: string, more?: { expiresAt?: Date }): Promise<{ authorization: string; id: string }>;
  /** Everything a request could change, as one comparable string. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

/**
 * A server over a fresh store with a gallery (g1/ubuntu 1.0.0 in the default resource group) and
 * one VM (web1) running it; auth failures are slowed by 1 ms so tests stay fast.
 */
export async function serverFixture(backend: BackendFactory, opts: ServerOptions = {}): Promise<ServerFixture> {
  const home = mkdtempSync(join(tmpdir(), 'gs-server-'));
  const store = await backend.open();
  const app = createApp({ home }, store);
  await app.gallery.ensureGallery({ name: 'g1', location: 'westeurope' });
  await app.gallery.createImageDefinition({ gallery: 'g1', name: 'ubuntu', identifier: { publisher: 'Contoso', offer: 'g1', sku: 'ubuntu' } });
  const blob = await app.artifacts.putBytes('local', 'rootfs g1/ubuntu/1.0.0');
  const regions = [{ name: 'westeurope', replicaCount: 1 }];
  await app.gallery.publishVersion({
    gallery: 'g1', image: 'ubuntu', version: '1.0.0', location: 'westeurope', targetRegions: regions,
    artifacts: [{ kind: 'rootfs', ...blob }], replication: await app.gallery.replicateArtifacts([blob.digest], 'local', regions), tattoo: { IMAGE_VERSION: '1.0.0' },
  });
  await app.fleet.createVm({ name: 'web1', image: 'g1/ubuntu', team: 'web' });
  await app.fleet.scopes.createResourceGroup('elsewhere', { subscription: SUB, location: 'westeurope' });
  const server = await buildServer(app, { authDelay: { baseMs: 1, capMs: 2 }, ...opts });
  const worker = startInProcessWorker(app, () => {}, { pollMs: 50 });
  let n = 0;
  return {
    app, store, server, home,
    async auth(role, scope = RG, more = {}) {
      const { token, record } = await app.tokens.create({ name: `${role}-${n++}`, role, scope, ...more });
      return { authorization: `Bearer ${token}`, id: record.id };
    },
    async snapshot() {
      const parts = await Promise.all([
        store.query(`SELECT id_lower, doc FROM resources ORDER BY id_lower`),
        store.query(`SELECT id, doc FROM policy_assignments ORDER BY id`),
        store.query(`SELECT id FROM policy_exemptions ORDER BY id`),
        store.query(`SELECT id FROM policy_definitions WHERE policy_type = 'Custom' ORDER BY id`),
        store.query(`SELECT id, exclude_from_latest, end_of_life_date, deleted_at FROM gallery_versions ORDER BY id`),
        store.query(`SELECT id FROM build_runs ORDER BY id`),
        store.query(`SELECT id, revoked_at FROM api_tokens ORDER BY id`),
      ]);
      return JSON.stringify(parts);
    },
    async close() {
      await server.close();
      await worker.stop();
      await app.triggers.idle();
      await store.close();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
