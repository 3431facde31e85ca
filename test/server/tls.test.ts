import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { backends } from '../support/stores.js';
import { serverFixture, type ServerFixture } from './support.js';

// TLS does not depend on the store: one backend is enough.
const dir = mkdtempSync(join(tmpdir(), 'gs-tls-'));
let f: ServerFixture;
let cert: Buffer;
before(async () => {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1', '-days', '1'], { stdio: 'ignore' });
  cert = readFileSync(join(dir, 'cert.pem'));
  f = await serverFixture(backends[0]!, { https: { cert, key: readFileSync(join(dir, 'key.pem')) } });
  await f.server.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await f.close();
  rmSync(dir, { recursive: true, force: true });
});

function get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  const { port } = f.server.server.address() as AddressInfo;
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, ca: cert, headers }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

it('serves over TLS with the certificate given, and still requires a token', async () => {
  assert.equal((await get('/healthz')).status, 200);
  assert.equal((await get('/audit')).status, 401);
  const reader = await f.auth('reader', '/');
  const r = await get('/audit', reader);
  assert.equal(r.status, 200, r.body);
});
