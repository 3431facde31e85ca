import { InputError } from '../errors/index.js';

export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payloadType of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** in-toto ResourceDescriptor (the fields Goldsmith uses). */
export interface ResourceDescriptor {
  name?: string;
  uri?: string;
  digest?: Record<string, string>;
  annotations?: Record<string, unknown>;
}

export interface Subject {
  name: string;
  digest: Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

/** How callers name a subject: the project's own `sha256:<hex>` digest form. */
export interface SubjectInput {
  name: string;
  digest: string;
}

const DIGEST_RE = /^sha256:[0-9a-f]{64}$/;
const HEX64_RE = /^[0-9a-f]{64}$/;

/** `sha256:<hex>` → `{ sha256: <hex> }`, the in-toto DigestSet. */
export function toDigestSet(digest: string, where = 'digest'): Record<string, string> {
  const d = digest.toLowerCase();
  if (!DIGEST_RE.test(d)) throw new InputError('ATTEST_DIGEST_INVALID', `not a sha256 digest (sha256:<64 hex>): ${digest}`, { where });
  return { sha256: d.slice(7) };
}

/** The sha256 of a DigestSet in `sha256:<hex>` form, or undefined. */
export function fromDigestSet(set: Record<string, string> | undefined): string | undefined {
  const hex = set?.sha256?.toLowerCase();
  return hex && HEX64_RE.test(hex) ? `sha256:${hex}` : undefined;
}

export function makeStatement<P>(subjects: SubjectInput[], predicateType: string, predicate: P): Statement<P> {
  if (subjects.length === 0) throw new InputError('ATTEST_SUBJECT_INVALID', 'an attestation needs at least one subject');
  const subject = subjects.map((s, i) => {
    if (typeof s.name !== 'string' || s.name === '') throw new InputError('ATTEST_SUBJECT_INVALID', 'subject name must be a non-empty string', { where: `/subject/${i}/name` });
    return { name: s.name, digest: toDigestSet(s.digest, `/subject/${i}/digest`) };
  });
  if (!/^[a-z][a-z0-9+.-]*:\S+$/i.test(predicateType)) throw new InputError('ATTEST_PREDICATE_INVALID', `predicateType must be a URI: ${predicateType}`, { where: '/predicateType' });
  return { _type: STATEMENT_TYPE, subject, predicateType, predicate };
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** What is wrong with a parsed payload claimed to be an in-toto Statement v1 (empty when well-formed). */
export function statementProblems(value: unknown): string[] {
  if (!isObject(value)) return ['statement is not a JSON object'];
  const out: string[] = [];
  if (value._type !== STATEMENT_TYPE) out.push(`statement _type is ${JSON.stringify(value._type)}, expected ${STATEMENT_TYPE}`);
  if (!Array.isArray(value.subject) || value.subject.length === 0) out.push('statement subject must be a non-empty array');
  else
    value.subject.forEach((s: unknown, i) => {
      if (!isObject(s)) return out.push(`statement subject[${i}] is not an object`);
      if (s.name !== undefined && typeof s.name !== 'string') out.push(`statement subject[${i}].name is not a string`);
      const d = s.digest;
      if (!isObject(d) || Object.keys(d).length === 0 || Object.values(d).some((x) => typeof x !== 'string')) out.push(`statement subject[${i}].digest must map algorithms to hex strings`);
      else if (d.sha256 !== undefined && !HEX64_RE.test(String(d.sha256).toLowerCase())) out.push(`statement subject[${i}].digest.sha256 is not 64 hex characters`);
      return undefined;
    });
  if (typeof value.predicateType !== 'string' || value.predicateType === '') out.push('statement predicateType is missing');
  if (value.predicate !== undefined && !isObject(value.predicate)) out.push('statement predicate is not an object');
  return out;
}
