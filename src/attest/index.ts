/** Signing and provenance: ed25519 keyring, DSSE envelopes of in-toto statements (SBOM, SLSA
 * provenance, tattoo), attestation bundles and offline verification. */
export { Keyring, passphraseFrom, type KeyringOptions, type PassphraseConfig, type SigningKey } from './keyring.js';
export { keyIdOf, parsePublicKeyPem, shortKeyId, KEYID_RE, type PublicKeyEntry, type TrustedKey } from './keys.js';
export { pae, decodeBase64, signEnvelope, verifySignature, envelopeShapeProblems, type Envelope, type DsseSignature } from './dsse.js';
export {
  makeStatement,
  statementProblems,
  toDigestSet,
  fromDigestSet,
  STATEMENT_TYPE,
  IN_TOTO_PAYLOAD_TYPE,
  type Statement,
  type Subject,
  type SubjectInput,
  type ResourceDescriptor,
} from './statement.js';
export { PREDICATE_TYPES, GOLDSMITH_BUILD_TYPE, DEFAULT_BUILDER_ID, slsaProvenance, predicateProblems, type PredicateKind, type ProvenanceInput, type SlsaProvenance } from './predicates.js';
export { attest, type AttestInput, type Signer } from './attest.js';
export { verifyEnvelope, type VerifyOptions, type VerifyResult, type SignatureResult } from './verify-envelope.js';
export { BUNDLE_MEDIA_TYPE, createBundle, bundleDigest, bundleProblems, parseBundle, readBundle, writeBundle, type AttestationBundle } from './bundle.js';
export {
  verifyArtifact,
  verifyBundleForArtifact,
  trustFromKeyring,
  REQUIRED_FOR_PUBLISH,
  type ArtifactVerifyInput,
  type ArtifactVerifyResult,
  type BundleVerifyInput,
  type TrustInput,
} from './verify-artifact.js';
export { VERSION_PREDICATE_TYPE, BOUND_ARTIFACT_KINDS, versionSubjects, bootProvesTrustedLaunch, type BootRecord, type VersionArtifact, type VersionInputs, type VersionPredicate } from './version-statement.js';
export {
  verifyStoredVersion,
  storedVersion,
  compareVersionRow,
  fieldProblem,
  type StoredVersion,
  type VersionVerifyInput,
  type VersionVerifyResult,
  type RegionVerifyResult,
  type RegionArtifactCheck,
  type FieldMismatch,
} from './verify-version.js';
export { resolveTrust, parsePublicKeyBundle, type TrustSource, type TrustConfig, type ResolvedTrust } from './trust-source.js';
export { currentActor, trustAuditEntry, recordTrustChange, trustAuditLog, formatAuditEntry, TRUST_EVENT_TYPES, type TrustActor, type TrustAuditEntry } from './trust-audit.js';
export { verifyConsumedArtifact, type ConsumedArtifactInput } from './verify-consumed.js';
