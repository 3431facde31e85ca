/**
 * Recognise the start of a DER-encoded private key: PKCS#1 (RSA, DSA), PKCS#8 / OneAsymmetricKey
 * and SEC1 (EC) all open with a SEQUENCE whose first element is a small version INTEGER, followed by
 * an INTEGER, an AlgorithmIdentifier SEQUENCE or an OCTET STRING. Certificates, public keys (SPKI,
 * PKCS#1 public) and CMS blobs open with a SEQUENCE, an INTEGER of the modulus or an OID instead,
 * so they do not match. Only the first bytes are needed.
 */
export function isDerPrivateKey(b: Buffer): boolean {
  if (b.length < 8 || b[0] !== 0x30) return false;
  const l = b[1]!;
  const hdr = l < 0x80 ? 2 : l === 0x81 ? 3 : l === 0x82 ? 4 : 0;
  if (!hdr || b.length < hdr + 4) return false;
  // INTEGER, length 1, version 0 (PKCS#1, PKCS#8) or 1 (SEC1 EC, OneAsymmetricKey v2)
  if (b[hdr] !== 0x02 || b[hdr + 1] !== 0x01) return false;
  const version = b[hdr + 2];
  const nextTag = b[hdr + 3];
  if (version === 0x00) return nextTag === 0x02 || nextTag === 0x30;
  if (version === 0x01) return nextTag === 0x04 || nextTag === 0x30;
  return false;
}
