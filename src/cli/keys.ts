import type { Command } from 'commander';
import { join } from 'node:path';
import { formatAuditEntry, Keyring, recordTrustChange, resolveTrust, shortKeyId, trustAuditEntry, trustAuditLog, type TrustAuditEntry, type TrustedKey } from '../attest/index.js';
import { ConflictError, NotFoundError } from '../errors/index.js';
import { readInputText } from '../input/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';

interface KeyRow {
  keyid: string;
  state: 'active' | 'trusted' | 'retired' | 'untrusted';
  added?: string;
  retired?: string;
}

/** Every key the keyring knows, own or imported, with its trust state. Read-only. */
async function keyRows(keyring: Keyring): Promise<KeyRow[]> {
  const [active, trusted, known] = await Promise.all([keyring.activeKeyId(), keyring.trusted(), keyring.known()]);
  const rows: KeyRow[] = trusted.map((t) => ({ keyid: t.keyid, state: t.keyid === active ? 'active' : t.retired ? 'retired' : 'trusted', added: t.added, retired: t.retired }));
  for (const k of known) if (!trusted.some((t) => t.keyid === k.keyid)) rows.push({ keyid: k.keyid, state: 'untrusted' });
  return rows;
}

const human = (rows: Array<KeyRow | TrustedKey>) => table(rows.map((r) => ({ ...r, keyid: shortKeyId(r.keyid) })), ['keyid', 'state', 'added', 'retired']);

/** `goldsmith keys …`: the ed25519 signing keyring under $GOLDSMITH_HOME/keys and its trust list. */
export function registerKeys(program: Command, ctx: CliContext): void {
  const keyring = () => Keyring.forConfig(ctx.config);
  const keys = program.command('keys').description('signing keys (ed25519) and the trust list used to verify attestations');

  keys
    .command('list')
    .description('list keys: the active one, trusted, retired (still verify) and untrusted')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOptions) => {
      const rows = await keyRows(keyring());
      emit(opts, rows, () => human(rows));
    });

  keys
    .command('rotate')
    .description('make a new active signing key; the previous key is retired but its signatures still verify')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOptions) => {
      // Rotation adds a key to the data directory trust list: audited like `keys trust add`.
      const store = await ctx.store();
      const k = keyring();
      const { previous, active, entry } = await store.tx(async (tx) => {
        const r = await k.rotate();
        const entry = trustAuditEntry('rotated', r.active.keyid, join(k.dir, 'trusted.json'), new Date(), { previous: r.previous });
        recordTrustChange(tx, entry);
        return { ...r, entry };
      });
      const c = ctx.config;
      const pin = c.trustFile ? `the trust file ${c.trustFile}` : c.trustedKeys ? 'GOLDSMITH_TRUSTED_KEYS' : undefined;
      emit(opts, { active: active.keyid, previous: previous ?? null, audit: entry }, () =>
        [
          `active key ${active.keyid}${previous ? `\nretired ${previous} (still trusted)` : ''}`,
          formatAuditEntry(entry),
          ...(pin ? [`trust is pinned by ${pin}: add this key's public key there ("goldsmith keys export") for its signatures to verify`] : []),
        ].join('\n'),
      );
    });

  keys
    .command('export')
    .description('print the active public key (PEM) to give to verifiers ("goldsmith keys trust add"); creates the key on first use')
    .option('--keyid <id>', 'export this key instead of the active one')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOptions & { keyid?: string }) => {
      const k = keyring();
      const entry = opts.keyid ? (await k.known()).find((x) => x.keyid.startsWith(opts.keyid!)) : await k.active();
      if (!entry) throw new NotFoundError('ATTEST_KEY_NOT_FOUND', `no key with id ${opts.keyid} in ${k.dir}`);
      emit(opts, { keyid: entry.keyid, publicKeyPem: entry.publicKeyPem }, () => entry.publicKeyPem.trimEnd());
    });

  keys
    .command('encrypt')
    .description('encrypt every private key at rest with the passphrase in GOLDSMITH_KEY_PASSPHRASE or GOLDSMITH_KEY_PASSPHRASE_FILE')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOptions) => {
      const changed = await keyring().encryptKeys();
      emit(opts, { encrypted: changed }, () => (changed.length ? changed.map((k) => `encrypted ${k}`).join('\n') : 'every private key is already encrypted'));
    });

  /**
   * Changing the data directory's trust list is privileged: it needs write access to the keys
   * directory (mode 0700, its owner only), is refused while trust is pinned outside the data
   * directory (the list would not be used), and is recorded in the change feed with who did it.
   */
  const audited = async (change: (k: Keyring) => Promise<{ entry: TrustAuditEntry | undefined; result: unknown; text: string }>, opts: OutputOptions) => {
    const c = ctx.config;
    if (c.trustFile || c.trustedKeys) {
      throw new ConflictError(
        'ATTEST_TRUST_PINNED',
        `trust is pinned by ${c.trustFile ? `the trust file ${c.trustFile} (GOLDSMITH_TRUST_FILE)` : 'GOLDSMITH_TRUSTED_KEYS'}: the data directory trust list is not used; change the pinned source instead`,
      );
    }
    // Open the store first: a change that cannot be audited is not made.
    const store = await ctx.store();
    const k = keyring();
    const out = await store.tx(async (tx) => {
      const r = await change(k);
      if (r.entry) recordTrustChange(tx, r.entry);
      return r;
    });
    emit(opts, { ...(out.result as object), audit: out.entry ?? null }, () => [out.text, ...(out.entry ? [formatAuditEntry(out.entry)] : [])].join('\n'));
  };
  const trustList = (k: Keyring) => join(k.dir, 'trusted.json');

  const trust = keys.command('trust').description('the trust list: public keys whose signatures verify');
  trust
    .command('add <pem-file>')
    .description('trust an ed25519 public key (SPKI PEM); audited')
    .option('--json', 'print JSON')
    .action(async (file: string, opts: OutputOptions) => {
      const pem = await readPem(file);
      await audited(async (k) => {
        const { key, added } = await k.trustAdd(pem, file);
        return {
          entry: added ? trustAuditEntry('added', key.keyid, trustList(k), new Date(), { sourceFile: file }) : undefined,
          result: { ...key, changed: added },
          text: `${added ? 'trusted' : 'already trusted'}: ${key.keyid}`,
        };
      }, opts);
    });
  trust
    .command('remove <keyid>')
    .description('stop trusting a key (a unique prefix of 8+ hex characters is enough); its signatures then fail as "untrusted key"; audited')
    .option('--json', 'print JSON')
    .action(async (keyid: string, opts: OutputOptions) => {
      await audited(async (k) => {
        const removed = await k.trustRemove(keyid);
        return { entry: trustAuditEntry('removed', removed.keyid, trustList(k), new Date()), result: { removed: removed.keyid }, text: `no longer trusted: ${removed.keyid}` };
      }, opts);
    });
  trust
    .command('log')
    .description('every recorded change of the trust list: who, when, which key, from which file')
    .option('--json', 'print JSON')
    .action(async (opts: OutputOptions) => {
      const log = await trustAuditLog(await ctx.store());
      emit(opts, log, () => (log.length ? log.map(formatAuditEntry).join('\n') : '(no trust changes recorded)'));
    });
  trust
    .command('list')
    .description('list trusted public keys (the pinned ones when GOLDSMITH_TRUST_FILE or GOLDSMITH_TRUSTED_KEYS is set)')
    .option('--json', 'print JSON (with PEMs)')
    .action(async (opts: OutputOptions) => {
      const k = keyring();
      const c = ctx.config;
      if (c.trustFile || c.trustedKeys) {
        // What verification will actually use: the data directory's list is not consulted.
        const pinned = await resolveTrust({ home: c.home, trustFile: c.trustFile, trustedKeysPem: c.trustedKeys }, k);
        const rows = pinned.trusted.map((t) => ({ ...t, state: 'pinned', source: pinned.source.label }));
        emit(opts, rows, () => `trust pinned by ${pinned.source.label}; the data directory trust list is not used\n${table(rows.map((r) => ({ ...r, keyid: shortKeyId(r.keyid) })), ['keyid', 'state'])}`);
        return;
      }
      const [list, active] = await Promise.all([k.trusted(), k.activeKeyId()]);
      emit(opts, list, () => human(list.map((t) => ({ ...t, state: t.keyid === active ? 'active' : t.retired ? 'retired' : 'trusted' }))));
    });
}

async function readPem(file: string): Promise<string> {
  try {
    return await readInputText(file, 1024 * 1024);
  } catch (e) {
    throw new NotFoundError('ATTEST_KEY_FILE_NOT_FOUND', `cannot read ${file}: ${(e as Error).message}`, { where: file });
  }
}
