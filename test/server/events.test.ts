import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../support/stores.js';
import { OTHER_RG, RG, serverFixture, SUB, type ServerFixture } from './support.js';

/** Read an SSE stream until `done` says enough (or the time runs out); returns the frames' ids and events. */
function readEvents(port: number, headers: Record<string, string>, done: (events: Array<{ id: number; event: string; data: { subject: string } }>) => boolean, path = '/events'): Promise<{ status: number; type: string; events: Array<{ id: number; event: string; data: { subject: string } }> }> {
  return new Promise((resolve, reject) => {
    const events: Array<{ id: number; event: string; data: { subject: string } }> = [];
    const req = request({ host: '127.0.0.1', port, path, headers }, (res) => {
      let buf = '';
      const finish = () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type']), events });
      };
      const timer = setTimeout(finish, 5000);
      res.setEncoding('utf8');
      res.on('data', (c: string) => {
        buf += c;
        let i: number;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const frame = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const f = Object.fromEntries(frame.split('\n').filter((l) => !l.startsWith(':') && l.includes(':')).map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]));
          if (f.id) events.push({ id: Number(f.id), event: f.event!, data: JSON.parse(f.data!) });
        }
        if (done(events)) {
          clearTimeout(timer);
          finish();
        }
      });
      res.on('end', () => {
        clearTimeout(timer);
        finish();
      });
    });
    req.on('error', (e) => (e.message.includes('socket hang up') ? undefined : reject(e)));
    req.end();
  });
}

describeEachBackend('GET /events and /metrics', (backend) => {
  let f: ServerFixture;
  let port: number;
  before(async () => {
    f = await serverFixture(backend);
    await f.server.listen({ host: '127.0.0.1', port: 0 });
    port = (f.server.server.address() as AddressInfo).port;
  });
  after(async () => f.close());

  it('streams changes after commit, resumes from Last-Event-ID, and shows each caller only what it may read', async () => {
    const reader = await f.auth('reader', '/');
    const elsewhere = await f.auth('reader', OTHER_RG);
    // Resume from the start: everything the fixture did (a gallery, a version, a VM) is there, in id order.
    const all = await readEvents(port, { authorization: reader.authorization, 'last-event-id': '0' }, (es) => es.some((e) => e.event === 'resource.written' && e.data.subject.includes('virtualMachines/web1')));
    assert.equal(all.status, 200);
    assert.match(all.type, /^text\/event-stream/);
    assert.ok(all.events.some((e) => e.event === 'gallery.version.published'), JSON.stringify(all.events.map((e) => e.event)));
    const ids = all.events.map((e) => e.id);
    assert.deepEqual(ids, [...ids].sort((a, b) => a - b), 'in id order');
    // From the middle: only what came after.
    const mid = ids[Math.floor(ids.length / 2)]!;
    const resumed = await readEvents(port, { authorization: reader.authorization, 'last-event-id': String(mid) }, (es) => es.length >= ids.filter((i) => i > mid).length);
    assert.deepEqual(resumed.events.map((e) => e.id), ids.filter((i) => i > mid));
    // A reader scoped to another resource group sees none of the default group's changes.
    const other = await readEvents(port, { authorization: elsewhere.authorization, 'last-event-id': '0' }, () => false);
    assert.deepEqual(other.events.filter((e) => e.data.subject.startsWith(RG)), []);
    // Live: a change made now arrives on an open stream.
    const live = readEvents(port, { authorization: reader.authorization }, (es) => es.some((e) => e.data.subject.includes('resourceGroups/live')));
    await new Promise((r) => setTimeout(r, 300));
    await f.app.fleet.scopes.createResourceGroup('live', { subscription: SUB, location: 'westeurope' });
    assert.ok((await live).events.some((e) => e.data.subject.includes('resourceGroups/live')), 'the live change arrived');
  });

  it('refuses a bad Last-Event-ID and answers without a token only 401', async () => {
    const reader = await f.auth('reader', '/');
    const bad = await f.server.inject({ url: '/events', headers: { authorization: reader.authorization, 'last-event-id': 'abc' } });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'API_BAD_LAST_EVENT_ID');
    assert.equal((await f.server.inject({ url: '/events' })).statusCode, 401);
  });

  it('/metrics is Prometheus text for readers at /, refused inside a resource group', async () => {
    const r = await f.server.inject({ url: '/metrics', headers: { authorization: (await f.auth('reader', '/')).authorization } });
    assert.equal(r.statusCode, 200);
    assert.match(String(r.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    assert.match(r.body, /^# TYPE goldsmith_\w+ (counter|gauge)$/m);
    assert.equal((await f.server.inject({ url: '/metrics', headers: { authorization: (await f.auth('reader', RG)).authorization } })).statusCode, 403);
  });
});
