import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { InputError, NotFoundError } from '../errors/index.js';
import { cannotRead, readInputText } from '../input/index.js';
import { envelopeShapeProblems, type Envelope } from './dsse.js';
import { tempPath } from './keyring-files.js';
import { fromDigestSet, toDigestSet, type Subject, type SubjectInput } from './statement.js';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.goldsmith.attestations+json';

/** Every attestation about one artifact, stored as one JSON file beside the image version. */
export interface AttestationBundle {
  mediaType: typeof BUNDLE_MEDIA_TYPE;
  subject: Subject;
  envelopes: Envelope[];
}

export function createBundle(subject: SubjectInput, envelopes: Envelope[]): AttestationBundle {
  return { mediaType: BUNDLE_MEDIA_TYPE, subject: { name: subject.name, digest: toDigestSet(subject.digest, '/subject/digest') }, envelopes };
}

/** The subject digest of a bundle in `sha256:<hex>` form. */
export function bundleDigest(bundle: AttestationBundle): string {
  return fromDigestSet(bundle.subject.digest)!;
}

/** Structural problems, each with a JSON pointer. Signatures are not checked here: verify does that. */
export function bundleProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['/: not a JSON object'];
  const b = value as Record<string, unknown>;
  const out: string[] = [];
  if (b.mediaType !== BUNDLE_MEDIA_TYPE) out.push(`/mediaType: ${JSON.stringify(b.mediaType)}, expected ${BUNDLE_MEDIA_TYPE}`);
  const s = b.subject as Record<string, unknown> | undefined;
  if (typeof s !== 'object' || s === null || typeof s.name !== 'string') out.push('/subject: needs a name');
  if (!fromDigestSet(s?.digest as Record<string, string> | undefined)) out.push('/subject/digest: needs sha256 (64 hex characters)');
  if (!Array.isArray(b.envelopes)) out.push('/envelopes: not an array');
  else b.envelopes.forEach((e: unknown, i) => out.push(...envelopeShapeProblems(e).map((p) => `/envelopes/${i}: ${p}`)));
  return out;
}

export function parseBundle(text: string, where: string): AttestationBundle {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('ATTEST_BUNDLE_INVALID', `attestation bundle is not valid JSON: ${(e as Error).message}`, { where });
  }
  const problems = bundleProblems(value);
  if (problems.length > 0) {
    throw new InputError('ATTEST_BUNDLE_INVALID', `attestation bundle is malformed: ${problems.join('; ')}`, { where, data: { problems } });
  }
  return value as AttestationBundle;
}

export async function readBundle(path: string): Promise<AttestationBundle> {
  let text: string;
  try {
    text = await readInputText(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('ATTEST_BUNDLE_NOT_FOUND', `no attestation bundle at ${path}`, { where: path });
    throw cannotRead(path, e, 'ATTEST_BUNDLE_UNREADABLE', 'attestation bundle');
  }
  return parseBundle(text, path);
}

/** Validate, then write atomically (temp file + rename): a reader never sees half a bundle. */
export async function writeBundle(path: string, bundle: AttestationBundle): Promise<void> {
  const problems = bundleProblems(bundle);
  if (problems.length > 0) throw new InputError('ATTEST_BUNDLE_INVALID', `refusing to write a malformed attestation bundle: ${problems.join('; ')}`, { where: path });
  await mkdir(dirname(path), { recursive: true });
  const tmp = tempPath(path);
  try {
    await writeFile(tmp, JSON.stringify(bundle, null, 2) + '\n', { flag: 'wx', mode: 0o600 });
    await rename(tmp, path);
  } finally {
    await rm(tmp, { force: true });
  }
}
