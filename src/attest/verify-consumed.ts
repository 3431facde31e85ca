import { sha256File } from '../artifacts/index.js';
import { readBundle } from './bundle.js';
import { PREDICATE_TYPES } from './predicates.js';
import { fromDigestSet, type Statement } from './statement.js';
import type { TrustInput } from './verify-artifact.js';
import { verifyEnvelope } from './verify-envelope.js';
import type { VersionPredicate } from './version-statement.js';

export interface ConsumedArtifactInput extends TrustInput {
  /** The version the user asked for. */
  ref: { gallery: string; image: string; version: string };
  kind: string;
  /** The file about to be handed to the user, and the version's attestation bundle (same region). */
  artifactPath: string;
  bundlePath: string;
}

/**
 * Before one artifact of a version is handed to a user (an SBOM shown or exported), check it
 * against the signed image-version statement: a trusted signature, the statement is about this
 * gallery, definition and version, and it names an artifact of this kind with these exact bytes.
 * The light sibling of verifyStoredVersion: it hashes this one file, not every disk in every region.
 */
export async function verifyConsumedArtifact(input: ConsumedArtifactInput): Promise<{ ok: boolean; problems: string[]; keyid?: string }> {
  const problems: string[] = [];
  const bundle = await readBundle(input.bundlePath);
  const results = bundle.envelopes.map((e) => verifyEnvelope(e, { trusted: input.trusted, known: input.known }));
  const signed = results.find((r) => r.ok && r.predicateType === PREDICATE_TYPES.version);
  if (!signed) {
    const why = results.flatMap((r) => r.problems).slice(0, 3).join('; ');
    return { ok: false, problems: [`no trusted image-version attestation${why ? ` (${why})` : ''}`] };
  }
  const statement = signed.statement as Statement<VersionPredicate>;
  const p = statement.predicate;
  const { gallery, image, version } = input.ref;
  if (p.gallery !== gallery || p.imageDefinition !== image || p.version !== version) {
    problems.push(`the signed statement is about ${p.gallery}/${p.imageDefinition}/${p.version}, not ${gallery}/${image}/${version}`);
  }
  const digest = await sha256File(input.artifactPath);
  const subjects = new Set(statement.subject.map((s) => fromDigestSet(s.digest)));
  const bound = p.artifacts.find((a) => a.kind === input.kind);
  if (!bound) problems.push(`the signed statement names no ${input.kind}`);
  else if (bound.digest !== digest || !subjects.has(digest)) problems.push(`${input.kind} is ${digest}, the signed statement says ${bound.digest}`);
  return { ok: problems.length === 0, problems, keyid: signed.keyid };
}
