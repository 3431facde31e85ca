import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { attest, GOLDSMITH_BUILD_TYPE, makeStatement, predicateProblems, PREDICATE_TYPES, statementProblems, STATEMENT_TYPE, verifyEnvelope } from '../../src/attest/index.js';
import { provenancePredicate, sha256, spdxPredicate, SUBJECT, tempKeyring } from './support.js';

describe('in-toto statement and predicates', () => {
  it('a statement has the v1 required fields and the subject as a DigestSet', () => {
    const s = makeStatement([SUBJECT], PREDICATE_TYPES.tattoo, { A: 'b' });
    assert.equal(s._type, STATEMENT_TYPE);
    assert.deepEqual(Object.keys(s).sort(), ['_type', 'predicate', 'predicateType', 'subject']);
    assert.deepEqual(s.subject, [{ name: SUBJECT.name, digest: { sha256: SUBJECT.digest.slice(7) } }]);
    assert.deepEqual(statementProblems(s), []);
    assert.throws(() => makeStatement([], 'x:y', {}), { code: 'ATTEST_SUBJECT_INVALID' });
    assert.throws(() => makeStatement([{ name: 'a', digest: 'md5:abc' }], 'x:y', {}), { code: 'ATTEST_DIGEST_INVALID', where: '/subject/0/digest' });
    assert.throws(() => makeStatement([SUBJECT], 'not a uri', {}), { code: 'ATTEST_PREDICATE_INVALID' });
  });

  it('SLSA provenance v1 carries builder, template digest, base digest, mirror, parameters and times', () => {
    const p = provenancePredicate();
    assert.deepEqual(predicateProblems(PREDICATE_TYPES.provenance, p), []);
    assert.equal(p.buildDefinition.buildType, GOLDSMITH_BUILD_TYPE);
    assert.deepEqual(p.buildDefinition.externalParameters, {
      template: { name: 'hardened-debian', digest: { sha256: sha256('template').slice(7) } },
      requestedBase: 'Debian:debian-12:minbase:latest',
      version: { gallery: 'contoso', image: 'debian', version: '1.0.0' },
    });
    assert.deepEqual(p.buildDefinition.resolvedDependencies, [
      { name: 'base-image', uri: 'goldsmith:catalog/Debian/debian-12/minbase/0.20240101.0', digest: { sha256: sha256('base').slice(7) } },
      { name: 'mirror', uri: 'http://deb.debian.org/debian' },
    ]);
    assert.match(p.runDetails.builder.id, /^https:\/\//);
    assert.deepEqual(p.runDetails.metadata, { invocationId: 'run-42', startedOn: '2026-11-23T10:00:00.000Z', finishedOn: '2026-11-23T10:05:00.000Z' });
  });

  it('predicate checks catch what each known type requires', () => {
    const p = provenancePredicate() as unknown as { runDetails: { builder: { id: string }; metadata: { startedOn: string } } };
    p.runDetails.builder.id = '';
    p.runDetails.metadata.startedOn = 'yesterday';
    assert.deepEqual(predicateProblems(PREDICATE_TYPES.provenance, p), [
      'provenance runDetails.builder.id is missing',
      'provenance runDetails.metadata.startedOn is not an RFC 3339 timestamp',
    ]);
    assert.deepEqual(predicateProblems(PREDICATE_TYPES.sbom, { ...spdxPredicate(), spdxVersion: 'SPDX-2.2' }), ['SBOM predicate spdxVersion is "SPDX-2.2", expected "SPDX-2.3"']);
    assert.deepEqual(predicateProblems(PREDICATE_TYPES.tattoo, { OOB: true }), ['tattoo predicate field OOB is not a string']);
    assert.deepEqual(predicateProblems('https://example.com/other', {}), []);
    assert.deepEqual(predicateProblems(PREDICATE_TYPES.tattoo, []), ['predicate is not an object']);
  });

  it('attest refuses to sign a malformed predicate and signs a good one', async () => {
    const k = await tempKeyring();
    await assert.rejects(attest({ subject: SUBJECT, predicateType: PREDICATE_TYPES.sbom, predicate: { spdxVersion: 'SPDX-2.2' } }, k), { code: 'ATTEST_PREDICATE_INVALID', where: '/predicate' });
    const env = await attest({ subject: SUBJECT, predicateType: PREDICATE_TYPES.provenance, predicate: provenancePredicate() }, k);
    const r = verifyEnvelope(env, { trusted: await k.trusted(), expectedSubjectDigest: SUBJECT.digest });
    assert.equal(r.ok, true);
    assert.deepEqual(r.statement?.predicate, provenancePredicate());
  });
});
