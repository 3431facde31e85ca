import { createHash, createPublicKey, type KeyObject } from 'node:crypto';
import { InputError } from '../errors/index.js';

/** A public key Goldsmith may verify signatures with. */
export interface PublicKeyEntry {
  /** sha256 of the key's SubjectPublicKeyInfo DER, lowercase hex (64 characters). */
  keyid: string;
  /** The SPKI public key as PEM. */
  publicKeyPem: string;
}

/** An entry of the trust list: `retired` keys no longer sign but their signatures still verify. */
export interface TrustedKey extends PublicKeyEntry {
  added: string;
  retired?: string;
}

export const KEYID_RE = /^[0-9a-f]{64}$/;

/**
 * The key id is a fingerprint of the key itself rather than a name, so the same public key has the
 * same id on every machine and an id can never silently point at a different key.
 */
export function keyIdOf(key: KeyObject): string {
  const pub = key.type === 'public' ? key : createPublicKey(key);
  const der = pub.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

/** Short form for tables and messages; ids are always stored in full. */
export function shortKeyId(keyid: string): string {
  return keyid.slice(0, 16);
}

/** Parse an ed25519 SPKI public key PEM; anything else (a private key, RSA, garbage) is refused. */
export function parsePublicKeyPem(pem: string, where: string): PublicKeyEntry {
  if (/PRIVATE KEY/.test(pem)) {
    throw new InputError('ATTEST_KEY_INVALID', 'expected a public key but got a private key: never share or trust private key files', { where });
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (e) {
    throw new InputError('ATTEST_KEY_INVALID', `not a PEM public key: ${(e as Error).message}`, { where, cause: e });
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new InputError('ATTEST_KEY_INVALID', `only ed25519 keys are supported, got ${key.asymmetricKeyType ?? 'unknown'}`, { where });
  }
  return { keyid: keyIdOf(key), publicKeyPem: key.export({ type: 'spki', format: 'pem' }).toString() };
}
