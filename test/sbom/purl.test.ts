import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatPurl, normalizePurl, parsePurl, purlEquals } from '../../src/sbom/index.js';
import { InputError } from '../../src/errors/index.js';

test('formatPurl encodes per the purl spec and parsePurl reverses it', () => {
  const p = { type: 'deb', namespace: 'debian', name: 'libc6', version: '2.36-9+deb12u4', qualifiers: { distro: 'debian-12', arch: 'amd64' } };
  const s = formatPurl(p);
  // qualifiers sorted by key, '+' percent-encoded
  assert.deepEqual(parsePurl(s), p);
  assert.ok(purlEquals(s, 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12'));
  const epoch = parsePurl(formatPurl({ type: 'deb', namespace: 'debian', name: 'openssh-server', version: '1:9.2p1-2+deb12u3' }));
  assert.equal(epoch.version, '1:9.2p1-2+deb12u3');
  // names with characters that need encoding survive a round trip
  const odd = { type: 'deb', namespace: 'debian', name: 'libstdc++6', version: '12.2.0-14 a/b@c?d#e%f' };
  assert.deepEqual(parsePurl(formatPurl(odd)), odd);
});

test('normalizePurl makes equivalent spellings equal and keeps real differences', () => {
  const canonical = normalizePurl('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12');
  for (const s of [
    'PKG:DEB/Debian/LibC6@2.36-9%2Bdeb12u4?distro=debian-12&arch=amd64',
    'pkg:deb/debian/libc6@2.36-9%2bdeb12u4?Arch=amd64&distro=debian-12&empty=',
    'pkg://deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
  ]) {
    assert.equal(normalizePurl(s), canonical, s);
  }
  assert.ok(!purlEquals('pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u6?arch=amd64'));
  assert.ok(!purlEquals('pkg:deb/debian/libc6@1?arch=amd64', 'pkg:deb/debian/libc6@1?arch=arm64'));
  // rpm names are case-sensitive, deb names are not
  assert.ok(!purlEquals('pkg:rpm/fedora/NetworkManager@1.0', 'pkg:rpm/fedora/networkmanager@1.0'));
  assert.ok(purlEquals('pkg:rpm/Fedora/NetworkManager@1.0', 'pkg:rpm/fedora/NetworkManager@1.0'));
});

test('parsePurl rejects malformed purls with SBOM_PURL_INVALID', () => {
  for (const s of ['deb/debian/x@1', 'pkg:deb', 'pkg:/x', 'pkg:deb/debian/x@1?arch', 'pkg:deb/debian/x@%E0%A4%A']) {
    assert.throws(() => parsePurl(s), (e: unknown) => e instanceof InputError && e.code === 'SBOM_PURL_INVALID', s);
  }
});
