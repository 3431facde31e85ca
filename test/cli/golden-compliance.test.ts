import { passingBoot } from '../support/boot-record.js';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createApp } from '../../src/app/index.js';
import { openStore } from '../../src/store/index.js';
import { cliFor } from '../support/cli.js';

const SUB = '/subscriptions/00000000-0000-0000-0000-000000000000';

/**
 * The seed's approach end to end through the CLI: the golden image initiative assigned, a VM from
 * outside the gallery denied at admission, cattle and pets reported, and a gallery exclusion turning
 * the cattle on that version NonCompliant without a scan.
 */
describe('golden image compliance through the CLI', () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-golden-'));
  const cli = cliFor(home);

  before(async () => {
    const store = await openStore({ home });
    const app = createApp({ home }, store);
    await app.gallery.createGallery({ name: 'contoso' });
    await app.gallery.createImageDefinition({ gallery: 'contoso', name: 'deb12', identifier: { publisher: 'Contoso', offer: 'deb12', sku: 'gen2' }, osType: 'Linux', osState: 'Generalized', hyperVGeneration: 'V2', securityType: 'TrustedLaunchSupported' });
    for (const version of ['1.0.0', '1.0.1']) {
      const blob = await app.artifacts.putBytes('westeurope', `rootfs ${version}`);
      await app.gallery.publishVersion({ gallery: 'contoso', image: 'deb12', version, location: 'westeurope', targetRegions: [{ name: 'westeurope', replicaCount: 1 }], artifacts: [{ kind: 'rootfs', ...blob }], metadata: { boot: passingBoot() } });
    }
    await store.close();
  });

  it('denies, reports and follows gallery changes', () => {
    const assign = cli('policy', 'assignment', 'create', '--name', 'golden', '--set-definition', 'goldsmith-golden-image-compliance', '--scope', SUB, '--message', 'Use a Contoso golden image');
    assert.equal(assign.code, 0, assign.stderr);

    const denied = cli('vm', 'create', 'rogue', '--resource-group', 'goldsmith', '--location', 'westeurope', '--image', 'Canonical:ubuntu-24_04-lts:server:latest', '--role', 'cattle');
    assert.equal(denied.code, 67, denied.stderr);
    assert.match(denied.stderr, /FLEET_DENIED_BY_POLICY[\s\S]*'golden'[\s\S]*Use a Contoso golden image/);
    assert.equal((JSON.parse(cli('vm', 'list', '--json').stdout) as unknown[]).length, 0, 'a denied request changes nothing');

    const web = cli('vm', 'create', 'web1', '--resource-group', 'goldsmith', '--location', 'westeurope', '--image', 'contoso/deb12/latest', '--team', 'web', '--role', 'cattle', '--security-type', 'TrustedLaunch');
    assert.equal(web.code, 0, web.stderr);
    const db = cli('vm', 'create', 'db1', '--resource-group', 'goldsmith', '--location', 'westeurope', '--image', 'contoso/deb12/1.0.0', '--team', 'data', '--role', 'pet', '--security-type', 'TrustedLaunch');
    assert.equal(db.code, 0, db.stderr);

    const nonCompliant = () =>
      (JSON.parse(cli('compliance', 'list', '--state', 'NonCompliant', '--json').stdout) as Array<{ resourceId: string; referenceId?: string }>).map(
        (r) => `${r.resourceId.split('/').at(-1)}:${r.referenceId ?? ''}`,
      );
    assert.deepEqual(nonCompliant(), ['db1:petImageLifecycle'], 'the pet on an aged version is audited; the cattle on latest is fine');

    const excluded = cli('gallery', 'version', 'update', 'contoso', 'deb12', '1.0.1', '--exclude-from-latest', 'true');
    assert.equal(excluded.code, 0, excluded.stderr);
    assert.deepEqual(nonCompliant().sort(), ['db1:petImageLifecycle', 'web1:cattleCurrentImage'], 'cattle on an excluded version become NonCompliant at once');

    const summary = JSON.parse(cli('compliance', 'summary', '--by', 'team', '--json').stdout) as { rows: Array<{ key: string; compliancePercentage: number }> };
    const byTeam = Object.fromEntries(summary.rows.map((r) => [r.key, r.compliancePercentage]));
    assert.ok(byTeam['web']! < 100 && byTeam['data']! < 100, JSON.stringify(byTeam));
  });
});
