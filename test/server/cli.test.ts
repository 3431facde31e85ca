import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, it } from 'node:test';
import { cliFor, REPO_ROOT } from '../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'gs-serve-cli-'));
after(() => rmSync(home, { recursive: true, force: true }));
const cli = cliFor(home);

it('serve refuses plain HTTP off loopback before touching the store', () => {
  const r = cli('serve', '--listen', '0.0.0.0:0', '--json');
  assert.equal(r.code, 65, r.stderr);
  assert.equal(r.json.error.code, 'SERVE_TLS_REQUIRED');
  assert.equal(cli('serve', '--listen', 'nope', '--json').json.error.code, 'SERVE_BAD_LISTEN');
  assert.equal(cli('serve', '--tls-cert', '/nonexistent', '--json').json.error.code, 'SERVE_TLS_INCOMPLETE');
});

it('serve listens on loopback, writes the owner token, audits writes, and stops on SIGTERM', async () => {
  const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/goldsmith.js'), 'serve', '--listen', '127.0.0.1:0', '--json'], {
    env: { ...process.env, GOLDSMITH_HOME: home, GOLDSMITH_DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    let out = '';
    const started = await new Promise<{ address: string; ownerTokenFile: string }>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        try {
          resolve(JSON.parse(out));
        } catch {
          /* not complete yet */
        }
      });
      child.once('exit', (code) => reject(new Error(`serve exited ${code}`)));
    });
    assert.equal(statSync(started.ownerTokenFile).mode & 0o777, 0o600);
    const token = readFileSync(started.ownerTokenFile, 'utf8').trim();
    assert.equal((await fetch(`${started.address}/healthz`)).status, 200);
    assert.equal((await fetch(`${started.address}/audit`)).status, 401);
    const vm = `${started.address}/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/goldsmith/providers/Microsoft.Compute/virtualMachines/cli1`;
    const put = await fetch(vm, { method: 'PUT', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify({ location: 'westeurope', properties: { hardwareProfile: { vmSize: 'Standard_D2s_v5' } } }) });
    assert.equal(put.status, 201, await put.text());
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    child.kill('SIGTERM');
    assert.equal(await exited, 0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  // The server let go of the store: the CLI reads what it wrote.
  const audit = cli('audit', 'list', '--json');
  assert.equal(audit.code, 0, audit.stderr);
  assert.deepEqual(audit.json.map((a: { method: string; status: number }) => [a.method, a.status]), [['PUT', 201]]);

  const created = cli('token', 'create', '--role', 'reader', '--scope', '/', '--expires', '1d', '--name', 'auditor', '--json');
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.json.token, /^gst_[a-z0-9]{16}_[A-Za-z0-9_-]{43}$/);
  const listed = cli('token', 'list', '--json').json as Array<{ id: string; role: string }>;
  assert.deepEqual(listed.map((t) => t.role).sort(), ['owner', 'reader']);
  assert.ok(!JSON.stringify(listed).includes(created.json.token.slice('gst_0123456789abcdef_'.length)), 'list never shows a secret');
  assert.ok(cli('token', 'revoke', created.json.id, '--json').json.revokedAt);
  assert.equal(cli('token', 'create', '--role', 'king', '--scope', '/', '--json').json.error.code, 'TOKEN_BAD_ROLE');
  assert.equal(cli('token', 'create', '--role', 'machine', '--scope', '/', '--json').json.error.code, 'TOKEN_BAD_SCOPE');
});
