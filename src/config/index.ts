import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';

export {
  IMAGE_UMASK,
  PRIVATE_DIR_MODE,
  PRIVATE_FILE_MODE,
  PRIVATE_UMASK,
  ensurePrivateDir,
  ensureScratchRoot,
  mkdirPrivate,
  mkdirPrivateSync,
  secureDataDir,
  tightenTree,
} from './private-files.js';

/** Where Goldsmith keeps its state. Read once at the edge and passed down; cores never read env. */
export interface Config {
  /** Data directory: embedded database, artifacts, runs, keys. */
  home: string;
  /** PostgreSQL connection string; when set, the store is PostgreSQL instead of embedded PGlite. */
  databaseUrl?: string;
  /** PostgreSQL schema to keep Goldsmith's tables in (default: the server's search_path, usually public).
   * Lets several Goldsmith installations, or test runs, share one database. */
  databaseSchema?: string;
  /** Fast scratch space for working root filesystems (RAM-backed when /dev/shm exists). Losing it is
   * safe: a run restores its rootfs from its last checkpoint artifact. */
  scratch?: string;
  /** GOLDSMITH_SCRATCH_QUOTA: the most one build run may write into its scratch ("16G", "off"). */
  scratchQuota?: string;
  /** A PEM bundle of trusted public keys outside the data directory (GOLDSMITH_TRUST_FILE): when set,
   * the only keys verification trusts. */
  trustFile?: string;
  /** The same inline (GOLDSMITH_TRUSTED_KEYS), used when no trust file is given. */
  trustedKeys?: string;
  /** Passphrase protecting private signing keys at rest (GOLDSMITH_KEY_PASSPHRASE). */
  keyPassphrase?: string;
  /** A file holding that passphrase (GOLDSMITH_KEY_PASSPHRASE_FILE), read when a key is needed. */
  keyPassphraseFile?: string;
}

export function configFromEnv(env: NodeJS.ProcessEnv = process.env): Config {
  return {
    home: resolve(env.GOLDSMITH_HOME || './.goldsmith'),
    databaseUrl: env.GOLDSMITH_DATABASE_URL || undefined,
    databaseSchema: env.GOLDSMITH_DATABASE_SCHEMA || undefined,
    scratch: env.GOLDSMITH_SCRATCH || undefined,
    scratchQuota: env.GOLDSMITH_SCRATCH_QUOTA || undefined,
    trustFile: env.GOLDSMITH_TRUST_FILE || undefined,
    trustedKeys: env.GOLDSMITH_TRUSTED_KEYS || undefined,
    keyPassphrase: env.GOLDSMITH_KEY_PASSPHRASE || undefined,
    keyPassphraseFile: env.GOLDSMITH_KEY_PASSPHRASE_FILE || undefined,
  };
}

/** Where working root filesystems go: GOLDSMITH_SCRATCH, else /dev/shm (tmpfs), else under home. */
export function scratchDir(config: Config): string {
  if (config.scratch) return config.scratch;
  if (existsSync('/dev/shm')) return '/dev/shm/goldsmith';
  return join(config.home, 'scratch');
}
