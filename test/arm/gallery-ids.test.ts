import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { galleryId, imageId, isGalleryName, isImageName, isVersionName, parseGalleryImageId, tryParseVersion, versionId } from '../../src/arm/index.js';

const SUB = '00000000-0000-0000-0000-000000000000';
const G = galleryId(SUB, 'images-rg', 'contoso');
const I = imageId(G, 'debian12-hardened');
const V = versionId(I, '1.2.3');

describe('gallery image ids', () => {
  it('parse definition and version ids, with the prefixes they hang under', () => {
    assert.deepEqual(parseGalleryImageId(I), { subscription: SUB, resourceGroup: 'images-rg', gallery: 'contoso', image: 'debian12-hardened', galleryId: G, imageId: I });
    assert.deepEqual(parseGalleryImageId(V), { subscription: SUB, resourceGroup: 'images-rg', gallery: 'contoso', image: 'debian12-hardened', version: '1.2.3', galleryId: G, imageId: I });
    const odd = parseGalleryImageId(V.toUpperCase() + '/')!;
    assert.equal(odd.version, '1.2.3');
    assert.equal(odd.imageId, I.toUpperCase());
  });

  it('refuse anything that is not exactly a definition or version', () => {
    for (const id of [
      G,
      `${V}/extra/x`,
      `${I}/versions`,
      `${I}/images/x`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Other/galleries/g/images/i`,
      `/subscriptions/${SUB}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm/providers/Microsoft.Compute/galleries/g/images/i`,
      `${G.replace('contoso', '')}/images/i`,
      'galleries/g/images/i',
      '',
    ]) {
      assert.equal(parseGalleryImageId(id), undefined, id);
    }
  });
});

describe('gallery names and version numbers', () => {
  it('gallery names: letters, digits, _ and . (not last), 1-80', () => {
    for (const ok of ['g', 'G1', 'my_gallery.v2', 'a'.repeat(80)]) assert.ok(isGalleryName(ok), ok);
    for (const bad of ['', 'has-hyphen', '_lead', '.lead', 'trail.', 'a'.repeat(81), 'sp ace', 'ü']) assert.ok(!isGalleryName(bad), bad);
  });
  it('image definition names also allow hyphens', () => {
    for (const ok of ['debian12-hardened', 'a_b.c-d', 'x'.repeat(80)]) assert.ok(isImageName(ok), ok);
    for (const bad of ['', '-lead', 'trail.', 'x'.repeat(81), 'a/b']) assert.ok(!isImageName(bad), bad);
  });
  it('versions are Major.Minor.Patch of 32-bit integers without leading zeros', () => {
    assert.deepEqual(tryParseVersion('2147483647.0.10'), { ok: true, version: { major: 2147483647, minor: 0, patch: 10 } });
    for (const bad of ['1.0', '1.0.0.0', '1.01.0', '2147483648.0.0', '-1.0.0', '1.0.0 ', 'latest', '']) assert.ok(!isVersionName(bad), bad);
  });
});
