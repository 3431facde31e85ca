import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { describe, it } from 'node:test';
import { decodeBase64, pae, signEnvelope, verifySignature } from '../../src/attest/index.js';

/** Unsigned big-endian 32-byte base64url of a decimal integer, for a P-256 JWK coordinate. */
function coord(decimal: string): string {
  return Buffer.from(BigInt(decimal).toString(16).padStart(64, '0'), 'hex').toString('base64url');
}

describe('DSSE', () => {
  it('PAE matches the spec test vector, built by hand', () => {
    const type = 'http://example.com/HelloWorld';
    const body = Buffer.from('hello world');
    // "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body, with the lengths counted here.
    const want = `DSSEv1 ${type.length} ${type} ${body.length} hello world`;
    assert.equal(type.length, 29);
    assert.equal(pae(type, body).toString('utf8'), want);
    assert.equal(want, 'DSSEv1 29 http://example.com/HelloWorld 11 hello world');
  });

  it('PAE lengths count bytes, not characters', () => {
    const out = pae('t/é', Buffer.from('ü', 'utf8'));
    assert.deepEqual(out, Buffer.concat([Buffer.from('DSSEv1 4 t/'), Buffer.from('é'), Buffer.from(' 2 '), Buffer.from('ü')]));
  });

  it('the spec ECDSA test vector verifies against our PAE (interoperability)', () => {
    const key = createPublicKey({
      format: 'jwk',
      key: {
        kty: 'EC',
        crv: 'P-256',
        x: coord('46950820868899156662930047687818585632848591499744589407958293238635476079160'),
        y: coord('5640078356564379163099075877009565129882514886557779369047442380624545832820'),
      },
    });
    const sig = Buffer.from('A3JqsQGtVsJ2O2xqrI5IcnXip5GToJ3F+FnZ+O88SjtR6rDAajabZKciJTfUiHqJPcIAriEGAHTVeCUjW2JIZA==', 'base64');
    const body = decodeBase64('aGVsbG8gd29ybGQ=')!;
    assert.equal(body.toString(), 'hello world');
    assert.equal(verify('sha256', pae('http://example.com/HelloWorld', body), { key, dsaEncoding: 'ieee-p1363' }, sig), true);
    assert.equal(verify('sha256', pae('http://example.com/HelloWorld2', body), { key, dsaEncoding: 'ieee-p1363' }, sig), false);
  });

  it('decodes standard and URL-safe base64 strictly', () => {
    const bytes = Buffer.from([0xfb, 0xff, 0xfe, 0x01]);
    assert.deepEqual(decodeBase64(bytes.toString('base64')), bytes);
    assert.deepEqual(decodeBase64(bytes.toString('base64url')), bytes);
    assert.equal(decodeBase64('aGVs*bG8='), undefined);
    assert.equal(decodeBase64('aGVsbG8=x'), undefined);
    assert.equal(decodeBase64('a'), undefined);
  });

  it('ed25519 envelope signatures bind payload and payloadType', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const pem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const env = signEnvelope('application/x-test', Buffer.from('body'), [{ keyid: 'k', sign: (d) => sign(null, d, privateKey) }]);
    const sig = Buffer.from(env.signatures[0]!.sig, 'base64');
    assert.equal(verifySignature('application/x-test', Buffer.from('body'), sig, pem), true);
    assert.equal(verifySignature('application/x-other', Buffer.from('body'), sig, pem), false);
    assert.equal(verifySignature('application/x-test', Buffer.from('bodY'), sig, pem), false);
    assert.equal(verifySignature('application/x-test', Buffer.from('body'), sig, 'not a pem'), false);
  });
});
