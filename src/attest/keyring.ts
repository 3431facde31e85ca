import { createPrivateKey, createPublicKey, generateKeyPairSync, scrypt, sign, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { withFileLock } from '../store/lock.js';
import { ConflictError, InputError, IntegrityError, NotFoundError } from '../errors/index.js';
import { KEYID_RE, keyIdOf, parsePublicKeyPem, shortKeyId, type PublicKeyEntry, type TrustedKey } from './keys.js';
import { createExclusive, formatTrustFile, parseTrustFile, readOptional, replaceFile, writeTemp } from './keyring-files.js';

/** The key this keyring signs with. */
export interface SigningKey extends PublicKeyEntry {
  privateKey: KeyObject;
}

export interface KeyringOptions {
  clock?: () => Date;
  /** The passphrase private keys are encrypted with at rest; read only when a key is created or loaded. */
  passphrase?: () => Promise<string | undefined>;
}

/** Where the operator gives the key passphrase: inline or in a file only they can read. */
export interface PassphraseConfig {
  keyPassphrase?: string;
  keyPassphraseFile?: string;
}

/** A passphrase reader over the operator's configuration; the file is read when a key is needed, never cached. */
export function passphraseFrom(config: PassphraseConfig): (() => Promise<string | undefined>) | undefined {
  if (config.keyPassphrase) return async () => config.keyPassphrase;
  const file = config.keyPassphraseFile;
  if (!file) return undefined;
  return async () => {
    const text = await readOptional(file);
    if (text === undefined) throw new NotFoundError('ATTEST_KEY_PASSPHRASE_FILE_NOT_FOUND', `no key passphrase file at ${file}`, { where: file });
    if (((await stat(file)).mode & 0o077) !== 0) {
      throw new IntegrityError('ATTEST_KEY_PERMISSIONS', 'the key passphrase file is readable by others; run chmod 600 on it', { where: file });
    }
    const pass = text.replace(/\r?\n$/, '');
    if (pass === '') throw new InputError('ATTEST_KEY_PASSPHRASE_EMPTY', 'the key passphrase file is empty', { where: file });
    return pass;
  };
}

const ENCRYPTED_PEM = 'ENCRYPTED PRIVATE KEY';
/** Node exports encrypted PKCS#8 as PBES2 (PBKDF2-HMAC-SHA256, 2048 iterations) with this cipher. */
const KEY_CIPHER = 'aes-256-cbc';
const scryptAsync = promisify(scrypt) as (pass: string, salt: string, len: number, opts: { N: number; r: number; p: number; maxmem: number }) => Promise<Buffer>;

/**
 * PBES2's 2048 PBKDF2 rounds are cheap to brute-force, and Node cannot raise them; so the
 * passphrase is first stretched with scrypt (memory-hard, 32 MiB), salted with the key id. The file
 * stays standard encrypted PKCS#8: `openssl pkey -passin pass:<stretched hex>` opens it.
 */
export async function stretchPassphrase(passphrase: string, keyid: string): Promise<string> {
  return (await scryptAsync(passphrase, `goldsmith-key:${keyid}`, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 })).toString('hex');
}

/**
 * ed25519 keys on disk:
 *   <dir>/active.json      {"keyid": …}: the key new signatures are made with
 *   <dir>/<keyid>.key      PKCS#8 private key, mode 0600; encrypted (PBES2, AES-256-CBC) when a passphrase is given
 *   <dir>/<keyid>.pub      SPKI public key
 *   <dir>/trusted.json     the trust list verification uses (own keys and imported ones)
 * The first call that needs a key creates one; read-only calls (trusted, known, list) never do.
 */
export class Keyring {
  private readonly clock: () => Date;
  private readonly passphrase?: () => Promise<string | undefined>;
  private activePromise?: Promise<SigningKey>;

  constructor(
    readonly dir: string,
    opts: KeyringOptions = {},
  ) {
    this.clock = opts.clock ?? (() => new Date());
    this.passphrase = opts.passphrase;
  }

  /** The keyring of the data directory, with the operator's key passphrase if one is configured. */
  static forConfig(config: PassphraseConfig & { home: string }, opts: KeyringOptions = {}): Keyring {
    return Keyring.forHome(config.home, { passphrase: passphraseFrom(config), ...opts });
  }

  /** The keyring of a Goldsmith home: `${GOLDSMITH_HOME}/keys`. */
  static forHome(home: string, opts?: KeyringOptions): Keyring {
    return new Keyring(join(home, 'keys'), opts);
  }

  private path(name: string): string {
    return join(this.dir, name);
  }

  /** The active signing key, created on first use. Concurrent first use (threads of this process or
   * other processes) agrees on one key: the active pointer is created exclusively and re-read. */
  active(): Promise<SigningKey> {
    // Re-read on every call (a rotation by another process takes effect at once); only calls that
    // overlap share one load, so this instance never races itself.
    this.activePromise ??= this.loadOrCreateActive().finally(() => {
      this.activePromise = undefined;
    });
    return this.activePromise;
  }

  /** Sign bytes with the active key. */
  async sign(data: Buffer): Promise<{ keyid: string; sig: Buffer }> {
    const key = await this.active();
    return { keyid: key.keyid, sig: sign(null, data, key.privateKey) };
  }

  async activeKeyId(): Promise<string | undefined> {
    const text = await readOptional(this.path('active.json'));
    if (text === undefined) return undefined;
    let keyid: unknown;
    try {
      keyid = (JSON.parse(text) as { keyid?: unknown }).keyid;
    } catch {
      keyid = undefined;
    }
    if (typeof keyid !== 'string' || !KEYID_RE.test(keyid)) {
      throw new IntegrityError('ATTEST_KEYRING_BROKEN', 'active.json does not name a key id', { where: this.path('active.json') });
    }
    return keyid;
  }

  private async loadOrCreateActive(): Promise<SigningKey> {
    let keyid = await this.activeKeyId();
    if (keyid === undefined) {
      await mkdir(this.dir, { recursive: true, mode: 0o700 });
      const fresh = await this.writeNewKey();
      const won = await createExclusive(this.path('active.json'), JSON.stringify({ keyid: fresh.keyid }) + '\n');
      if (!won) {
        // Another process created the keyring first: use its key, drop ours (it never signed anything).
        await rm(this.path(`${fresh.keyid}.key`), { force: true });
        await rm(this.path(`${fresh.keyid}.pub`), { force: true });
      }
      keyid = await this.activeKeyId();
      if (keyid === undefined) throw new IntegrityError('ATTEST_KEYRING_BROKEN', 'active.json vanished while creating the keyring', { where: this.dir });
    }
    const key = await this.loadPrivate(keyid);
    // Repairs a creator that stopped between creating active.json and trusting it; the active key
    // cannot be removed from the trust list, so this never re-trusts a key a user removed.
    if (!(await this.trusted()).some((t) => t.keyid === key.keyid)) {
      await this.updateTrust((keys) => (keys.some((t) => t.keyid === key.keyid) ? keys : [...keys, this.trustEntry(key)]));
    }
    return key;
  }

  private trustEntry(k: PublicKeyEntry): TrustedKey {
    return { keyid: k.keyid, publicKeyPem: k.publicKeyPem, added: this.clock().toISOString() };
  }

  private async writeNewKey(): Promise<SigningKey> {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const keyid = keyIdOf(publicKey);
    const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
    const pkcs8 = await this.exportPrivate(privateKey, keyid);
    const keyTmp = await writeTemp(this.path(`${keyid}.key`), pkcs8, 0o600);
    await rename(keyTmp, this.path(`${keyid}.key`));
    await replaceFile(this.path(`${keyid}.pub`), publicKeyPem);
    return { keyid, publicKeyPem, privateKey };
  }

  /** PKCS#8 PEM, encrypted with the passphrase when there is one. */
  private async exportPrivate(privateKey: KeyObject, keyid: string): Promise<string> {
    const pass = await this.passphrase?.();
    const passphrase = pass ? await this.stretched(pass, keyid) : undefined;
    const opts = passphrase ? { type: 'pkcs8' as const, format: 'pem' as const, cipher: KEY_CIPHER, passphrase } : { type: 'pkcs8' as const, format: 'pem' as const };
    return privateKey.export(opts).toString();
  }

  private async loadPrivate(keyid: string): Promise<SigningKey> {
    const file = this.path(`${keyid}.key`);
    const text = await readOptional(file);
    if (text === undefined) throw new IntegrityError('ATTEST_KEYRING_BROKEN', `the active key ${shortKeyId(keyid)} has no private key file`, { where: file });
    if (((await stat(file)).mode & 0o077) !== 0) {
      throw new IntegrityError('ATTEST_KEY_PERMISSIONS', 'private key file is readable by others; run chmod 600 on it', { where: file });
    }
    if (((await stat(this.dir)).mode & 0o077) !== 0) {
      throw new IntegrityError('ATTEST_KEY_PERMISSIONS', 'the keys directory is accessible to others; run chmod 700 on it', { where: this.dir });
    }
    const privateKey = await this.decodePrivate(text, file, keyid);
    const actual = keyIdOf(createPublicKey(privateKey));
    if (actual !== keyid) throw new IntegrityError('ATTEST_KEYRING_BROKEN', `private key file holds key ${shortKeyId(actual)}, not ${shortKeyId(keyid)}`, { where: file });
    return { keyid, privateKey, publicKeyPem: createPublicKey(privateKey).export({ type: 'spki', format: 'pem' }).toString() };
  }

  /** Stretched passphrases by key id and passphrase: scrypt is deliberately slow, and every signature reloads the key. */
  private readonly stretchCache = new Map<string, Promise<string>>();
  private stretched(pass: string, keyid: string): Promise<string> {
    const k = `${keyid}\0${pass}`;
    let p = this.stretchCache.get(k);
    if (!p) this.stretchCache.set(k, (p = stretchPassphrase(pass, keyid)));
    return p;
  }

  private async decodePrivate(text: string, file: string, keyid: string): Promise<KeyObject> {
    if (!text.includes(ENCRYPTED_PEM)) return createPrivateKey(text);
    const pass = await this.passphrase?.();
    if (!pass) {
      throw new InputError('ATTEST_KEY_PASSPHRASE_REQUIRED', 'the private key is encrypted: give its passphrase in GOLDSMITH_KEY_PASSPHRASE or GOLDSMITH_KEY_PASSPHRASE_FILE', { where: file });
    }
    try {
      return createPrivateKey({ key: text, format: 'pem', passphrase: await this.stretched(pass, keyid) });
    } catch (e) {
      throw new InputError('ATTEST_KEY_PASSPHRASE_WRONG', 'cannot decrypt the private key: wrong passphrase (or a damaged key file)', { where: file, cause: e });
    }
  }

  /** Re-write every own private key encrypted with the configured passphrase (for keys made before one was set). */
  async encryptKeys(): Promise<string[]> {
    if (!(await this.passphrase?.())) {
      throw new InputError('ATTEST_KEY_PASSPHRASE_REQUIRED', 'no passphrase to encrypt with: set GOLDSMITH_KEY_PASSPHRASE or GOLDSMITH_KEY_PASSPHRASE_FILE');
    }
    const changed: string[] = [];
    await withFileLock(this.path('.lock'), async () => {
      let names: string[];
      try {
        names = await readdir(this.dir);
      } catch {
        names = [];
      }
      for (const n of names.filter((x) => /^[0-9a-f]{64}\.key$/.test(x)).sort()) {
        const file = this.path(n);
        const text = await readOptional(file);
        if (text === undefined || text.includes(ENCRYPTED_PEM)) continue;
        await replaceFile(file, await this.exportPrivate(createPrivateKey(text), n.slice(0, 64)), 0o600);
        changed.push(n.slice(0, 64));
      }
    }, { pollMs: 20 });
    return changed;
  }

  /** Make a new active key. The previous one is marked retired in the trust list but stays trusted,
   * so everything it signed still verifies. */
  async rotate(): Promise<{ previous?: string; active: SigningKey }> {
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    return withFileLock(this.path('.lock'), async () => {
      const previous = await this.activeKeyId();
      const fresh = await this.writeNewKey();
      const now = this.clock().toISOString();
      await this.writeTrust((await this.trusted()).map((t) => (t.keyid === previous && !t.retired ? { ...t, retired: now } : t)).concat(this.trustEntry(fresh)));
      await replaceFile(this.path('active.json'), JSON.stringify({ keyid: fresh.keyid }) + '\n');
      return { previous, active: fresh };
    }, { pollMs: 20 });
  }

  /** The trust list; empty when there is none yet. */
  async trusted(): Promise<TrustedKey[]> {
    const file = this.path('trusted.json');
    const text = await readOptional(file);
    return text === undefined ? [] : parseTrustFile(text, file);
  }

  /** Every public key this keyring holds a file for, trusted or not (for precise "untrusted" reasons). */
  async known(): Promise<PublicKeyEntry[]> {
    let names: string[];
    try {
      names = await readdir(this.dir);
    } catch {
      return [];
    }
    const out: PublicKeyEntry[] = [];
    for (const n of names.filter((x) => /^[0-9a-f]{64}\.pub$/.test(x)).sort()) {
      const pem = await readOptional(this.path(n));
      if (pem !== undefined) out.push(parsePublicKeyPem(pem, this.path(n)));
    }
    return out;
  }

  /** Trust a public key (idempotent). The key also becomes known, so removing it later gives "untrusted". */
  async trustAdd(pem: string, where: string): Promise<{ key: TrustedKey; added: boolean }> {
    const entry = parsePublicKeyPem(pem, where);
    await mkdir(this.dir, { recursive: true, mode: 0o700 });
    let result: { key: TrustedKey; added: boolean } | undefined;
    await this.updateTrust((keys) => {
      const existing = keys.find((k) => k.keyid === entry.keyid);
      result = existing ? { key: existing, added: false } : { key: this.trustEntry(entry), added: true };
      return existing ? keys : [...keys, result.key];
    });
    if ((await readOptional(this.path(`${entry.keyid}.pub`))) === undefined) await replaceFile(this.path(`${entry.keyid}.pub`), entry.publicKeyPem);
    return result!;
  }

  /** Stop trusting a key: signatures made with it then fail verification as "untrusted key".
   * Accepts a unique prefix of at least 8 hex characters. The active key cannot be removed. */
  async trustRemove(keyidOrPrefix: string): Promise<TrustedKey> {
    if (!/^[0-9a-f]{8,64}$/.test(keyidOrPrefix)) throw new InputError('ATTEST_KEYID_INVALID', `not a key id (8 to 64 lowercase hex characters): ${keyidOrPrefix}`);
    const active = await this.activeKeyId();
    let removed: TrustedKey | undefined;
    await this.updateTrust((keys) => {
      const hits = keys.filter((k) => k.keyid.startsWith(keyidOrPrefix));
      if (hits.length === 0) throw new NotFoundError('ATTEST_KEY_NOT_TRUSTED', `no trusted key has id ${keyidOrPrefix}`, { where: this.path('trusted.json') });
      if (hits.length > 1) throw new InputError('ATTEST_KEYID_AMBIGUOUS', `${keyidOrPrefix} matches ${hits.length} trusted keys; give more characters`);
      removed = hits[0]!;
      if (removed.keyid === active) throw new ConflictError('ATTEST_KEY_ACTIVE', `key ${shortKeyId(removed.keyid)} is the active signing key: run "goldsmith keys rotate" first`);
      return keys.filter((k) => k !== removed);
    });
    return removed!;
  }

  private async updateTrust(change: (keys: TrustedKey[]) => TrustedKey[]): Promise<void> {
    await withFileLock(this.path('.lock'), async () => {
      const before = await this.trusted();
      const after = change(before);
      if (after !== before) await this.writeTrust(after);
    }, { pollMs: 20 });
  }

  private writeTrust(keys: TrustedKey[]): Promise<void> {
    return replaceFile(this.path('trusted.json'), formatTrustFile(keys));
  }
}
