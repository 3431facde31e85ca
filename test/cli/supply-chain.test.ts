import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { createApp } from '../../src/app/index.js';
import { openStore } from '../../src/store/index.js';
import { cliFor } from '../support/cli.js';
import { cachedMinbase, MINBASE_RECIPE } from '../support/base-image.js';
import { TEST_BASE } from '../support/app.js';


describe('supply chain through the CLI: sbom show/export/diff and verify of a published version', () => {
  const home = mkdtempSync(join(tmpdir(), 'gs-cli-sc-'));
  const cli = cliFor(home);
  let rootfsPath = '';

  before(async () => {
    const store = await openStore({ home });
    const app = createApp({ home }, store);
    await app.catalog.add({ ...TEST_BASE, recipe: MINBASE_RECIPE });
    await app.catalog.adoptArtifact(TEST_BASE, await cachedMinbase());
    for (const [i, motd] of ['one\n', 'two\n'].entries()) {
      writeFileSync(join(home, 'motd'), motd);
      const t = {
        name: 'sc',
        source: { ...TEST_BASE, version: 'latest' },
        customize: [{ type: 'file', name: 'motd', source: 'motd', destination: '/etc/motd', sha256: createHash('sha256').update(motd).digest('hex') }],
        ...(i === 1 ? { validate: { checks: [{ type: 'file-contains', name: 'motd', path: '/etc/motd', pattern: 'two' }] } } : {}),
        distribute: { gallery: 'sc', image: 'img', targetRegions: [{ name: 'westeurope', replicaCount: 1 }, { name: 'eastus', replicaCount: 1 }], versioning: { scheme: 'latest' } },
      };
      writeFileSync(join(home, 't.json'), JSON.stringify(t));
      const run = await app.builds.start(join(home, 't.json'));
      assert.equal(run.state, 'succeeded', JSON.stringify(run.error));
    }
    const v = await app.gallery.showVersion({ gallery: 'sc', image: 'img', version: '1.0.1' });
    rootfsPath = await app.artifacts.localPath('eastus', v.artifacts.find((a) => a.kind === 'rootfs')!.digest);
    await store.close();
  });

  it('shows, exports and diffs SBOMs', () => {
    const show = cli('sbom', 'show', 'sc/img/1.0.0', '--json');
    assert.equal(show.code, 0, show.stderr);
    const inv = JSON.parse(show.stdout) as { os: { id: string; versionId: string }; packages: Array<{ name: string; purl: string }> };
    assert.equal(inv.os.id, 'debian');
    assert.ok(inv.packages.find((p) => p.name === 'libc6')?.purl.startsWith('pkg:deb/debian/libc6@'));
    const cdx = cli('sbom', 'export', 'sc/img/1.0.0', '--format', 'cyclonedx');
    assert.equal(JSON.parse(cdx.stdout).specVersion, '1.6');
    const diff = cli('sbom', 'diff', 'sc/img/1.0.0', 'sc/img/1.0.1', '--json');
    assert.deepEqual(JSON.parse(diff.stdout), { added: [], removed: [], changed: [] }, 'same packages in both versions');
    assert.equal(cli('sbom', 'show', 'sc/img/9.9.9').code, 66);
  });

  it('verifies a version offline in every region, and names the region whose copy was tampered with', () => {
    const ok = cli('verify', 'sc/img/1.0.1', '--json');
    assert.equal(ok.code, 0, ok.stdout + ok.stderr);
    const verdict = JSON.parse(ok.stdout) as { regions: Array<{ region: string; ok: boolean; artifacts: Array<{ kind: string }>; results: Array<{ predicateType: string }> }>; trust: { source: string } };
    assert.deepEqual(verdict.regions.map((r) => [r.region, r.ok]).sort(), [['eastus', true], ['westeurope', true]]);
    // A real build signs every artifact (rootfs and both SBOMs here) and the image-version statement the row is checked against.
    assert.deepEqual(verdict.regions[0]!.artifacts.map((a) => a.kind).sort(), ['rootfs', 'sbom-cyclonedx', 'sbom-spdx']);
    assert.ok(verdict.regions[0]!.results.some((r) => r.predicateType === 'https://goldsmith.dev/attestations/image-version/v1'));
    assert.equal(verdict.trust.source, 'data-directory');
    const bytes = readFileSync(rootfsPath);
    bytes[bytes.length - 1] ^= 0xff;
    writeFileSync(rootfsPath, bytes);
    const bad = cli('verify', 'sc/img/1.0.1');
    assert.equal(bad.code, 68);
    assert.match(bad.stdout, /\[eastus\][\s\S]*artifact digest mismatch/);
    assert.match(bad.stderr, /failed in eastus/);
  });
});
