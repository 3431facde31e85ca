import { sha256File } from '../artifacts/index.js';
import { NotFoundError } from '../errors/index.js';
import { readBundle, bundleDigest, type AttestationBundle } from './bundle.js';
import type { Keyring } from './keyring.js';
import type { PublicKeyEntry } from './keys.js';
import { PREDICATE_TYPES } from './predicates.js';
import { verifyEnvelope, type VerifyResult } from './verify-envelope.js';

export interface TrustInput {
  trusted: PublicKeyEntry[];
  known?: PublicKeyEntry[];
}

export interface ArtifactVerifyInput extends TrustInput {
  /** The artifact file: its sha256 is recomputed. */
  artifactPath?: string;
  /** The digest the artifact is expected to have (`sha256:<hex>`); with artifactPath both must agree. */
  digest?: string;
  envelopes: unknown[];
  /** Predicate types that must each have at least one valid attestation. */
  requirePredicateTypes?: string[];
}

export interface ArtifactVerifyResult {
  ok: boolean;
  artifactDigest?: string;
  results: Array<VerifyResult & { index: number }>;
  problems: string[];
}

/** The predicate types a published image version must carry. */
export const REQUIRED_FOR_PUBLISH: string[] = [PREDICATE_TYPES.sbom, PREDICATE_TYPES.provenance, PREDICATE_TYPES.tattoo];

/** Trust material of a keyring, read-only (never creates a key). */
export async function trustFromKeyring(keyring: Keyring): Promise<TrustInput> {
  return { trusted: await keyring.trusted(), known: await keyring.known() };
}

/**
 * Check an artifact against its attestations, fully offline: the artifact's sha256 (recomputed from
 * the file when given), then every envelope's signatures, statement shape and subject.
 */
export async function verifyArtifact(input: ArtifactVerifyInput): Promise<ArtifactVerifyResult> {
  const problems: string[] = [];
  let artifactDigest = input.digest?.toLowerCase();
  if (input.artifactPath !== undefined) {
    const actual = await sha256File(input.artifactPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT') throw new NotFoundError('ATTEST_ARTIFACT_NOT_FOUND', `no artifact file at ${input.artifactPath}`, { where: input.artifactPath });
      throw e;
    });
    if (artifactDigest && actual !== artifactDigest) problems.push(`artifact digest mismatch: ${input.artifactPath} has ${actual}, expected ${artifactDigest}`);
    artifactDigest = actual;
  }
  if (!artifactDigest) problems.push('no artifact file or digest to verify against');
  const results = input.envelopes.map((e, index) => ({
    index,
    ...verifyEnvelope(e, { trusted: input.trusted, known: input.known, expectedSubjectDigest: artifactDigest }),
  }));
  if (results.length === 0) problems.push('there are no attestations');
  for (const r of results) problems.push(...r.problems.map((p) => `attestation ${r.index}${r.predicateType ? ` (${r.predicateType})` : ''}: ${p}`));
  for (const type of input.requirePredicateTypes ?? []) {
    if (!results.some((r) => r.ok && r.predicateType === type)) problems.push(`missing attestation: no valid ${type} attestation`);
  }
  return { ok: problems.length === 0, artifactDigest, results, problems };
}

export interface BundleVerifyInput extends TrustInput {
  bundle?: AttestationBundle;
  /** Read (and validated) when `bundle` is not given; a corrupted file throws ATTEST_BUNDLE_INVALID. */
  bundlePath?: string;
  artifactPath?: string;
  artifactDigest?: string;
  requirePredicateTypes?: string[];
}

/** verifyArtifact over a stored bundle, also checking the bundle's own subject. For `goldsmith verify`
 * and for the publish gate (with requirePredicateTypes: REQUIRED_FOR_PUBLISH). */
export async function verifyBundleForArtifact(input: BundleVerifyInput): Promise<ArtifactVerifyResult & { bundleSubject: string }> {
  const bundle = input.bundle ?? (await readBundle(input.bundlePath ?? ''));
  const bundleSubject = bundleDigest(bundle);
  const result = await verifyArtifact({
    artifactPath: input.artifactPath,
    digest: input.artifactDigest ?? (input.artifactPath ? undefined : bundleSubject),
    envelopes: bundle.envelopes,
    trusted: input.trusted,
    known: input.known,
    requirePredicateTypes: input.requirePredicateTypes,
  });
  if (result.artifactDigest && result.artifactDigest !== bundleSubject) {
    result.problems.unshift(`artifact digest mismatch: the artifact is ${result.artifactDigest} but the bundle attests ${bundleSubject} (${bundle.subject.name})`);
    result.ok = false;
  }
  return { ...result, bundleSubject };
}
