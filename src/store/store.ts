/** The storage port: every service talks to this, never to a driver. Two real backends implement it. */
export type Backend = 'pglite' | 'postgres';

export interface Queryable {
  /** Run one statement with $1.. parameters. Rows come back normalised the same way on both backends:
   * timestamps as ISO-8601 strings (UTC), int8/numeric as numbers, json/jsonb parsed. */
  query<T = Record<string, unknown>>(sql: string, params?: readonly unknown[]): Promise<T[]>;
}

/** A change to a resource or domain record, recorded in the same transaction as the change itself. */
export interface ChangeEvent {
  /** e.g. "gallery.version.published", "vm.updated" */
  type: string;
  /** Azure-style resource id or domain record id the event is about. */
  subject: string;
  data?: Record<string, unknown>;
}

export interface Tx extends Queryable {
  /** Record a change event; it is written in this transaction and delivered to subscribers after commit. */
  emit(event: ChangeEvent): void;
}

export type ChangeListener = (event: ChangeEvent & { seq: number; at: string }) => void | Promise<void>;

export interface Store extends Queryable {
  readonly backend: Backend;
  /** Run fn in one transaction; commit if it resolves, roll back if it throws. Serialised on PGlite. */
  tx<T>(fn: (tx: Tx) => Promise<T>): Promise<T>;
  /** Subscribe to committed change events (in-process). Returns an unsubscribe function. */
  onChange(listener: ChangeListener): () => void;
  /**
   * Call `wake` whenever change events may have been committed: by this process (both backends)
   * or, on PostgreSQL, by any process sharing the schema (LISTEN/NOTIFY, the hint being the highest
   * id that commit wrote). The caller then reads `change_events` in id order up to `feedHorizon()`.
   * Resolves to a function that stops watching.
   */
  watch(wake: (hintId?: number) => void): Promise<() => Promise<void>>;
  /**
   * The feed's safe horizon: the highest committed change event id such that every id below it is
   * final (committed, or rolled back for good). Readers deliver `change_events` only up to it, in
   * id order, which makes `id > lastId` resumption exact. See FEED_LOCK in postgres-store.ts.
   */
  feedHorizon(): Promise<number>;
  close(): Promise<void>;
}
