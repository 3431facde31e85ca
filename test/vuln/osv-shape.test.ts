import assert from 'node:assert/strict';
import { test } from 'node:test';
import { osvShapeProblem } from '../../src/vuln/osv-shape.js';

// Where the official OSV schema is not on the machine, this is what stands between a record and the
// importer: every field it reads, checked, with the field named.
test('the OSV shape Goldsmith reads: good records pass, each malformed field is named', () => {
  const good = {
    id: 'DSA-5000-1',
    modified: '2024-07-01T12:00:00Z',
    published: '2024-07-01T12:00:00.5+02:00',
    aliases: ['CVE-2024-6387'],
    summary: 'openssh',
    affected: [
      { package: { ecosystem: 'Debian:12', name: 'openssh' }, ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: '0' }, { fixed: '1:9.2p1-2+deb12u3' }] }], versions: ['1:9.2p1-2'] },
      { ranges: [{ type: 'GIT', events: [{ introduced: 'abc' }] }] },
    ],
  };
  assert.equal(osvShapeProblem(good), undefined);
  const cases: Array<[unknown, string]> = [
    [[], ''],
    [{ ...good, id: 7 }, '/id'],
    [{ ...good, modified: 'yesterday' }, '/modified'],
    [{ ...good, withdrawn: 1 }, '/withdrawn'],
    [{ ...good, aliases: ['x', 3] }, '/aliases/1'],
    [{ ...good, affected: {} }, '/affected'],
    [{ ...good, affected: [{ package: { ecosystem: 'Debian', name: '' } }] }, '/affected/0/package/name'],
    [{ ...good, affected: [{ versions: [1] }] }, '/affected/0/versions/0'],
    [{ ...good, affected: [{ ranges: [{ type: 'ODD', events: [{ fixed: '1' }] }] }] }, '/affected/0/ranges/0/type'],
    [{ ...good, affected: [{ ranges: [{ type: 'ECOSYSTEM', events: [] }] }] }, '/affected/0/ranges/0/events'],
    [{ ...good, affected: [{ ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1' }] }] }] }, '/affected/0/ranges/0/events'],
    [{ ...good, affected: [{ ranges: [{ type: 'ECOSYSTEM', events: [{ fixed: '1', introduced: '0' }] }] }] }, '/affected/0/ranges/0/events/0'],
    [{ ...good, affected: [{ ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: 2 }] }] }] }, '/affected/0/ranges/0/events/0'],
  ];
  for (const [doc, path] of cases) assert.equal(osvShapeProblem(doc)?.path, path, JSON.stringify(doc).slice(0, 120));
});
