import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nextVersion } from '../../src/gallery/index.js';

const present = ['0.1.1', '0.1.2', '1.0.0', '1.2.0', '2.1.0'];

test('Azure Image Builder "Latest" scheme: highest within the major, patch + 1', () => {
  assert.equal(nextVersion(present, 1), '1.2.1');
  assert.equal(nextVersion(present, 0), '0.1.3');
  assert.equal(nextVersion(present), '2.1.1');
  assert.equal(nextVersion(present, -1), '2.1.1', '-1 means unset, as in AIB');
  assert.equal(nextVersion(present, 3), '3.0.0');
});

test('order of the input does not matter and comparison is numeric', () => {
  assert.equal(nextVersion(['1.9.0', '1.10.0', '1.2.99']), '1.10.1');
  assert.equal(nextVersion([...present].reverse(), 1), '1.2.1');
});

test('empty gallery: MAJOR.0.0, or 1.0.0 with no major', () => {
  assert.equal(nextVersion([]), '1.0.0');
  assert.equal(nextVersion([], 4), '4.0.0');
});

test('soft-deleted versions still hold their number, so callers pass them in and they are skipped over', () => {
  // 1.2.1 is soft-deleted in the gallery; the next must not reuse it.
  assert.equal(nextVersion([...present, '1.2.1'], 1), '1.2.2');
});

test('a bad major is refused', () => {
  assert.throws(() => nextVersion(present, 1.5), { code: 'GALLERY_BAD_MAJOR' });
  assert.throws(() => nextVersion(present, -2), { code: 'GALLERY_BAD_MAJOR' });
  assert.throws(() => nextVersion(['1.0'], 1), { code: 'GALLERY_BAD_VERSION' });
});
