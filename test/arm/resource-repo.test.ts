import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
import { deleteResource, getResource, idKey, upsertResource, type ResourceDocument } from '../../src/arm/index.js';
import { galleryImageFacts } from '../../src/compliance/index.js';
import { loadResources } from '../../src/compliance/resource-loader.js';
import type { Store } from '../../src/store/index.js';
import { FleetFixture } from '../fleet/fixtures.js';
import { describeEachBackend } from '../support/stores.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const GALLERY = `/subscriptions/${SUB}/resourceGroups/goldsmith/providers/Microsoft.Compute/galleries/g1`;
const IMAGE = `${GALLERY}/images/web`;
const shout = (id: string) => id.toUpperCase().replace('/PROVIDERS/', '/providers/');

describeEachBackend('resources table: one owner, one key', (b) => {
  let store: Store;
  let f: FleetFixture;
  before(async () => {
    store = await b.open();
  });
  after(async () => store.close());
  beforeEach(async () => {
    await store.query(`DELETE FROM gallery_version_regions; DELETE FROM gallery_versions; DELETE FROM gallery_images; DELETE FROM gallery_galleries; DELETE FROM resources; DELETE FROM change_events;`);
    f = new FleetFixture(store);
    await f.definition('g1', 'web');
  });
  afterEach(() => f.cleanup());

  it('a document the gallery writes is found by fleet and compliance under any casing of its id', async () => {
    await f.publish('g1', 'web', '1.0.0');
    const version = `${IMAGE}/versions/1.0.0`;
    const viaFleet = await f.fleet.getResource(shout(version));
    assert.equal(viaFleet.id, version, 'Azure returns the id as it was written');
    assert.equal(viaFleet.type, 'Microsoft.Compute/galleries/images/versions');
    const [row] = await store.query<{ id_lower: string; subscription: string; resource_group: string }>(`SELECT id_lower, subscription, resource_group FROM resources WHERE id = $1`, [version]);
    assert.deepEqual(row, { id_lower: idKey(version), subscription: SUB, resource_group: 'goldsmith' });
    const loaded = await loadResources(store, { idsLower: [idKey(shout(version))], facts: galleryImageFacts, galleryIndex: await galleryImageFacts.load(store), now: f.now });
    assert.deepEqual(loaded.map((r) => r.id), [version]);
  });

  it('publishing ages the older version document whatever casing another writer left on it', async () => {
    await f.publish('g1', 'web', '1.0.0');
    const old = `${IMAGE}/versions/1.0.0`;
    const doc = (await getResource<ResourceDocument & { properties: Record<string, unknown> }>(store, old))!;
    await upsertResource(store, { ...doc, id: shout(old) }, f.now.toISOString());
    await f.publish('g1', 'web', '1.1.0');
    const aged = (await getResource<{ properties: { goldsmith: { lifecycle: string } } }>(store, old))!;
    assert.equal(aged.properties.goldsmith.lifecycle, 'aged');
  });

  it('gallery writes and deletes reach a row another writer re-cased (two key schemes used to miss it or collide)', async () => {
    const doc = (await getResource<ResourceDocument>(store, IMAGE))!;
    await upsertResource(store, { ...doc, id: shout(IMAGE) }, f.now.toISOString());
    // The gallery rewrites the document: one row, not a unique violation on id_lower.
    await f.gallery.ensureImageDefinition({ gallery: 'g1', name: 'web', identifier: { publisher: 'Contoso', offer: 'g1', sku: 'web' } });
    await f.gallery.deleteImageDefinition('g1', 'web');
    const left = await store.query(`SELECT id FROM resources WHERE id_lower = $1`, [idKey(IMAGE)]);
    assert.deepEqual(left, [], 'deleting the definition removes its document whatever its stored casing');
    assert.equal(await deleteResource(store, IMAGE), false);
  });
});

describe('resources table: the guard', () => {
  it('no SQL outside src/arm/resource-repo.ts writes the resources table', () => {
    const src = join(process.cwd(), 'src');
    const owner = join('arm', 'resource-repo.ts');
    const writes = /\b(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM|TRUNCATE(?:\s+TABLE)?|MERGE\s+INTO|COPY)\s+(?:ONLY\s+)?resources\b/gi;
    const offenders: string[] = [];
    const walk = (dir: string): void => {
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p);
        else if (p.endsWith('.ts') && relative(src, p) !== owner) {
          for (const m of readFileSync(p, 'utf8').matchAll(writes)) offenders.push(`${relative(src, p)}: ${m[0]}`);
        }
      }
    };
    walk(src);
    assert.deepEqual(offenders, []);
    // The guard must see what it guards against.
    assert.ok(readFileSync(join(src, owner), 'utf8').match(writes)!.length >= 3);
  });
});
