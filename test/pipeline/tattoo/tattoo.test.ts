import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseOsRelease } from '../../../src/image/os-release.js';
import {
  applyOsRelease,
  formatTattoo,
  osVersionOf,
  parseTattoo,
  requiredTattooKeys,
  tattooProblems,
  toOsReleaseImageId,
  type Tattoo,
} from '../../../src/pipeline/tattoo/index.js';
import { DEBIAN_OS_RELEASE } from '../checks/rootfs-fixture.js';
import { sample } from './sample-tattoo.js';

describe('tattoo text', () => {
  test('round-trips every field, including OOB lists and unknown keys', () => {
    const t = sample({ oob: true, cveIds: ['CVE-2024-6387', 'CVE-2023-48795'], patchDate: '2026-11-22', extra: { TEAM: 'platform' } });
    const text = formatTattoo(t);
    assert.deepEqual(parseTattoo(text), t);
    assert.equal(formatTattoo(parseTattoo(text)), text, 'format is a fixed point');
  });

  test('is deterministic with a fixed key order and a header comment', () => {
    const a = formatTattoo(sample({ oob: true, cveIds: ['CVE-2024-6387'], patchDate: '2026-11-22' }));
    // Build the same tattoo with properties inserted in another order.
    const shuffled = Object.fromEntries(Object.entries(sample({ patchDate: '2026-11-22', cveIds: ['CVE-2024-6387'], oob: true })).reverse()) as Tattoo;
    assert.equal(formatTattoo(shuffled), a);
    assert.match(a, /^# /);
    const keys = a.split('\n').filter((l) => l && !l.startsWith('#')).map((l) => l.split('=')[0]);
    assert.deepEqual(keys, [
      'SOURCE_PUBLISHER', 'SOURCE_OFFER', 'SOURCE_SKU', 'SOURCE_VERSION', 'OS_VERSION', 'IMAGE_NAME', 'IMAGE_VERSION',
      'PUBLISH_DATE', 'BUILD_ID', 'TEMPLATE_DIGEST', 'GALLERY', 'OOB', 'CVE_IDS', 'PATCH_DATE',
    ]);
  });

  test('quotes values so that sh reads back exactly the same strings', () => {
    const nasty = `it's "quoted" $HOME \`id\` back\\slash; rm -rf / & echo`;
    const t = sample({ osVersion: nasty, buildId: 'plain-id.1' });
    const text = formatTattoo(t);
    assert.match(text, /^BUILD_ID=plain-id\.1$/m, 'safe values stay bare');
    const dir = mkdtempSync(join(tmpdir(), 'gs-tattoo-'));
    try {
      writeFileSync(join(dir, 'tattoo'), text);
      const out = execFileSync('sh', ['-c', '. "$1"; printf %s "$OS_VERSION"', 'sh', join(dir, 'tattoo')], { encoding: 'utf8' });
      assert.equal(out, nasty);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    assert.equal(parseTattoo(text).osVersion, nasty);
  });

  test('refuses newlines and NUL bytes in values', () => {
    assert.throws(() => formatTattoo(sample({ osVersion: 'a\nEVIL=1' })), { code: 'TATTOO_BAD_VALUE', kind: 'input' });
    assert.throws(() => formatTattoo(sample({ buildId: 'a\0b' })), { code: 'TATTOO_BAD_VALUE' });
  });

  test('parse errors name the line', () => {
    assert.throws(() => parseTattoo('# c\nA=1\nnot a pair\n'), (e: Error & { code: string; where: string }) => {
      assert.equal(e.code, 'TATTOO_PARSE');
      assert.equal(e.where, '/etc/goldsmith/tattoo:3');
      assert.match(e.message, /:3: expected KEY=VALUE/);
      return true;
    });
    assert.throws(() => parseTattoo('A=1\nA=2\n'), /:2: duplicate key A/);
    assert.throws(() => parseTattoo('A="open\n'), /:1: unterminated double quote/);
    assert.throws(() => parseTattoo('A=two words\n'), /:1: unquoted value/);
    assert.throws(() => parseTattoo('OOB=maybe\n'), /OOB must be true or false/);
  });

  test('accepts single quotes as sh does', () => {
    assert.equal(parseTattoo("OS_VERSION='Debian $x \"12\"'\n").osVersion, 'Debian $x "12"');
  });
});

describe('tattoo completeness', () => {
  test('a complete regular build has no problems and does not require OOB keys', () => {
    assert.deepEqual(tattooProblems(sample()), []);
    assert.ok(!requiredTattooKeys(sample()).includes('CVE_IDS'));
    assert.equal(requiredTattooKeys(sample()).length, 11);
  });

  test('lists every missing field by key', () => {
    const problems = tattooProblems({ ...sample(), buildId: '', gallery: undefined } as Partial<Tattoo>);
    assert.deepEqual(problems.map((p) => [p.key, p.problem]), [['BUILD_ID', 'missing'], ['GALLERY', 'missing']]);
    assert.equal(tattooProblems({}).length, 11);
  });

  test('an emergency build needs CVE ids and a patch date', () => {
    const oob = sample({ oob: true });
    assert.ok(requiredTattooKeys(oob).includes('PATCH_DATE'));
    assert.deepEqual(tattooProblems(oob).map((p) => p.key), ['CVE_IDS', 'PATCH_DATE']);
    assert.deepEqual(tattooProblems(sample({ oob: true, cveIds: ['CVE-2024-6387'], patchDate: '2026-11-22' })), []);
    const bad = tattooProblems(sample({ oob: true, cveIds: ['CVE-2024-6387', 'CVE-24-1', 'GHSA-xxxx'], patchDate: '2026-02-30' }));
    assert.deepEqual(bad.map((p) => p.key), ['CVE_IDS', 'PATCH_DATE']);
    assert.match(bad[0].message, /"CVE-24-1", "GHSA-xxxx"/);
    assert.doesNotMatch(bad[0].message, /CVE-2024-6387/);
  });

  test('an emergency build for an advisory without a CVE id carries its advisory ids instead', () => {
    const t = sample({ oob: true, advisoryIds: ['GHSA-abcd-1234-efgh', 'DSA-5999-1'], patchDate: '2026-11-22' });
    assert.deepEqual(tattooProblems(t), []);
    assert.ok(requiredTattooKeys(t).includes('ADVISORY_IDS') && !requiredTattooKeys(t).includes('CVE_IDS'));
    assert.deepEqual(parseTattoo(formatTattoo(t)).advisoryIds, ['GHSA-abcd-1234-efgh', 'DSA-5999-1']);
    assert.deepEqual(tattooProblems(sample({ oob: true, cveIds: ['CVE-2024-6387'], advisoryIds: ['DSA-5724-1'], patchDate: '2026-11-22' })), [], 'both');
    const bad = tattooProblems(sample({ oob: true, advisoryIds: ['dsa 1', 'DSA-5724-1'], patchDate: '2026-11-22' }));
    assert.deepEqual(bad.map((p) => p.key), ['ADVISORY_IDS']);
    assert.match(bad[0]!.message, /"dsa 1"/);
    assert.deepEqual(tattooProblems(sample({ advisoryIds: ['DSA-5724-1'] })).map((p) => p.key), ['ADVISORY_IDS'], 'advisory ids without OOB');
  });

  test('rejects latest as source version, non-semver image versions, non-UTC dates, odd digests', () => {
    const keys = tattooProblems(sample({ sourceVersion: 'latest', imageVersion: '1.2', publishDate: '2026-11-23T18:00:00+01:00', templateDigest: 'xyz' })).map((p) => p.key);
    assert.deepEqual(keys, ['SOURCE_VERSION', 'IMAGE_VERSION', 'PUBLISH_DATE', 'TEMPLATE_DIGEST']);
    assert.deepEqual(tattooProblems(sample({ templateDigest: 'sha256:' + 'b'.repeat(64), publishDate: '2026-11-23T18:00:00.123Z' })), []);
    assert.deepEqual(tattooProblems(sample({ cveIds: ['CVE-2024-6387'] })).map((p) => p.key), ['CVE_IDS'], 'CVE ids without OOB');
  });
});

describe('os-release', () => {
  test('sets IMAGE_ID and IMAGE_VERSION, replacing old values in place and keeping everything else', () => {
    const once = applyOsRelease(DEBIAN_OS_RELEASE, { imageId: 'hardened-web', imageVersion: '1.0.0' });
    assert.ok(once.startsWith(DEBIAN_OS_RELEASE), 'existing lines are untouched');
    assert.deepEqual({ id: parseOsRelease(once).IMAGE_ID, v: parseOsRelease(once).IMAGE_VERSION }, { id: 'hardened-web', v: '1.0.0' });
    const withDup = once + 'IMAGE_VERSION="0.0.9"\n';
    const twice = applyOsRelease(withDup, { imageId: 'hardened-web', imageVersion: '1.0.1' });
    assert.equal(twice.match(/^IMAGE_VERSION=/gm)?.length, 1, 'duplicates removed');
    assert.equal(twice, DEBIAN_OS_RELEASE + 'IMAGE_ID=hardened-web\nIMAGE_VERSION=1.0.1\n');
    assert.equal(applyOsRelease('', { imageId: 'x', imageVersion: '1.0.0' }), 'IMAGE_ID=x\nIMAGE_VERSION=1.0.0\n');
  });

  test('enforces os-release(5) character sets and maps definition names', () => {
    assert.throws(() => applyOsRelease('', { imageId: 'Hardened Web', imageVersion: '1' }), { code: 'TATTOO_BAD_IMAGE_ID' });
    assert.throws(() => applyOsRelease('', { imageId: 'x', imageVersion: '1 0' }), { code: 'TATTOO_BAD_IMAGE_VERSION' });
    assert.equal(toOsReleaseImageId('Hardened Web/Prod'), 'hardened-web-prod');
  });

  test('OS version: PRETTY_NAME, else NAME and VERSION_ID', () => {
    assert.equal(osVersionOf(DEBIAN_OS_RELEASE), 'Debian GNU/Linux 12 (bookworm)');
    assert.equal(osVersionOf('NAME="Alpine Linux"\nVERSION_ID=3.20.1\n'), 'Alpine Linux 3.20.1');
  });
});
