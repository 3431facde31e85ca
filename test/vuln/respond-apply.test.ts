import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { App } from '../../src/app/index.js';
import type { PipelineEvent } from '../../src/pipeline/events.js';
import { AptMirrorProbe, impact, importAdvisories, type RespondEvent } from '../../src/vuln/index.js';
import { compareDebian } from '../../src/vuln/version/index.js';
import { cachedMinbase } from '../support/base-image.js';
import { testApp, TEST_BASE } from '../support/app.js';
import { backends } from '../support/stores.js';
import { fixture, putVm } from './helpers.js';

/**
 * The whole emergency path on real images: build an image with an old openssl (not in minbase) from the mirror, import
 * an advisory (written here) whose fix is the newest openssl the mirror offers, then respond --apply:
 * exclusion in every region, an out-of-band build with the fix pinned, validation, publication, OOB
 * tattoo, and `latest` moving to the patched version. Versions are read from the mirror, not hard-coded.
 */
describe('cve respond --apply on a real build [pglite]', () => {
  let app: App & { close(): Promise<void> };
  let dir: string;
  let offered: string[] = [];
  before(async () => {
    app = await testApp(backends[0]!);
    dir = mkdtempSync(join(tmpdir(), 'gs-cve-'));
    offered = ((await new AptMirrorProbe().available(await cachedMinbase(), ['openssl']))['openssl'] ?? []).sort(compareDebian);
  });
  after(async () => app.close());

  it('excludes, rebuilds with the fix pinned, validates, publishes an OOB version that latest resolves to', async (t) => {
    if (offered.length < 2) return t.skip(`the mirror offers ${offered.length} openssl version(s); two are needed`);
    const [old, fixed] = [offered[0]!, offered[offered.length - 1]!];
    const template = join(dir, 'template.json');
    writeFileSync(
      template,
      JSON.stringify({
        name: 'cve-web',
        source: { ...TEST_BASE, version: 'latest' },
        customize: [{ type: 'packages', name: 'openssl', install: [`openssl=${old}`] }],
        validate: { checks: [{ type: 'package-installed', name: 'openssl', package: 'openssl' }, { type: 'tattoo-complete', name: 'tattoo' }] },
        distribute: {
          gallery: 'gcve',
          image: 'web',
          identifier: { publisher: 'Test', offer: 'web', sku: 'gen2' },
          targetRegions: [{ name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }],
          versioning: { scheme: 'latest', major: 1 },
        },
      }),
    );
    const first = await app.builds.start(template);
    assert.equal(first.state, 'succeeded', JSON.stringify(first.error));
    const v1 = await app.gallery.showVersion({ gallery: 'gcve', image: 'web', version: '1.0.0' });
    assert.ok((await app.vuln.indexRunInventory(first, v1.id)) > 50);

    // The fictitious glibc advisory matches any freshly built bookworm image; the mirror has no fix.
    await importAdvisories(app.store, fixture('goldsmith-test-0001.osv.json'));
    const g = await impact(app.store, 'x_GOLDSMITH-TEST-0001');
    assert.deepEqual(g.affectedVersions.map((v) => v.id), [v1.id]);
    assert.ok(g.affectedVersions[0]!.packages.some((p) => p.name === 'libc6' && p.fixed === '2.36-9+deb12u9999'));

    writeFileSync(
      join(dir, 'adv.json'),
      JSON.stringify({
        id: 'x_GOLDSMITH-TEST-0002',
        aliases: ['CVE-2099-0002'],
        published: '2026-01-01T00:00:00Z',
        modified: '2026-01-01T00:00:00Z',
        summary: 'FICTITIOUS: openssl below the newest mirror version',
        affected: [{ package: { ecosystem: 'Debian:12', name: 'openssl' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed }] }] }],
      }),
    );
    await importAdvisories(app.store, join(dir, 'adv.json'));
    const imageDef = v1.id.replace(/\/versions\/.*$/, '');
    await putVm(app.store, 'web-a', { team: 'shop', role: 'cattle' }, { id: imageDef, exactVersion: '1.0.0' });

    const events: Array<RespondEvent<PipelineEvent>> = [];
    const r = await app.vuln.respond('CVE-2099-0002', { apply: true, onEvent: (e) => events.push(e) });
    assert.equal(r.ok, true, JSON.stringify({ rebuilds: r.rebuilds, plan: r.plan.rebuild }));
    assert.deepEqual(r.plan.rebuild[0]!.pins, [`openssl=${fixed}`]);
    assert.deepEqual(r.plan.vms.map((v) => v.name), ['web-a']);

    const excluded = await app.gallery.showVersion(v1.id);
    assert.equal(excluded.excludeFromLatest, true);
    assert.ok(excluded.targetRegions.every((x) => x.excludeFromLatest));

    const [rb] = r.rebuilds;
    assert.equal(rb!.state, 'succeeded');
    assert.equal(rb!.stillAffected, false);
    const { run, steps } = await app.builds.show(rb!.runId);
    assert.equal(run.kind, 'emergency');
    assert.deepEqual(run.params.emergency, { cves: ['CVE-2099-0002'], advisories: ['x_GOLDSMITH-TEST-0002'], patchDate: app.clock().toISOString().slice(0, 10), pins: [`openssl=${fixed}`] });
    assert.ok(steps.some((s) => s.name === 'validate' && s.status === 'succeeded'), 'validation ran');
    const v2 = await app.gallery.showVersion(rb!.versionId!);
    assert.equal(v2.name, '1.0.1');
    assert.equal(v2.tattoo['OOB'], 'true');
    assert.equal(v2.tattoo['CVE_IDS'], 'CVE-2099-0002');
    assert.equal(v2.tattoo['ADVISORY_IDS'], 'x_GOLDSMITH-TEST-0002');
    assert.equal(v2.tattoo['PATCH_DATE'], app.clock().toISOString().slice(0, 10));
    for (const region of ['westeurope', 'eastus']) assert.equal((await app.gallery.resolveLatest('gcve', 'web', region))!.name, '1.0.1', region);
    const [pkg] = await app.store.query<{ version: string }>(`SELECT version FROM image_packages WHERE version_id = $1 AND package = 'openssl'`, [v2.id]);
    assert.equal(pkg!.version, fixed);

    const steps2 = r.timeline.map((e) => e.step);
    for (const s of ['published', 'imported', 'matched', 'excluded', 'rebuild-started', 'rebuilt', 'version-published', 'verified']) assert.ok(steps2.includes(s), s);
    assert.ok(events.some((e) => e.type === 'build' && e.event.type === 'step.end' && e.event.step === 'validate'), 'build progress is forwarded');
    assert.ok(r.totalMs! > 0);
  });
});
