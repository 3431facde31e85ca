import { decodeBase64, envelopeShapeProblems, verifySignature, type Envelope } from './dsse.js';
import { shortKeyId, type PublicKeyEntry } from './keys.js';
import { predicateProblems } from './predicates.js';
import { fromDigestSet, IN_TOTO_PAYLOAD_TYPE, statementProblems, type Statement } from './statement.js';

export interface VerifyOptions {
  /** Keys whose signatures are accepted (the trust list). */
  trusted: PublicKeyEntry[];
  /** Keys known but not trusted (e.g. removed from the trust list): only sharpen the failure reason. */
  known?: PublicKeyEntry[];
  /** `sha256:<hex>` the statement must be about. */
  expectedSubjectDigest?: string;
  expectedPredicateType?: string;
}

export interface SignatureResult {
  index: number;
  keyid?: string;
  ok: boolean;
  problem?: string;
}

export interface VerifyResult {
  ok: boolean;
  /** The trusted key that verified the envelope. */
  keyid?: string;
  predicateType?: string;
  statement?: Statement;
  signatures: SignatureResult[];
  problems: string[];
}

function checkSignature(i: number, s: { keyid?: string; sig: string }, type: string, body: Buffer, opts: VerifyOptions): SignatureResult {
  const label = `signature ${i}${s.keyid ? ` (key ${shortKeyId(s.keyid)})` : ''}`;
  const sig = decodeBase64(s.sig);
  if (!sig) return { index: i, keyid: s.keyid, ok: false, problem: `${label}: sig is not valid base64` };
  // keyid is an unauthenticated hint (DSSE): it narrows which key to try, it never decides trust.
  const named = s.keyid ? opts.trusted.filter((k) => k.keyid === s.keyid) : [];
  const candidates = named.length > 0 ? named : opts.trusted;
  const good = candidates.find((k) => verifySignature(type, body, sig, k.publicKeyPem));
  if (good) return { index: i, keyid: good.keyid, ok: true };
  if (named.length > 0) return { index: i, keyid: s.keyid, ok: false, problem: `${label}: signature invalid: it does not match the payload and payloadType (altered envelope or signature)` };
  const untrusted = (opts.known ?? []).find((k) => (s.keyid ? k.keyid === s.keyid : verifySignature(type, body, sig, k.publicKeyPem)));
  if (untrusted) {
    const valid = verifySignature(type, body, sig, untrusted.publicKeyPem);
    return { index: i, keyid: untrusted.keyid, ok: false, problem: `${label}: untrusted key ${shortKeyId(untrusted.keyid)}: it is not in the trust list${valid ? '' : ', and the signature does not match either'}` };
  }
  if (s.keyid) return { index: i, keyid: s.keyid, ok: false, problem: `${label}: unknown key ${shortKeyId(s.keyid)}: not in the trust list` };
  const none = opts.trusted.length === 0 ? ' (the trust list is empty)' : '';
  return { index: i, ok: false, problem: `${label}: signature invalid: no trusted key verifies it${none}` };
}

/**
 * Verify a DSSE envelope carrying an in-toto statement. Never throws on bad input: every failure is
 * a problem string saying exactly what failed, so a CLI or a publish gate can show all of them.
 */
export function verifyEnvelope(envelope: unknown, opts: VerifyOptions): VerifyResult {
  const shape = envelopeShapeProblems(envelope);
  if (shape.length > 0) return { ok: false, signatures: [], problems: shape };
  const env = envelope as Envelope;
  const problems: string[] = [];
  const body = decodeBase64(env.payload);
  if (!body) return { ok: false, signatures: [], problems: ['payload is not valid base64'] };

  const signatures = env.signatures.map((s, i) => checkSignature(i, s, env.payloadType, body, opts));
  const accepted = signatures.find((s) => s.ok);
  if (!accepted) problems.push(...signatures.map((s) => s.problem!));
  if (env.payloadType !== IN_TOTO_PAYLOAD_TYPE) problems.push(`payloadType is ${JSON.stringify(env.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`);

  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch (e) {
    problems.push(`payload is not JSON: ${(e as Error).message}`);
    return { ok: false, signatures, problems };
  }
  const malformed = statementProblems(parsed);
  problems.push(...malformed.map((p) => `malformed statement: ${p}`));
  const statement = malformed.length === 0 ? (parsed as Statement) : undefined;
  const predicateType = typeof (parsed as Statement)?.predicateType === 'string' ? (parsed as Statement).predicateType : undefined;
  if (statement) {
    problems.push(...predicateProblems(statement.predicateType, statement.predicate ?? {}).map((p) => `malformed predicate: ${p}`));
    if (opts.expectedPredicateType && statement.predicateType !== opts.expectedPredicateType) {
      problems.push(`wrong predicate type: ${statement.predicateType}, expected ${opts.expectedPredicateType}`);
    }
    if (opts.expectedSubjectDigest) {
      const want = opts.expectedSubjectDigest.toLowerCase();
      const have = statement.subject.map((s) => fromDigestSet(s.digest));
      if (!have.includes(want)) {
        const about = statement.subject.map((s, i) => `${have[i] ?? 'no sha256'}${s.name ? ` (${s.name})` : ''}`).join(', ');
        problems.push(`subject digest mismatch: the statement is about ${about}, expected ${want}`);
      }
    }
  }
  return { ok: problems.length === 0, keyid: accepted?.keyid, predicateType, statement, signatures, problems };
}
