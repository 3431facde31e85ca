import { InputError } from '../errors/index.js';
import { pae, type Envelope } from './dsse.js';
import { predicateProblems } from './predicates.js';
import { IN_TOTO_PAYLOAD_TYPE, makeStatement, type SubjectInput } from './statement.js';

/** Anything that signs bytes with a key it can name: the Keyring, or a test double. */
export interface Signer {
  sign(data: Buffer): Promise<{ keyid: string; sig: Buffer }>;
}

export interface AttestInput {
  subject: SubjectInput | SubjectInput[];
  predicateType: string;
  predicate: unknown;
}

/**
 * Wrap a predicate in an in-toto Statement v1 about `subject` and sign it into a DSSE envelope.
 * A predicate of a known type that is malformed is refused: Goldsmith never signs what its own
 * verifier would reject.
 */
export async function attest(input: AttestInput, signer: Signer): Promise<Envelope> {
  const statement = makeStatement(Array.isArray(input.subject) ? input.subject : [input.subject], input.predicateType, input.predicate);
  const problems = predicateProblems(input.predicateType, input.predicate);
  if (problems.length > 0) {
    throw new InputError('ATTEST_PREDICATE_INVALID', `refusing to sign a malformed ${input.predicateType} predicate: ${problems.join('; ')}`, {
      where: '/predicate',
      data: { problems },
    });
  }
  const body = Buffer.from(JSON.stringify(statement), 'utf8');
  const { keyid, sig } = await signer.sign(pae(IN_TOTO_PAYLOAD_TYPE, body));
  return { payload: body.toString('base64'), payloadType: IN_TOTO_PAYLOAD_TYPE, signatures: [{ keyid, sig: sig.toString('base64') }] };
}
