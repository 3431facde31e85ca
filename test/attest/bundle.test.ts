import assert from 'node:assert/strict';
import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BUNDLE_MEDIA_TYPE, createBundle, PREDICATE_TYPES, readBundle, REQUIRED_FOR_PUBLISH, trustFromKeyring, verifyArtifact, verifyBundleForArtifact, writeBundle } from '../../src/attest/index.js';
import { sha256, tempDir, tempKeyring, versionEnvelopes } from './support.js';

async function artifactWithBundle() {
  const dir = await tempDir();
  const artifact = join(dir, 'rootfs.tar');
  await writeFile(artifact, 'pretend root filesystem bytes');
  const subject = { name: 'rootfs.tar', digest: sha256('pretend root filesystem bytes') };
  const keyring = await tempKeyring();
  const bundle = createBundle(subject, await versionEnvelopes(keyring, subject));
  const bundlePath = join(dir, 'attestations.json');
  await writeBundle(bundlePath, bundle);
  return { dir, artifact, subject, keyring, bundle, bundlePath };
}

describe('attestation bundles', () => {
  it('round-trips through a file', async () => {
    const { bundle, bundlePath, subject } = await artifactWithBundle();
    const back = await readBundle(bundlePath);
    assert.deepEqual(back, bundle);
    assert.equal(back.mediaType, BUNDLE_MEDIA_TYPE);
    assert.deepEqual(back.subject, { name: subject.name, digest: { sha256: subject.digest.slice(7) } });
    assert.equal(back.envelopes.length, 3);
  });

  it('a corrupted bundle is an input error naming the file', async () => {
    const { bundlePath, dir } = await artifactWithBundle();
    const text = await readFile(bundlePath, 'utf8');
    await writeFile(bundlePath, text.slice(0, text.length / 2));
    await assert.rejects(readBundle(bundlePath), { code: 'ATTEST_BUNDLE_INVALID', where: bundlePath, message: /not valid JSON/ });
    const doc = JSON.parse(text);
    delete doc.envelopes[1].signatures;
    doc.mediaType = 'application/json';
    await writeFile(bundlePath, JSON.stringify(doc));
    await assert.rejects(readBundle(bundlePath), (e: { code: string; where: string; message: string }) => {
      assert.equal(e.code, 'ATTEST_BUNDLE_INVALID');
      assert.equal(e.where, bundlePath);
      assert.match(e.message, /\/mediaType: "application\/json"/);
      assert.match(e.message, /\/envelopes\/1: envelope.signatures is missing/);
      return true;
    });
    await assert.rejects(readBundle(join(dir, 'none.json')), { code: 'ATTEST_BUNDLE_NOT_FOUND' });
    await assert.rejects(writeBundle(join(dir, 'x.json'), { ...doc, envelopes: 'nope' }), { code: 'ATTEST_BUNDLE_INVALID' });
  });

  it('verifies an artifact offline: digest, signatures, subjects, required predicates', async () => {
    const { artifact, bundlePath, keyring } = await artifactWithBundle();
    const trust = await trustFromKeyring(keyring);
    const ok = await verifyBundleForArtifact({ bundlePath, artifactPath: artifact, requirePredicateTypes: REQUIRED_FOR_PUBLISH, ...trust });
    assert.deepEqual(ok.problems, []);
    assert.equal(ok.ok, true);
    assert.deepEqual(ok.results.map((r) => r.predicateType), [PREDICATE_TYPES.sbom, PREDICATE_TYPES.provenance, PREDICATE_TYPES.tattoo]);
    // The stored digest alone (no file) is enough for a check against the bundle.
    assert.equal((await verifyBundleForArtifact({ bundlePath, ...trust })).ok, true);
  });

  it('a tampered artifact fails with a digest mismatch', async () => {
    const { artifact, bundlePath, keyring, subject } = await artifactWithBundle();
    await appendFile(artifact, 'x');
    const r = await verifyBundleForArtifact({ bundlePath, artifactPath: artifact, ...(await trustFromKeyring(keyring)) });
    assert.equal(r.ok, false);
    assert.match(r.problems[0]!, new RegExp(`^artifact digest mismatch: the artifact is sha256:[0-9a-f]{64} but the bundle attests ${subject.digest}`));
    assert.ok(r.problems.some((p) => /^attestation 1 \(https:\/\/slsa.dev\/provenance\/v1\): subject digest mismatch/.test(p)));
    const byDigest = await verifyArtifact({ artifactPath: artifact, digest: subject.digest, envelopes: [], trusted: [] });
    assert.match(byDigest.problems[0]!, /^artifact digest mismatch: .*rootfs.tar has sha256:/);
  });

  it('a missing required attestation or untrusted signer fails', async () => {
    const { artifact, bundle, keyring } = await artifactWithBundle();
    const trust = await trustFromKeyring(keyring);
    const partial = { ...bundle, envelopes: bundle.envelopes.slice(0, 2) };
    const r = await verifyBundleForArtifact({ bundle: partial, artifactPath: artifact, requirePredicateTypes: REQUIRED_FOR_PUBLISH, ...trust });
    assert.deepEqual(r.problems, [`missing attestation: no valid ${PREDICATE_TYPES.tattoo} attestation`]);
    const stranger = await verifyBundleForArtifact({ bundle, artifactPath: artifact, trusted: [] });
    assert.equal(stranger.ok, false);
    assert.equal(stranger.problems.length, 3);
    assert.ok(stranger.problems.every((p) => /unknown key [0-9a-f]{16}: not in the trust list/.test(p)));
    await assert.rejects(verifyArtifact({ artifactPath: '/no/such/file', envelopes: [], trusted: [] }), { code: 'ATTEST_ARTIFACT_NOT_FOUND' });
  });
});
