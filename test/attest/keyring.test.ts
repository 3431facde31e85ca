import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { chmod, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { attest, Keyring, keyIdOf, PREDICATE_TYPES, verifyEnvelope } from '../../src/attest/index.js';
import { SUBJECT, tempDir, tempKeyring } from './support.js';

const tattoo = (keyring: Keyring) => attest({ subject: SUBJECT, predicateType: PREDICATE_TYPES.tattoo, predicate: { IMAGE_ID: 'x' } }, keyring);

/** Run the child under the same loader as this test (tsx, or plain node over dist). */
function child(dir: string, go: string): Promise<string> {
  const self = fileURLToPath(import.meta.url);
  const script = self.replace(/keyring\.test\.(ts|js)$/, 'keyring-child.$1');
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...execArgv, script, dir, go], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    p.stdout.on('data', (c: Buffer) => (out += c.toString()));
    p.on('error', reject);
    p.on('close', (code) => (code === 0 ? resolve(out.trim()) : reject(new Error(`child exited ${code}`))));
  });
}

describe('Keyring', () => {
  it('creates an ed25519 key on first use, private key 0600, and trusts it', async () => {
    const k = await tempKeyring();
    assert.deepEqual(await k.trusted(), []);
    assert.equal(await k.activeKeyId(), undefined);
    const key = await k.active();
    assert.equal(key.privateKey.asymmetricKeyType, 'ed25519');
    assert.equal(key.keyid, keyIdOf(key.privateKey));
    assert.equal((await stat(join(k.dir, `${key.keyid}.key`))).mode & 0o777, 0o600);
    assert.equal((await stat(k.dir)).mode & 0o077, 0);
    assert.deepEqual((await k.trusted()).map((t) => t.keyid), [key.keyid]);
    // A fresh instance over the same directory finds the same key instead of creating another.
    assert.equal((await new Keyring(k.dir).active()).keyid, key.keyid);
    assert.equal((await readdir(k.dir)).filter((n) => n.endsWith('.key')).length, 1);
  });

  it('read-only calls never create a key', async () => {
    const k = await tempKeyring();
    await k.trusted();
    await k.known();
    await k.activeKeyId();
    await assert.rejects(stat(k.dir), { code: 'ENOENT' });
  });

  it('concurrent first use in one process agrees on one key', async () => {
    const dir = join(await tempDir(), 'keys');
    const ids = await Promise.all([1, 2, 3, 4].map(() => new Keyring(dir).active().then((x) => x.keyid)));
    assert.equal(new Set(ids).size, 1);
    assert.equal((await readdir(dir)).filter((n) => n.endsWith('.key')).length, 1);
    assert.deepEqual((await new Keyring(dir).trusted()).map((t) => t.keyid), [ids[0]]);
  });

  it('concurrent first use by several processes agrees on one key', async () => {
    const root = await tempDir();
    const dir = join(root, 'keys');
    const go = join(root, 'go');
    const running = [1, 2, 3].map(() => child(dir, go));
    // Release them together, once every child has loaded and waits at the barrier.
    for (let i = 0; (await readdir(root)).filter((n) => n.startsWith('go.ready-')).length < 3; i++) {
      assert.ok(i < 1000, 'children did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
    await writeFile(go, '');
    const ids = await Promise.all(running);
    assert.equal(ids.length, 3);
    assert.equal(new Set(ids).size, 1, `children created different keys: ${ids.join(' ')}`);
    assert.match(ids[0]!, /^[0-9a-f]{64}$/);
    assert.deepEqual((await readdir(dir)).filter((n) => n.endsWith('.key')), [`${ids[0]}.key`]);
    assert.deepEqual((await new Keyring(dir).trusted()).map((t) => t.keyid), [ids[0]]);
  });

  it('rotation makes a new active key and old signatures still verify', async () => {
    const k = await tempKeyring();
    const oldEnv = await tattoo(k);
    const old = (await k.active()).keyid;
    const longLived = new Keyring(k.dir);
    assert.equal((await longLived.active()).keyid, old);
    const { previous, active } = await k.rotate();
    assert.equal((await longLived.active()).keyid, active.keyid, 'another instance signs with the new key at once');
    assert.equal(previous, old);
    assert.notEqual(active.keyid, old);
    assert.equal((await k.active()).keyid, active.keyid);
    assert.equal((await new Keyring(k.dir).active()).keyid, active.keyid);
    const trusted = await k.trusted();
    assert.ok(trusted.find((t) => t.keyid === old)?.retired, 'old key is marked retired');
    assert.equal(trusted.find((t) => t.keyid === active.keyid)?.retired, undefined);
    const newEnv = await tattoo(k);
    assert.equal(newEnv.signatures[0]!.keyid, active.keyid);
    for (const env of [oldEnv, newEnv]) assert.deepEqual(verifyEnvelope(env, { trusted }).problems, []);
  });

  it('removing a key from the trust list makes its signatures fail as untrusted', async () => {
    const k = await tempKeyring();
    const env = await tattoo(k);
    const old = (await k.active()).keyid;
    await assert.rejects(k.trustRemove(old), { code: 'ATTEST_KEY_ACTIVE' });
    await k.rotate();
    const removed = await k.trustRemove(old.slice(0, 12));
    assert.equal(removed.keyid, old);
    const r = verifyEnvelope(env, { trusted: await k.trusted(), known: await k.known() });
    assert.equal(r.ok, false);
    assert.match(r.problems.join('\n'), new RegExp(`untrusted key ${old.slice(0, 16)}: it is not in the trust list`));
    // Without the keyring's own copy of the key, it is unknown rather than untrusted.
    const unknown = verifyEnvelope(env, { trusted: await k.trusted() });
    assert.match(unknown.problems.join('\n'), /unknown key [0-9a-f]{16}: not in the trust list/);
    await assert.rejects(k.trustRemove(old), { code: 'ATTEST_KEY_NOT_TRUSTED' });
    await assert.rejects(k.trustRemove('xyz'), { code: 'ATTEST_KEYID_INVALID' });
  });

  it('trusts an imported public key, refusing private keys and other algorithms', async () => {
    const signer = await tempKeyring();
    const verifier = await tempKeyring();
    const env = await tattoo(signer);
    assert.match(verifyEnvelope(env, { trusted: await verifier.trusted() }).problems[0]!, /unknown key/);
    const pub = (await signer.active()).publicKeyPem;
    const first = await verifier.trustAdd(pub, 'signer.pem');
    assert.equal(first.added, true);
    assert.equal((await verifier.trustAdd(pub, 'signer.pem')).added, false);
    assert.equal(verifyEnvelope(env, { trusted: await verifier.trusted() }).ok, true);
    // Importing never creates a signing key for the verifier.
    assert.equal(await verifier.activeKeyId(), undefined);

    const priv = await readFile(join(signer.dir, `${first.key.keyid}.key`), 'utf8');
    await assert.rejects(verifier.trustAdd(priv, 'k.key'), { code: 'ATTEST_KEY_INVALID', where: 'k.key', message: /private key/ });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    await assert.rejects(verifier.trustAdd(rsa, 'rsa.pem'), { code: 'ATTEST_KEY_INVALID', message: /only ed25519/ });
    await assert.rejects(verifier.trustAdd('garbage', 'g.pem'), { code: 'ATTEST_KEY_INVALID' });
    assert.equal((await verifier.trusted()).length, 1);
  });

  it('refuses a private key readable by others and a damaged trust list', async () => {
    const k = await tempKeyring();
    const key = await k.active();
    await chmod(join(k.dir, `${key.keyid}.key`), 0o644);
    await assert.rejects(new Keyring(k.dir).active(), { code: 'ATTEST_KEY_PERMISSIONS' });
    await writeFile(join(k.dir, 'trusted.json'), '{"keys": [{"keyid": "nope"}]}');
    await assert.rejects(k.trusted(), { code: 'ATTEST_TRUST_INVALID', where: `${join(k.dir, 'trusted.json')}#/keys/0` });
    await writeFile(join(k.dir, 'trusted.json'), '{');
    await assert.rejects(k.trusted(), { code: 'ATTEST_TRUST_INVALID' });
  });
});
