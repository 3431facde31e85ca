import { PGlite, type Transaction } from '@electric-sql/pglite';
import { mkdirPrivateSync, tightenTree } from '../config/private-files.js';
import { ChangeFeed } from './events.js';
import { acquireDirLock } from './lock.js';
import { TYPE_PARSERS } from './normalize.js';
import { toParams } from './params.js';
import type { ChangeEvent, ChangeListener, Queryable, Store, Tx } from './store.js';

/** Embedded backend: PGlite (Postgres in WASM) in a data directory, guarded by an exclusive lock file. */
export class PGliteStore implements Store {
  readonly backend = 'pglite' as const;
  private feed = new ChangeFeed();
  private constructor(
    private db: PGlite,
    private release: () => void,
    private dir?: string,
  ) {}

  /** `dir` undefined means in memory (tests); otherwise the directory is created and locked.
   * `loadDataDir` starts from a dump (see `dump`) instead of running initdb, which takes seconds. */
  static async open(dir?: string, opts: { loadDataDir?: Blob } = {}): Promise<PGliteStore> {
    let release = () => {};
    if (dir) {
      mkdirPrivateSync(dir);
      release = acquireDirLock(dir);
    }
    try {
      const db = await PGlite.create(dir ? `${dir}/pgdata` : 'memory://', { parsers: TYPE_PARSERS, ...(opts.loadDataDir ? { loadDataDir: opts.loadDataDir } : {}) });
      // PGlite sets the modes of the files it unpacks itself (0666, whatever the umask), and later
      // rewrites some 0644: clear group/other bits now and again on close. The directory is 0700
      // in any case, so no other user can reach them in between.
      if (dir) tightenTree(dir);
      return new PGliteStore(db, release, dir);
    } catch (e) {
      release();
      throw e;
    }
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    if (params.length === 0 && sql.includes(';')) {
      const res = await this.db.exec(sql);
      return (res.at(-1)?.rows ?? []) as T[];
    }
    const res = await this.db.query<T>(sql, toParams(params));
    return res.rows;
  }

  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const pending: ChangeEvent[] = [];
    let written: Awaited<ReturnType<ChangeFeed['write']>> = [];
    const result = await this.db.transaction(async (t: Transaction) => {
      const q: Queryable = {
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          if (params.length === 0 && sql.includes(';')) {
            const res = await t.exec(sql);
            return (res.at(-1)?.rows ?? []) as R[];
          }
          return (await t.query<R>(sql, toParams(params))).rows;
        },
      };
      const value = await fn({ ...q, emit: (e) => void pending.push(e) });
      written = await this.feed.write(q, pending);
      return value;
    });
    await this.feed.deliver(written);
    return result;
  }

  /** A tarball of the whole database, loadable with `open(undefined, { loadDataDir })`. */
  async dump(): Promise<Blob> {
    return this.db.dumpDataDir('none');
  }

  onChange(listener: ChangeListener): () => void {
    return this.feed.on(listener);
  }

  /** Transactions run one at a time: whatever is visible is final. */
  async feedHorizon(): Promise<number> {
    const [row] = await this.query<{ id: number | null }>('SELECT max(seq) AS id FROM change_events');
    return row?.id ?? 0;
  }

  /** One process owns a PGlite directory, so every commit is this process's own. */
  async watch(wake: (hintId?: number) => void): Promise<() => Promise<void>> {
    const off = this.feed.on((e) => wake(e.seq));
    return async () => void off();
  }

  async close(): Promise<void> {
    try {
      await this.db.close();
      if (this.dir) tightenTree(this.dir);
    } finally {
      this.release();
    }
  }
}
