import type { ChangeEvent, ChangeListener, Queryable } from './store.js';

/** In-process delivery of committed change events. Listeners' errors are reported, never lost silently. */
export class ChangeFeed {
  private listeners = new Set<ChangeListener>();
  on(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  async write(q: Queryable, events: ChangeEvent[]): Promise<Array<ChangeEvent & { seq: number; at: string }>> {
    const out: Array<ChangeEvent & { seq: number; at: string }> = [];
    for (const e of events) {
      const [row] = await q.query<{ seq: number; at: string }>(
        'INSERT INTO change_events (type, subject, data) VALUES ($1, $2, $3) RETURNING seq, at',
        [e.type, e.subject, e.data === undefined ? null : JSON.stringify(e.data)],
      );
      out.push({ ...e, seq: row!.seq, at: row!.at });
    }
    return out;
  }
  async deliver(events: Array<ChangeEvent & { seq: number; at: string }>): Promise<void> {
    for (const e of events) {
      for (const l of this.listeners) {
        try {
          await l(e);
        } catch (err) {
          process.emitWarning(`change listener failed on ${e.type} ${e.subject}: ${(err as Error).message}`);
        }
      }
    }
  }
}
