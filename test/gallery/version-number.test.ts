import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareVersions, formatVersion, parseVersion, tryParseVersion } from '../../src/gallery/index.js';

test('parses Major.Minor.Patch and compares numerically, never lexically', () => {
  assert.deepEqual(parseVersion('1.10.0'), { major: 1, minor: 10, patch: 0 });
  assert.ok(compareVersions(parseVersion('1.10.0'), parseVersion('1.9.0')) > 0);
  assert.ok(compareVersions(parseVersion('2.0.0'), parseVersion('10.0.0')) < 0);
  assert.equal(compareVersions(parseVersion('3.2.1'), parseVersion('3.2.1')), 0);
  const sorted = ['1.0.10', '1.0.9', '0.9.99', '1.0.0'].map((v) => parseVersion(v)).sort(compareVersions).map(formatVersion);
  assert.deepEqual(sorted, ['0.9.99', '1.0.0', '1.0.9', '1.0.10']);
});

test('rejects anything that is not three integers, with a clear error naming where', () => {
  for (const bad of ['1.0', '1.0.0.0', 'v1.0.0', '1.0.0-rc1', '1.a.0', '', ' 1.0.0', '1..0', '-1.0.0']) {
    assert.throws(() => parseVersion(bad, 'distribute/version'), (e: { code: string; where: string; message: string }) => {
      assert.equal(e.code, 'GALLERY_BAD_VERSION');
      assert.equal(e.where, 'distribute/version');
      assert.match(e.message, /Major\.Minor\.Patch/);
      return true;
    });
  }
  const lz = tryParseVersion('1.01.0');
  assert.equal(lz.ok, false);
  assert.match(!lz.ok ? lz.reason : '', /write 1\.1\.0/);
  assert.equal(tryParseVersion('2147483648.0.0').ok, false, 'parts are 32-bit integers as in Azure');
  assert.equal(tryParseVersion('2147483647.0.0').ok, true);
});
