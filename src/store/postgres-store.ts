import { createHash } from 'node:crypto';
import pg from 'pg';
import { ChangeFeed } from './events.js';
import { TYPE_PARSERS } from './normalize.js';
import { toParams } from './params.js';
import type { ChangeEvent, ChangeListener, Queryable, Store, Tx } from './store.js';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * Key (first half; the second is a hash of the schema) of the advisory lock that makes change event
 * ids safe to resume from. Ids come from a sequence when events are inserted, not when transactions
 * commit: a transaction holding id 6 may commit after one holding id 7, and a reader that went past
 * 7 would never see 6. So every event-writing transaction takes this lock *shared* just before
 * inserting its events and holds it through COMMIT (PostgreSQL releases it only once the commit is
 * visible); writers never wait for each other, and group commit still batches their WAL flushes.
 * A reader takes it *exclusive* for an instant (`feedHorizon`): once granted, no writer is between
 * insert and commit, so every id up to the max it then sees is final. Readers deliver only up to
 * that horizon. Id order also respects causality: a transaction inserts its events after all its
 * reads, so one that saw another's committed rows always has the higher ids.
 */
const FEED_LOCK = 72683;

/** The NOTIFY channel of a schema's change feed: an identifier under PostgreSQL's 63-byte limit. */
const channelOf = (schema: string) => `gs_feed_${createHash('sha256').update(schema).digest('hex').slice(0, 16)}`;

/** Scale-out backend: PostgreSQL, shared safely by many processes. `schema` isolates tests. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private feed = new ChangeFeed();
  private watchers = new Set<() => Promise<void>>();
  private constructor(
    private pool: pg.Pool,
    private url: string,
    private schema: string,
  ) {}

  static async open(url: string, schema?: string): Promise<PostgresStore> {
    if (schema) {
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        await admin.query(`CREATE SCHEMA IF NOT EXISTS "${schema.replace(/"/g, '')}"`);
      } finally {
        await admin.end();
      }
    }
    const pool = new pg.Pool({
      connectionString: url,
      max: 8,
      types,
      // No JIT: our statements are short, and a cost misestimate (an array parameter of thousands of
      // keys, a table not yet analysed) made PostgreSQL spend 0.8 s compiling a 40 ms query.
      options: `-c jit=off${schema ? ` -c search_path=${schema}` : ''}`,
    });
    const [row] = (await pool.query<{ s: string }>('SELECT current_schema() AS s')).rows;
    return new PostgresStore(pool, url, row!.s);
  }

  async query<T>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const res = await this.pool.query(sql, params.length ? toParams(params) : undefined);
    return (Array.isArray(res) ? (res.at(-1)?.rows ?? []) : res.rows) as T[];
  }

  async tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    const pending: ChangeEvent[] = [];
    try {
      await client.query('BEGIN');
      const q: Queryable = {
        query: async <R>(sql: string, params: readonly unknown[] = []) => {
          const res = await client.query(sql, params.length ? toParams(params) : undefined);
          return (Array.isArray(res) ? (res.at(-1)?.rows ?? []) : res.rows) as R[];
        },
      };
      const value = await fn({ ...q, emit: (e) => void pending.push(e) });
      let written: Awaited<ReturnType<ChangeFeed['write']>> = [];
      if (pending.length) {
        await client.query('SELECT pg_advisory_xact_lock_shared($1, hashtext(current_schema()))', [FEED_LOCK]);
        written = await this.feed.write(q, pending);
        // NOTIFY is delivered at commit, in commit order; the payload lets listeners skip a read.
        await client.query('SELECT pg_notify($1, $2)', [channelOf(this.schema), String(written.at(-1)!.seq)]);
      }
      await client.query('COMMIT');
      await this.feed.deliver(written);
      return value;
    } catch (e) {
      await client.query('ROLLBACK').catch(() => {});
      throw e;
    } finally {
      client.release();
    }
  }

  onChange(listener: ChangeListener): () => void {
    return this.feed.on(listener);
  }

  /** A barrier: waits for event writers between insert and commit, then reads the max id. */
  async feedHorizon(): Promise<number> {
    return this.tx(async (q) => {
      await q.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [FEED_LOCK]);
      const [row] = await q.query<{ id: number | null }>('SELECT max(seq) AS id FROM change_events');
      return row?.id ?? 0;
    });
  }

  /** Wakes on this process's commits at once and on other processes' through LISTEN on a
   * dedicated connection, which is re-established (with a wake, to catch up) if it drops. */
  async watch(wake: (hintId?: number) => void): Promise<() => Promise<void>> {
    const off = this.feed.on((e) => wake(e.seq));
    let client: pg.Client | undefined;
    let stopped = false;
    let retry: NodeJS.Timeout | undefined;
    const connect = async (): Promise<void> => {
      const c = new pg.Client({ connectionString: this.url });
      c.on('notification', (n) => wake(n.payload ? Number(n.payload) : undefined));
      c.on('error', () => reconnect());
      c.on('end', () => reconnect());
      await c.connect();
      await c.query(`LISTEN "${channelOf(this.schema)}"`);
      if (stopped) return void (await c.end());
      client = c;
    };
    const reconnect = () => {
      if (stopped || retry) return;
      client = undefined;
      retry = setTimeout(() => {
        retry = undefined;
        connect().then(() => wake(), reconnect);
      }, 500);
      retry.unref();
    };
    await connect();
    const stop = async () => {
      stopped = true;
      off();
      clearTimeout(retry);
      this.watchers.delete(stop);
      await client?.end().catch(() => {});
    };
    this.watchers.add(stop);
    return stop;
  }

  async close(): Promise<void> {
    await Promise.all([...this.watchers].map((w) => w()));
    await this.pool.end();
  }
}
