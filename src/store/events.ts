import type { ChangeEvent, ChangeListener, Queryable } from './store.js';

/** In-process delivery of committed change events. Listeners' errors are reported, never lost silently. */
export class ChangeFeed {
  private listeners = new Set<ChangeListener>();
  on(listener: ChangeListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  /** Insert all events of a transaction in one statement (imports write tens of thousands). */
  async write(q: Queryable, events: ChangeEvent[]): Promise<Array<ChangeEvent & { seq: number; at: string }>> {
    if (events.length === 0) return [];
    const out: Array<ChangeEvent & { seq: number; at: string }> = [];
    for (let i = 0; i < events.length; i += 5000) {
      const chunk = events.slice(i, i + 5000);
      const rows = await q.query<{ seq: number; at: string }>(
        `INSERT INTO change_events (type, subject, data)
         SELECT e->>'type', e->>'subject', NULLIF(e->'data', 'null'::jsonb) FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS t(e, n) ORDER BY n
         RETURNING seq, at`,
        [JSON.stringify(chunk.map((e) => ({ type: e.type, subject: e.subject, data: e.data ?? null })))],
      );
      // seq is assigned in insertion order, which is the array order above.
      rows.sort((a, b) => a.seq - b.seq);
      chunk.forEach((e, j) => out.push({ ...e, seq: rows[j]!.seq, at: rows[j]!.at }));
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
