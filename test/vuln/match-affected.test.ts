import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from './helpers.js';
import { choosePin, comparatorFor, ecosystemOf, matchAffected, prepareAffected, type AffectedPackageHit } from '../../src/vuln/index.js';

interface Case {
  note: string;
  ecosystem: string;
  affected: { ranges: never[]; versions?: string[] };
  version: string;
  want: { affected: boolean; fixed?: string; lastAffected?: string };
}
const cases = JSON.parse(readFileSync(join(ROOT, 'test/vuln/cases/osv-ranges.json'), 'utf8')) as Case[];

describe('OSV range evaluation (conformance cases)', () => {
  for (const c of cases) {
    it(c.note, () => {
      const cmp = comparatorFor(c.ecosystem)!;
      const p = prepareAffected({ ecosystem: c.ecosystem, package: 'p', ranges: c.affected.ranges, versions: c.affected.versions ?? [] }, cmp);
      const m = matchAffected(c.version, p, cmp);
      assert.equal(m.affected, c.want.affected);
      if (c.want.fixed !== undefined) assert.equal(m.fixed, c.want.fixed);
      if (c.want.lastAffected !== undefined) assert.equal(m.lastAffected, c.want.lastAffected);
      if (!c.want.fixed && c.want.affected) assert.equal(m.fixed, undefined);
    });
  }
});

describe('ecosystems', () => {
  it('derives the OSV ecosystem from os-release', () => {
    assert.equal(ecosystemOf({ id: 'debian', versionId: '12' }), 'Debian:12');
    assert.equal(ecosystemOf({ id: 'alpine', versionId: '3.19.1' }), 'Alpine:v3.19');
    assert.equal(ecosystemOf({ id: 'rocky', versionId: '9.3' }), 'Rocky Linux:9');
    assert.equal(ecosystemOf({ id: 'debian', versionCodename: 'trixie' }), undefined, 'testing has no VERSION_ID');
  });
});

describe('choosePin', () => {
  const cmp = comparatorFor('Debian:12')!;
  const hit = (fixed: string | null, lastAffected?: string): AffectedPackageHit => ({
    name: 'libc6', arch: 'amd64', installed: '2.36-9+deb12u4', source: 'glibc', sourceVersion: '2.36-9+deb12u4', fixed, advisory: 'A', ...(lastAffected ? { lastAffected } : {}),
  });
  it('pins the exact fixed version when the mirror has it', () => {
    assert.deepEqual(choosePin(hit('2.36-9+deb12u6'), ['2.36-9+deb12u4', '2.36-9+deb12u6', '2.36-9+deb12u7'], cmp), { ok: true, pin: 'libc6=2.36-9+deb12u6', version: '2.36-9+deb12u6' });
  });
  it('else the newest version at or above the fix (binNMUs compare above their source)', () => {
    const c = choosePin(hit('2.36-9+deb12u6'), ['2.36-9+deb12u4', '2.36-9+deb12u7', '2.36-9+deb12u10'], cmp);
    assert.deepEqual(c, { ok: true, pin: 'libc6=2.36-9+deb12u10', version: '2.36-9+deb12u10' });
  });
  it('refuses when the mirror has no fixed version, saying what it offers', () => {
    const c = choosePin(hit('2.36-9+deb12u9999'), ['2.36-9+deb12u4'], cmp);
    assert.equal(c.ok, false);
    assert.match((c as { reason: string }).reason, /libc6 ≥ 2\.36-9\+deb12u9999 is not in the image's mirror \(it offers 2\.36-9\+deb12u4\)/);
  });
  it('last_affected: anything strictly above it qualifies', () => {
    assert.deepEqual(choosePin(hit(null, '2.36-9+deb12u4'), ['2.36-9+deb12u4', '2.36-9+deb12u5'], cmp), { ok: true, pin: 'libc6=2.36-9+deb12u5', version: '2.36-9+deb12u5' });
  });
  it('no fix published: refused', () => {
    assert.match((choosePin(hit(null), ['9'], cmp) as { reason: string }).reason, /no fixed version of glibc/);
  });
});
