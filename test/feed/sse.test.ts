import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventFilter, parseLastEventId, sseComment, sseFrame, sseRetry, type FeedEvent } from '../../src/feed/index.js';

/** A minimal SSE parser following the WHATWG algorithm: lines end at CRLF, LF or CR; a blank line dispatches. */
function parseSse(stream: string): Array<{ id?: string; event?: string; data: string }> {
  const out: Array<{ id?: string; event?: string; data: string }> = [];
  let cur: { id?: string; event?: string; data: string[] } = { data: [] };
  let dataSeen = false;
  for (const line of stream.split(/\r\n|\n|\r/)) {
    if (line === '') {
      if (dataSeen) out.push({ id: cur.id, event: cur.event, data: cur.data.join('\n') });
      cur = { data: [] };
      dataSeen = false;
      continue;
    }
    if (line.startsWith(':')) continue;
    const i = line.indexOf(':');
    const field = i < 0 ? line : line.slice(0, i);
    let value = i < 0 ? '' : line.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') (cur.data.push(value), (dataSeen = true));
    else if (field === 'id') cur.id = value;
    else if (field === 'event') cur.event = value;
  }
  return out;
}

const hostile: FeedEvent = {
  id: 42,
  type: 'resource.written\r\ndata: injected\n\nid: 9999',
  subject: '/subscriptions/s/x\n\nid: 1\ndata: {"forged":true}\r\r\u2028\u2029 é 🙂 \u0000',
  at: '2026-01-01T00:00:00.000Z',
  data: { note: 'line1\nline2\rline3\r\n', emoji: '🙂', nul: '\u0000', lone: '\ud800' },
};

test('a hostile event stays one frame: its id, its type on one line, its data intact as JSON', () => {
  const frame = sseFrame(hostile);
  assert.ok(frame.endsWith('\n\n'));
  assert.equal(frame.slice(0, -2).split(/\r\n|\n|\r/).length, 3, 'exactly id, event and data lines');
  const frames = parseSse(frame);
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.id, '42');
  assert.equal(frames[0]!.event, 'resource.written\\r\\ndata: injected\\n\\nid: 9999');
  const body = JSON.parse(frames[0]!.data);
  assert.equal(body.subject, hostile.subject);
  assert.equal(body.data.note, hostile.data!.note);
  assert.equal(body.data.emoji, '🙂');
  assert.equal(body.id, 42);
});

test('frames concatenate into a stream the parser splits back', () => {
  const events: FeedEvent[] = [1, 2, 3].map((id) => ({ id, type: 't', subject: `/s/${id}\n`, at: 'x' }));
  const stream = sseRetry(2000) + events.map(sseFrame).join('') + sseComment('dropped:\nslow consumer');
  assert.deepEqual(parseSse(stream).map((f) => [f.id, JSON.parse(f.data).subject]), [['1', '/s/1\n'], ['2', '/s/2\n'], ['3', '/s/3\n']]);
  assert.equal(sseComment('a\nb\rc'), ': a\\nb\\rc\n\n');
  assert.throws(() => sseRetry(-1));
});

test('Last-Event-ID: only a plain non-negative integer is a position', () => {
  assert.equal(parseLastEventId('17'), 17);
  assert.equal(parseLastEventId(' 17 '), 17);
  for (const bad of [undefined, '', '-1', '1e3', '0x10', '12abc', '99999999999999999999']) assert.equal(parseLastEventId(bad), undefined, String(bad));
});

test('eventFilter: type prefixes and scopes match at boundaries, case-insensitively for scopes', () => {
  const f = eventFilter({ types: ['policy.', 'resource.written'], scopes: ['/subscriptions/S1/resourceGroups/rg'] });
  const ev = (type: string, subject: string): FeedEvent => ({ id: 1, type, subject, at: '' });
  assert.equal(f(ev('policy.assignment.created', '/subscriptions/s1/resourcegroups/RG/x')), true);
  assert.equal(f(ev('resource.written', '/subscriptions/s1/resourceGroups/rg')), true);
  assert.equal(f(ev('resource.written', '/subscriptions/s1/resourceGroups/rg2/x')), false, 'rg is not a prefix of rg2');
  assert.equal(f(ev('resource.deleted', '/subscriptions/s1/resourceGroups/rg/x')), false);
  assert.equal(f(ev('policyx', '/subscriptions/s1/resourceGroups/rg/x')), false);
  assert.equal(eventFilter({})(ev('anything', '/')), true);
});
