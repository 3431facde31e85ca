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
 * Key (first half) of the advisory lock that orders change events: every transaction that writes
 * events takes it, with a hash of its schema as the second half, just before writing them and
 * holds it through COMMIT. Ids therefore come from the sequence in commit order, and a reader that
 * sees id N knows every id below N is committed or rolled back for good — what `id > lastId`
 * (Last-Event-ID) resumption needs. A bare sequence gives no such guarantee: a transaction that
 * took id 6 may commit after another that took id 7, and a reader past 7 would skip 6.
 * The price: the tails (event insert + commit) of event-writing transactions run one at a time;
 * their bodies still run concurrently. docs/scale-out.md discusses the alternative.
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
        await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [FEED_LOCK]);
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
