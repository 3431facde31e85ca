import assert from 'node:assert/strict';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { chmod, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { attest, Keyring, parsePublicKeyBundle, PREDICATE_TYPES, verifyEnvelope } from '../../src/attest/index.js';
import { stretchPassphrase } from '../../src/attest/keyring.js';
import { SUBJECT, tempDir } from './support.js';

const sign = (k: Keyring) => attest({ subject: SUBJECT, predicateType: PREDICATE_TYPES.tattoo, predicate: { IMAGE_ID: 'x' } }, k);

describe('private keys encrypted at rest', () => {
  it('with a passphrase the key file is encrypted PKCS#8 (0600, keys dir 0700), and signing needs the passphrase', async () => {
    const home = await tempDir();
    const k = Keyring.forConfig({ home, keyPassphrase: 'correct horse battery staple' });
    const env = await sign(k);
    const keyid = env.signatures[0]!.keyid!;
    const file = join(k.dir, `${keyid}.key`);
    const pem = await readFile(file, 'utf8');
    assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----/);
    assert.doesNotMatch(pem, /BEGIN PRIVATE KEY/);
    assert.equal((await stat(file)).mode & 0o777, 0o600);
    assert.equal((await stat(k.dir)).mode & 0o777, 0o700);
    // Standard encrypted PKCS#8 under the stretched passphrase; the raw passphrase alone does not open it.
    assert.throws(() => createPrivateKey({ key: pem, format: 'pem', passphrase: 'correct horse battery staple' }));
    assert.equal(createPrivateKey({ key: pem, format: 'pem', passphrase: await stretchPassphrase('correct horse battery staple', keyid) }).asymmetricKeyType, 'ed25519');
    assert.equal(verifyEnvelope(env, { trusted: await k.trusted() }).ok, true);

    await assert.rejects(sign(Keyring.forConfig({ home })), { code: 'ATTEST_KEY_PASSPHRASE_REQUIRED', where: file });
    await assert.rejects(sign(Keyring.forConfig({ home, keyPassphrase: 'wrong' })), { code: 'ATTEST_KEY_PASSPHRASE_WRONG', message: /wrong passphrase/ });
    // Read-only use never needs it.
    assert.equal((await Keyring.forConfig({ home }).trusted()).length, 1);
  });

  it('takes the passphrase from a file only its owner can read, and encrypts keys made before a passphrase was set', async () => {
    const home = await tempDir();
    const plain = Keyring.forConfig({ home });
    const first = (await plain.active()).keyid;
    const passFile = join(await tempDir(), 'pass');
    await writeFile(passFile, 'from a file\n', { mode: 0o600 });
    const k = Keyring.forConfig({ home, keyPassphraseFile: passFile });
    assert.deepEqual(await k.encryptKeys(), [first]);
    assert.deepEqual(await k.encryptKeys(), [], 'idempotent');
    assert.match(await readFile(join(k.dir, `${first}.key`), 'utf8'), /ENCRYPTED PRIVATE KEY/);
    assert.equal((await sign(k)).signatures[0]!.keyid, first);
    await assert.rejects(sign(plain), { code: 'ATTEST_KEY_PASSPHRASE_REQUIRED' });
    await chmod(passFile, 0o644);
    await assert.rejects(sign(Keyring.forConfig({ home, keyPassphraseFile: passFile })), { code: 'ATTEST_KEY_PERMISSIONS', where: passFile });
    await assert.rejects(sign(Keyring.forConfig({ home, keyPassphraseFile: join(home, 'nope') })), { code: 'ATTEST_KEY_PASSPHRASE_FILE_NOT_FOUND' });
    await assert.rejects(Keyring.forConfig({ home }).encryptKeys(), { code: 'ATTEST_KEY_PASSPHRASE_REQUIRED' });
  });

  it('refuses to sign from a keys directory others can enter', async () => {
    const home = await tempDir();
    const k = Keyring.forHome(home);
    await k.active();
    await chmod(k.dir, 0o755);
    await assert.rejects(sign(Keyring.forHome(home)), { code: 'ATTEST_KEY_PERMISSIONS', where: k.dir });
  });
});

describe('pinned trust bundles', () => {
  it('reads every public key of a PEM bundle and refuses anything else in it', async () => {
    const a = await Keyring.forHome(await tempDir()).active();
    const b = await Keyring.forHome(await tempDir()).active();
    assert.deepEqual(parsePublicKeyBundle(`# ops keys\n${a.publicKeyPem}\n${b.publicKeyPem}${a.publicKeyPem}`, 'f').map((k) => k.keyid), [a.keyid, b.keyid]);
    assert.throws(() => parsePublicKeyBundle('nothing here', 'f'), { code: 'ATTEST_TRUST_INVALID' });
    const priv = a.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    assert.throws(() => parsePublicKeyBundle(a.publicKeyPem + priv, 'f'), { code: 'ATTEST_KEY_INVALID', where: 'f#1' });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    assert.throws(() => parsePublicKeyBundle(rsa, 'f'), { code: 'ATTEST_KEY_INVALID', message: /only ed25519/ });
  });
});
