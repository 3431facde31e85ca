import { createPublicKey, verify } from 'node:crypto';

/** DSSE JSON envelope (github.com/secure-systems-lab/dsse, envelope.md). */
export interface DsseSignature {
  keyid?: string;
  sig: string;
}
export interface Envelope {
  payload: string;
  payloadType: string;
  signatures: DsseSignature[];
}

/**
 * Pre-Authentication Encoding: "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, lengths in bytes
 * as ASCII decimal. Signing this instead of the bare payload binds the payload type to the signature.
 */
export function pae(payloadType: string, body: Buffer): Buffer {
  const type = Buffer.from(payloadType, 'utf8');
  return Buffer.concat([Buffer.from(`DSSEv1 ${type.length} `), type, Buffer.from(` ${body.length} `), body]);
}

const BASE64_RE = /^[A-Za-z0-9+/]*={0,2}$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]*={0,2}$/;

/** Strict base64 decoding (standard or URL-safe, as DSSE requires verifiers to accept); Buffer.from
 * alone silently skips invalid characters, which would hide tampering. */
export function decodeBase64(text: string): Buffer | undefined {
  if (!BASE64_RE.test(text) && !BASE64URL_RE.test(text)) return undefined;
  const bare = text.replace(/=+$/, '');
  if (bare.length % 4 === 1) return undefined;
  if (text.includes('=') && text.length % 4 !== 0) return undefined;
  return Buffer.from(bare, BASE64_RE.test(text) ? 'base64' : 'base64url');
}

/** Sign `body` as `payloadType` with an ed25519 signer; the envelope carries standard base64. */
export function signEnvelope(payloadType: string, body: Buffer, signers: Array<{ keyid: string; sign: (data: Buffer) => Buffer }>): Envelope {
  const message = pae(payloadType, body);
  return {
    payload: body.toString('base64'),
    payloadType,
    signatures: signers.map((s) => ({ keyid: s.keyid, sig: s.sign(message).toString('base64') })),
  };
}

/** Verify one signature over the envelope's PAE with an ed25519 SPKI PEM. Never throws. */
export function verifySignature(payloadType: string, body: Buffer, sig: Buffer, publicKeyPem: string): boolean {
  try {
    return verify(null, pae(payloadType, body), createPublicKey(publicKeyPem), sig);
  } catch {
    return false;
  }
}

/** Structural problems of a value claimed to be an envelope (parsing rules of envelope.md). */
export function envelopeShapeProblems(value: unknown): string[] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return ['envelope is not a JSON object'];
  const e = value as Record<string, unknown>;
  const out: string[] = [];
  if (typeof e.payload !== 'string') out.push('envelope.payload is missing or not a string');
  if (typeof e.payloadType !== 'string') out.push('envelope.payloadType is missing or not a string');
  if (!Array.isArray(e.signatures)) out.push('envelope.signatures is missing or not an array');
  else {
    if (e.signatures.length === 0) out.push('envelope has no signatures');
    e.signatures.forEach((s: unknown, i) => {
      const sig = s as Record<string, unknown> | null;
      if (typeof sig !== 'object' || sig === null || typeof sig.sig !== 'string') out.push(`envelope.signatures[${i}].sig is missing or not a string`);
      else if (sig.keyid !== undefined && typeof sig.keyid !== 'string') out.push(`envelope.signatures[${i}].keyid is not a string`);
    });
  }
  return out;
}
