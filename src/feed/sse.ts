import type { FeedEvent, FeedFilter, FeedSubscription } from './change-feed.js';

/**
 * Server-sent events framing (WHATWG HTML, "Server-sent events"): a frame is `field: value` lines
 * ended by a blank line, and a line ends at CR, LF or CRLF. So no value may contain CR or LF,
 * whatever an event's subject or data hold (they come from API input and image content).
 * `data` is the event as JSON — JSON.stringify escapes CR and LF inside strings, and U+2028/U+2029
 * are not line ends in SSE — so one `data:` line always carries it intact. `event` is the type with
 * any CR, LF or NUL written as \r, \n, \0; `id` is a number.
 */
export function sseFrame(e: FeedEvent): string {
  const body = JSON.stringify({ id: e.id, type: e.type, subject: e.subject, at: e.at, ...(e.data === undefined ? {} : { data: e.data }) });
  return `id: ${e.id}\nevent: ${sseField(e.type)}\ndata: ${body}\n\n`;
}

/** A comment frame: keeps idle connections open through proxies, or says why the stream ends. */
export function sseComment(text: string): string {
  return `: ${sseField(text)}\n\n`;
}

/** The `retry:` frame telling clients how long to wait before reconnecting. */
export function sseRetry(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0) throw new RangeError(`bad retry ${ms}`);
  return `retry: ${ms}\n\n`;
}

function sseField(v: string): string {
  return v.replace(/[\r\n\0]/g, (c) => (c === '\r' ? '\\r' : c === '\n' ? '\\n' : '\\0'));
}

/**
 * `Last-Event-ID` as a feed position: a non-negative decimal integer, else undefined (a client
 * that never saw an event, or a header we did not write, starts from now).
 */
export function parseLastEventId(header: string | undefined): number | undefined {
  if (header === undefined || !/^\d{1,15}$/.test(header.trim())) return undefined;
  return Number(header.trim());
}

/**
 * Events of these types (exact, or a prefix ending in '.') about subjects under these scopes (an
 * ARM id prefix, case-insensitive, matched at a '/' boundary). The server adds the caller's read
 * scopes here; an empty list means no restriction.
 */
export function eventFilter(opts: { types?: string[]; scopes?: string[] }): FeedFilter {
  const types = opts.types ?? [];
  const scopes = (opts.scopes ?? []).map((s) => s.toLowerCase().replace(/\/+$/, ''));
  return (e) => {
    if (types.length && !types.some((t) => (t.endsWith('.') ? e.type.startsWith(t) : e.type === t))) return false;
    if (!scopes.length) return true;
    const subj = e.subject.toLowerCase();
    return scopes.some((s) => subj === s || subj.startsWith(`${s}/`));
  };
}

/**
 * The body of a `GET /events` response: a retry hint, then one frame per event, a comment every
 * `heartbeatMs` while idle (proxies close silent connections), and, when the subscription ends
 * (slow consumer, feed stopped), a comment saying why. The server writes each string as it comes
 * and closes the subscription when the client goes (`return()` on this generator does that).
 */
export async function* sseBody(sub: FeedSubscription, opts: { heartbeatMs?: number; retryMs?: number } = {}): AsyncGenerator<string, void, undefined> {
  const heartbeatMs = opts.heartbeatMs ?? 15_000;
  try {
    yield sseRetry(opts.retryMs ?? 2000);
    let pending = sub.next();
    for (;;) {
      let timer: NodeJS.Timeout | undefined;
      const beat = new Promise<'beat'>((r) => (timer = setTimeout(() => r('beat'), heartbeatMs)));
      const got = await Promise.race([pending, beat]);
      clearTimeout(timer);
      if (got === 'beat') {
        yield sseComment('keep-alive');
        continue;
      }
      if (!got) {
        yield sseComment(`stream closed: ${sub.closedReason ?? 'closed'}; reconnect with Last-Event-ID`);
        return;
      }
      yield sseFrame(got);
      pending = sub.next();
    }
  } finally {
    sub.close();
  }
}
