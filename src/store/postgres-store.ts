import pg from 'pg';
import { ChangeFeed } from './events.js';
import { TYPE_PARSERS } from './normalize.js';
import { toParams } from './params.js';
import type { ChangeEvent, ChangeListener, Queryable, Store, Tx } from './store.js';

const types = {
  getTypeParser: ((oid: number, format?: string) =>
    TYPE_PARSERS[oid] ?? pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/** Scale-out backend: PostgreSQL, shared safely by many processes. `schema` isolates tests. */
export class PostgresStore implements Store {
  readonly backend = 'postgres' as const;
  private feed = new ChangeFeed();
  private constructor(private pool: pg.Pool) {}

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
    await pool.query('SELECT 1');
    return new PostgresStore(pool);
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
      const written = await this.feed.write(q, pending);
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

  async close(): Promise<void> {
    await this.pool.end();
  }
}
