import assert from 'node:assert/strict';
import { test } from 'node:test';
import { assertCatalogVersion, compareCatalogVersions, highestVersion } from '../../src/catalog/index.js';
import { compareDebian, debianVersionProblem } from '../../src/vuln/version/index.js';
import { genDebianPairs } from '../vuln/version/gen-debian.js';

const cases: Array<{ note: string; a: string; b: string; want: -1 | 0 | 1 }> = [
  { note: 'numeric, not lexical', a: '1.10.0', b: '1.9.0', want: 1 },
  { note: 'longer wins on equal prefix', a: '1.0', b: '1.0.1', want: -1 },
  { note: 'equal', a: '12.0.20240101', b: '12.0.20240101', want: 0 },
  { note: 'leading zeros are numbers', a: '1.02', b: '1.2', want: 0 },
  { note: 'huge parts', a: '0.20240101123456789', b: '0.20240101123456788', want: 1 },
  { note: 'debian tilde sorts first', a: '1.0~rc1', b: '1.0', want: -1 },
  { note: 'debian revision', a: '12.5-2', b: '12.5-10', want: -1 },
  { note: 'debian epoch dominates', a: '1:1.0', b: '2.0', want: 1 },
  { note: 'letters after digits', a: '1.0a', b: '1.0', want: 1 },
  { note: 'plus sorts after letters', a: '1.0+deb12u1', b: '1.0a', want: 1 },
];

test('compareCatalogVersions', async (t) => {
  for (const c of cases) {
    await t.test(c.note, () => {
      assert.equal(Math.sign(compareCatalogVersions(c.a, c.b)), c.want);
      assert.equal(Math.sign(compareCatalogVersions(c.b, c.a)), -c.want || 0);
    });
  }
});

test('Debian-like catalog versions order exactly as the dpkg-tested comparison does', () => {
  const dotted = /^\d+(\.\d+)*$/;
  const pairs = genDebianPairs(7, 2000).filter(([a, b]) => !debianVersionProblem(a) && !debianVersionProblem(b) && !(dotted.test(a) && dotted.test(b)));
  assert.ok(pairs.length > 1000, `only ${pairs.length} pairs`);
  for (const [a, b] of pairs) assert.equal(Math.sign(compareCatalogVersions(a, b)), compareDebian(a, b), `${a} vs ${b}`);
  // What dpkg refuses but a catalog version may hold still orders, without throwing.
  assert.equal(Math.sign(compareCatalogVersions('1x:2.0', '1.5')), 1, 'a non-numeric "epoch" counts as 0');
  assert.equal(Math.sign(compareCatalogVersions('1.0-', '1.0')), 0);
});

test('highestVersion and validation', () => {
  assert.equal(highestVersion(['1.9.0', '1.10.0', '1.2.3']), '1.10.0');
  assert.equal(highestVersion([]), undefined);
  assertCatalogVersion('12.0.20240101');
  for (const bad of ['', 'latest', 'v1', '1 0', '1/2', 'x'.repeat(70), 7]) {
    assert.throws(() => assertCatalogVersion(bad), { code: 'CATALOG_BAD_VERSION' }, String(bad));
  }
});
