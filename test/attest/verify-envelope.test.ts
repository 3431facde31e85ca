import assert from 'node:assert/strict';
import { sign } from 'node:crypto';
import { describe, it } from 'node:test';
import { attest, IN_TOTO_PAYLOAD_TYPE, PREDICATE_TYPES, signEnvelope, verifyEnvelope, type Envelope } from '../../src/attest/index.js';
import { sha256, spdxPredicate, SUBJECT, tempKeyring } from './support.js';

async function setup() {
  const keyring = await tempKeyring();
  const env = await attest({ subject: SUBJECT, predicateType: PREDICATE_TYPES.sbom, predicate: spdxPredicate() }, keyring);
  return { keyring, env, trusted: await keyring.trusted() };
}

const clone = (e: Envelope): Envelope => JSON.parse(JSON.stringify(e)) as Envelope;
const decoded = (e: Envelope) => JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8')) as Record<string, unknown>;

describe('verifyEnvelope', () => {
  it('accepts a genuine envelope and returns the statement and signing key', async () => {
    const { keyring, env, trusted } = await setup();
    const r = verifyEnvelope(env, { trusted, expectedSubjectDigest: SUBJECT.digest, expectedPredicateType: PREDICATE_TYPES.sbom });
    assert.deepEqual(r.problems, []);
    assert.equal(r.ok, true);
    assert.equal(r.keyid, (await keyring.active()).keyid);
    assert.equal(r.statement?.predicateType, PREDICATE_TYPES.sbom);
    assert.deepEqual(r.statement?.subject, [{ name: SUBJECT.name, digest: { sha256: SUBJECT.digest.slice(7) } }]);
    assert.equal(env.payloadType, IN_TOTO_PAYLOAD_TYPE);
  });

  it('a tampered payload fails with "signature invalid"', async () => {
    const { env, trusted } = await setup();
    const bad = clone(env);
    const stmt = decoded(env);
    (stmt.predicate as Record<string, unknown>).name = 'evil';
    bad.payload = Buffer.from(JSON.stringify(stmt)).toString('base64');
    const r = verifyEnvelope(bad, { trusted });
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), /^signature 0 \(key [0-9a-f]{16}\): signature invalid: it does not match the payload/m);
  });

  it('a tampered signature fails with "signature invalid"; bad base64 says so', async () => {
    const { env, trusted } = await setup();
    const bad = clone(env);
    const sig = Buffer.from(bad.signatures[0]!.sig, 'base64');
    sig[5] ^= 0x01;
    bad.signatures[0]!.sig = sig.toString('base64');
    assert.match(verifyEnvelope(bad, { trusted }).problems[0]!, /signature invalid/);
    bad.signatures[0]!.sig = '***';
    assert.match(verifyEnvelope(bad, { trusted }).problems[0]!, /sig is not valid base64/);
    const badPayload = { ...clone(env), payload: 'not base64!' };
    assert.deepEqual(verifyEnvelope(badPayload, { trusted }).problems, ['payload is not valid base64']);
  });

  it('a changed payloadType breaks the signature and is named', async () => {
    const { env, trusted } = await setup();
    const r = verifyEnvelope({ ...clone(env), payloadType: 'application/json' }, { trusted });
    assert.match(r.problems.join('\n'), /signature invalid/);
    assert.match(r.problems.join('\n'), /payloadType is "application\/json", expected application\/vnd\.in-toto\+json/);
  });

  it('subject digest and predicate type are checked against expectations', async () => {
    const { env, trusted } = await setup();
    const other = sha256('another artifact');
    const r = verifyEnvelope(env, { trusted, expectedSubjectDigest: other, expectedPredicateType: PREDICATE_TYPES.provenance });
    assert.equal(r.ok, false);
    assert.ok(r.problems.includes(`subject digest mismatch: the statement is about ${SUBJECT.digest} (${SUBJECT.name}), expected ${other}`), r.problems.join('\n'));
    assert.ok(r.problems.includes(`wrong predicate type: ${PREDICATE_TYPES.sbom}, expected ${PREDICATE_TYPES.provenance}`));
  });

  it('a validly signed but malformed statement is reported as malformed', async () => {
    const { keyring, trusted } = await setup();
    const key = await keyring.active();
    const signWith = [{ keyid: key.keyid, sign: (d: Buffer) => sign(null, d, key.privateKey) }];
    const body = (v: unknown) => Buffer.from(JSON.stringify(v));
    const noSubject = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body({ _type: 'https://in-toto.io/Statement/v1', subject: [], predicateType: 'x:y' }), signWith);
    assert.deepEqual(verifyEnvelope(noSubject, { trusted }).problems, ['malformed statement: statement subject must be a non-empty array']);
    const oldType = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body({ _type: 'https://in-toto.io/Statement/v0.1', subject: [{ name: 'a', digest: { sha256: 'zz' } }], predicateType: 'x:y' }), signWith);
    const p = verifyEnvelope(oldType, { trusted }).problems;
    assert.ok(p.some((x) => /_type is "https:\/\/in-toto.io\/Statement\/v0.1"/.test(x)));
    assert.ok(p.some((x) => /digest.sha256 is not 64 hex/.test(x)));
    const notJson = signEnvelope(IN_TOTO_PAYLOAD_TYPE, Buffer.from('{oops'), signWith);
    assert.match(verifyEnvelope(notJson, { trusted }).problems[0]!, /^payload is not JSON/);
    const badSlsa = signEnvelope(IN_TOTO_PAYLOAD_TYPE, body({ _type: 'https://in-toto.io/Statement/v1', subject: [{ name: 'a', digest: { sha256: 'a'.repeat(64) } }], predicateType: PREDICATE_TYPES.provenance, predicate: { buildDefinition: {} } }), signWith);
    const q = verifyEnvelope(badSlsa, { trusted }).problems;
    assert.ok(q.includes('malformed predicate: provenance buildDefinition.buildType is missing'), q.join('\n'));
    assert.ok(q.includes('malformed predicate: provenance runDetails is missing'));
  });

  it('never throws on garbage and says what is missing', () => {
    assert.deepEqual(verifyEnvelope(null, { trusted: [] }).problems, ['envelope is not a JSON object']);
    assert.deepEqual(verifyEnvelope({ payload: 'e30=', payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [] }, { trusted: [] }).problems, ['envelope has no signatures']);
    assert.deepEqual(verifyEnvelope({ payload: 1, signatures: [{}] }, { trusted: [] }).problems, [
      'envelope.payload is missing or not a string',
      'envelope.payloadType is missing or not a string',
      'envelope.signatures[0].sig is missing or not a string',
    ]);
  });

  it('with an empty trust list, a keyless signature says the trust list is empty', async () => {
    const { env } = await setup();
    const keyless = { ...clone(env), signatures: [{ sig: env.signatures[0]!.sig }] };
    assert.match(verifyEnvelope(keyless, { trusted: [] }).problems[0]!, /no trusted key verifies it \(the trust list is empty\)/);
  });

  it('keyid is only a hint: a keyless or mislabelled signature by a trusted key verifies', async () => {
    const { env, trusted } = await setup();
    const keyless = { ...clone(env), signatures: [{ sig: env.signatures[0]!.sig }] };
    assert.equal(verifyEnvelope(keyless, { trusted }).ok, true);
    const relabelled = { ...clone(env), signatures: [{ keyid: 'f'.repeat(64), sig: env.signatures[0]!.sig }] };
    const r = verifyEnvelope(relabelled, { trusted });
    assert.equal(r.ok, true);
    assert.equal(r.keyid, trusted[0]!.keyid);
  });
});
