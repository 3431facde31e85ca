import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  canonicalJson,
  DEFAULT_SOURCE_DATE_EPOCH,
  formatCatalogRef,
  mirrorForSuite,
  mmdebstrapArgs,
  normalizeRecipe,
  parseCatalogRef,
  parseDeb822Sources,
  readAptSources,
  recipeDigest,
  type AptSource,
} from '../../src/catalog/index.js';

const DEB822 = `Types: deb
# snapshot comment
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main

Types: deb-src
URIs: http://src.example/debian
Suites: trixie
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example/debian
Suites: trixie
Components: main
`;

test('apt sources: deb822 and one-line files; the mirror is the source listing the suite itself', async () => {
  const s = parseDeb822Sources(DEB822, 'x.sources');
  assert.deepEqual(s.map((x) => x.uri), ['http://deb.debian.org/debian', 'http://deb.debian.org/debian-security']);
  assert.equal(mirrorForSuite(s, 'bookworm'), 'http://deb.debian.org/debian');
  assert.equal(mirrorForSuite(s, 'bookworm-security'), 'http://deb.debian.org/debian-security');
  assert.equal(mirrorForSuite(s, 'trixie'), undefined, 'deb-src and disabled stanzas do not count');
  const dir = mkdtempSync(join(tmpdir(), 'gs-apt-'));
  try {
    mkdirSync(join(dir, 'sources.list.d'));
    writeFileSync(join(dir, 'sources.list'), '# old style\ndeb [arch=amd64 signed-by=/k.gpg] http://mirror.example/debian trixie main contrib\n');
    writeFileSync(join(dir, 'sources.list.d/debian.sources'), DEB822);
    writeFileSync(join(dir, 'sources.list.d/off.sources.disabled'), DEB822.replace(/deb\.debian\.org/g, 'nope'));
    const all = await readAptSources(dir);
    assert.equal(mirrorForSuite(all, 'trixie'), 'http://mirror.example/debian');
    assert.deepEqual(all[0]!.components, ['main', 'contrib']);
    assert.equal(all.length, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

const defaults = { aptSources: [{ uri: 'http://local.mirror/debian/', suites: ['bookworm'], components: ['main'], file: 'f' }] as AptSource[], architecture: 'amd64' };

test('normalizeRecipe fills every default and the digest ignores package order', () => {
  const r = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['zstd', 'curl=7.88.1-10+deb12u5'] }, defaults);
  assert.deepEqual(r, {
    kind: 'mmdebstrap',
    suite: 'bookworm',
    variant: 'minbase',
    mirror: 'http://local.mirror/debian',
    packages: ['curl=7.88.1-10+deb12u5', 'zstd'],
    components: ['main'],
    sourceDateEpoch: DEFAULT_SOURCE_DATE_EPOCH,
    architecture: 'amd64',
    updates: true,
    securityMirror: 'http://deb.debian.org/debian-security',
  });
  const same = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'minbase', packages: ['curl=7.88.1-10+deb12u5', 'zstd'] }, defaults);
  assert.equal(recipeDigest(same), recipeDigest(r));
  const other = normalizeRecipe({ kind: 'mmdebstrap', suite: 'bookworm', variant: 'apt' }, defaults);
  assert.notEqual(recipeDigest(other), recipeDigest(r));
  assert.equal(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] }), '{"a":[{"c":2,"d":1}],"b":1}');
  // An unknown suite falls back to deb.debian.org.
  assert.equal(normalizeRecipe({ kind: 'mmdebstrap', suite: 'trixie', variant: 'minbase' }, defaults).mirror, 'http://deb.debian.org/debian');
  const args = mmdebstrapArgs(r, '/tmp/t');
  // Stable bases carry the security archive and -updates, so a golden image starts patched.
  assert.deepEqual(args.slice(-5), [
    'bookworm',
    '/tmp/t',
    'http://local.mirror/debian',
    'deb http://local.mirror/debian bookworm-updates main',
    'deb http://deb.debian.org/debian-security bookworm-security main',
  ]);
  assert.equal(normalizeRecipe({ kind: 'mmdebstrap', suite: 'sid', variant: 'minbase' }, defaults).updates, false);
  assert.deepEqual(mmdebstrapArgs({ ...r, updates: false }, '/tmp/t').slice(-3), ['bookworm', '/tmp/t', 'http://local.mirror/debian']);
  assert.ok(args.includes('--variant=minbase') && args.includes('--include=curl=7.88.1-10+deb12u5,zstd'));
});

test('normalizeRecipe rejects bad fields naming the field', () => {
  const bad: Array<[unknown, string]> = [
    [{ kind: 'docker', suite: 'bookworm' }, 'recipe.kind'],
    [{ kind: 'mmdebstrap', suite: 'Bookworm!' }, 'recipe.suite'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', variant: 'tiny' }, 'recipe.variant'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', mirror: 'ftp://x' }, 'recipe.mirror'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', securityMirror: 'nope' }, 'recipe.securityMirror'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', packages: ['ok', 'bad pkg'] }, 'recipe.packages[1]'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', components: [] }, 'recipe.components'],
    [{ kind: 'mmdebstrap', suite: 'bookworm', sourceDateEpoch: 1.5 }, 'recipe.sourceDateEpoch'],
  ];
  for (const [recipe, where] of bad) {
    assert.throws(() => normalizeRecipe(recipe as never, defaults), { code: 'CATALOG_BAD_RECIPE', where }, where);
  }
});

test('catalog refs are publisher:offer:sku:version URNs', () => {
  const ref = parseCatalogRef('Debian:debian-12:12-minbase:latest');
  assert.deepEqual(ref, { publisher: 'Debian', offer: 'debian-12', sku: '12-minbase', version: 'latest' });
  assert.equal(formatCatalogRef(ref), 'Debian:debian-12:12-minbase:latest');
  for (const bad of ['a:b:c', 'a:b:c:d:e', 'a::c:d', '']) assert.throws(() => parseCatalogRef(bad), { code: 'CATALOG_BAD_REF' });
});
