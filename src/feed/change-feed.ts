import type { Metrics } from '../metrics/index.js';
import type { Store } from '../store/index.js';

/** A committed change event as the feed delivers it; `id` is its `change_events.seq`. */
export interface FeedEvent {
  id: number;
  type: string;
  subject: string;
  data?: Record<string, unknown>;
  /** When the transaction that wrote it started (PostgreSQL `now()`). */
  at: string;
}

export type FeedFilter = (e: FeedEvent) => boolean;

export interface SubscribeOptions {
  /** Deliver events with id > from (Last-Event-ID). Absent: only events committed from now on. */
  from?: number;
  /** Events for which it returns false are skipped (they still advance the cursor). */
  filter?: FeedFilter;
  /** Most events held for a consumer that is not reading; beyond it the subscription is dropped. */
  bufferLimit?: number;
}

export interface ChangeFeedOptions {
  /** Rows per read of `change_events`. */
  pageSize?: number;
  /** Read anyway this often, should a wake-up be lost (a dropped LISTEN connection). */
  pollMs?: number;
  bufferLimit?: number;
  metrics?: Metrics;
  /** Where read failures go (the feed retries on the next wake or poll). */
  onError?: (err: Error) => void;
}

const EVENTS_SQL = `SELECT seq AS id, type, subject, data, at FROM change_events WHERE seq > $1 AND seq <= $2 ORDER BY seq LIMIT $3`;

/**
 * Every committed change event, in id order (consistent with commit causality), to any number of
 * subscribers, resumable from an id. One reader per process (the pump) follows `change_events` in
 * id order up to the store's safe horizon, below which every id is final (FEED_LOCK in
 * store/postgres-store.ts), woken by the store's `watch` (own commits, and other processes'
 * through LISTEN/NOTIFY on PostgreSQL) and by a slow poll. Live subscribers
 * get events pushed into a bounded buffer; a subscriber resuming from an old id first reads the
 * backlog from the database itself, page by page as it consumes, so a backlog never sits in memory.
 */
export class ChangeFeed {
  /** Highest id the pump has read and dispatched. */
  private headId = 0;
  private started?: Promise<void>;
  private stopWatch?: () => Promise<void>;
  private poll?: NodeJS.Timeout;
  private dirty = false;
  private pumping: Promise<void> | null = null;
  private readonly subs = new Set<FeedSubscription>();
  readonly pageSize: number;
  private readonly bufferLimit: number;
  private lagMs = 0;

  constructor(
    readonly store: Store,
    private readonly opts: ChangeFeedOptions = {},
  ) {
    this.pageSize = opts.pageSize ?? 500;
    this.bufferLimit = opts.bufferLimit ?? 1000;
    const m = opts.metrics;
    m?.describe('goldsmith_feed_events_delivered_total', 'counter', 'Change events handed to feed subscribers.');
    m?.describe('goldsmith_feed_subscribers_dropped_total', 'counter', 'Feed subscribers dropped, by reason.');
    m?.gauge('goldsmith_feed_subscribers', 'Open change feed subscriptions.', () => [{ value: this.subs.size }]);
    m?.gauge('goldsmith_feed_lag_seconds', 'Age of the last event the feed dispatched when it dispatched it, from the start of its transaction.', () => [{ value: this.lagMs / 1000 }]);
    m?.gauge('goldsmith_feed_head_id', 'Highest change event id this process has read.', () => [{ value: this.headId }]);
  }

  get head(): number {
    return this.headId;
  }

  /** Read the current head and start watching. Idempotent. */
  start(): Promise<void> {
    this.started ??= (async () => {
      this.headId = await this.store.feedHorizon();
      this.stopWatch = await this.store.watch((hint) => this.wake(hint));
      this.poll = setInterval(() => this.wake(), this.opts.pollMs ?? 5000);
      this.poll.unref();
    })();
    return this.started;
  }

  /** Stop reading and close every subscription. */
  async stop(): Promise<void> {
    clearInterval(this.poll);
    for (const s of this.subs) s.close('feed stopped');
    await this.stopWatch?.();
    this.stopWatch = undefined;
    while (this.pumping) await this.pumping;
  }

  subscribe(opts: SubscribeOptions = {}): FeedSubscription {
    if (!this.started) throw new Error('ChangeFeed.subscribe before start()');
    const from = opts.from ?? this.headId;
    if (!Number.isSafeInteger(from) || from < 0) throw new RangeError(`bad feed position ${from}`);
    const sub = new FeedSubscription(this, from, from >= this.headId, opts.filter, opts.bufferLimit ?? this.bufferLimit);
    this.subs.add(sub);
    return sub;
  }

  /** @internal a subscription leaving */
  remove(sub: FeedSubscription, reason: string): void {
    if (this.subs.delete(sub) && reason.startsWith('slow consumer')) this.opts.metrics?.inc('goldsmith_feed_subscribers_dropped_total', { reason: 'slow_consumer' });
  }

  /** @internal */
  delivered(): void {
    this.opts.metrics?.inc('goldsmith_feed_events_delivered_total');
  }

  /** @internal read events in (after, upTo], in id order. */
  async read(after: number, upTo: number, limit = this.pageSize): Promise<FeedEvent[]> {
    const rows = await this.store.query<FeedEvent & { data: Record<string, unknown> | null }>(EVENTS_SQL, [after, upTo, limit]);
    return rows.map((r) => (r.data === null ? { id: r.id, type: r.type, subject: r.subject, at: r.at } : r));
  }

  /** Resolves when the pump has read everything it was woken for (tests, orderly shutdown). */
  async settled(): Promise<void> {
    while (this.pumping) await this.pumping;
  }

  private wake(hint?: number): void {
    if (hint !== undefined && hint <= this.headId) return;
    this.dirty = true;
    this.pumping ??= this.pump().finally(() => (this.pumping = null));
  }

  private async pump(): Promise<void> {
    while (this.dirty) {
      this.dirty = false;
      try {
        const horizon = await this.store.feedHorizon();
        for (;;) {
          const page = await this.read(this.headId, horizon);
          for (const e of page) this.dispatch(e);
          if (page.length < this.pageSize) break;
        }
        // Ids up to the horizon that were not read were rolled back: nothing will fill them.
        this.headId = Math.max(this.headId, horizon);
      } catch (err) {
        this.opts.onError?.(err as Error);
        return;
      }
    }
  }

  /** Synchronous per event: a subscriber switching from backlog to live compares against headId. */
  private dispatch(e: FeedEvent): void {
    this.headId = e.id;
    this.lagMs = Math.max(0, Date.now() - Date.parse(e.at));
    for (const s of this.subs) s.offer(e);
  }
}

/** One consumer's position in the feed. Iterate it, or call next() until it returns undefined. */
export class FeedSubscription implements AsyncIterable<FeedEvent> {
  private queue: FeedEvent[] = [];
  private waiter?: () => void;
  private reason?: string;

  constructor(
    private readonly feed: ChangeFeed,
    /** Highest id queued or skipped so far. */
    private cursor: number,
    private live: boolean,
    private readonly filter: FeedFilter | undefined,
    private readonly limit: number,
  ) {}

  /** Why the subscription ended (undefined while open): "slow consumer: …", "closed", "feed stopped". */
  get closedReason(): string | undefined {
    return this.reason;
  }

  /** @internal a live event from the pump */
  offer(e: FeedEvent): void {
    if (!this.live || this.reason !== undefined || e.id <= this.cursor) return;
    this.cursor = e.id;
    if (this.filter && !this.filter(e)) return;
    if (this.queue.length >= this.limit) return this.close(`slow consumer: more than ${this.limit} events waiting`);
    this.queue.push(e);
    this.notify();
  }

  /** The next event, waiting for one; undefined once closed (see closedReason). One caller at a
   * time. After a drop, resume with a new subscription from the last id actually received. */
  async next(): Promise<FeedEvent | undefined> {
    for (;;) {
      const e = this.queue.shift();
      if (e) {
        this.feed.delivered();
        return e;
      }
      if (this.reason !== undefined) return undefined;
      if (!this.live) await this.catchUp();
      else await new Promise<void>((r) => (this.waiter = r));
    }
  }

  /** Read one page of backlog; go live once the cursor reaches what the pump has dispatched. */
  private async catchUp(): Promise<void> {
    const upTo = this.feed.head;
    const page = await this.feed.read(this.cursor, upTo);
    if (this.reason !== undefined) return;
    for (const e of page) {
      this.cursor = e.id;
      if (!this.filter || this.filter(e)) this.queue.push(e);
    }
    // A short page means nothing else is committed up to upTo (the pump read it before we asked).
    if (page.length < this.feed.pageSize) this.cursor = Math.max(this.cursor, upTo);
    if (this.cursor >= this.feed.head) this.live = true;
  }

  close(reason = 'closed'): void {
    if (this.reason !== undefined) return;
    this.reason = reason;
    this.queue = [];
    this.feed.remove(this, reason);
    this.notify();
  }

  private notify(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  [Symbol.asyncIterator](): AsyncIterator<FeedEvent> {
    return {
      next: async () => {
        const value = await this.next();
        return value ? { value, done: false } : { value: undefined, done: true };
      },
      return: async () => {
        this.close();
        return { value: undefined, done: true };
      },
    };
  }
}
