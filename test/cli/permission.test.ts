import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliFor, REPO_ROOT } from '../support/cli.js';

const home = mkdtempSync(join(tmpdir(), 'gs-perm-'));
after(() => {
  rmSync(home, { recursive: true, force: true });
  rmSync(join(tmpdir(), 'gs-perm-nobody-scratch'), { recursive: true, force: true });
});

test('another local user gets a clear permission error (exit 77), not an internal error (70), and changes nothing', { skip: process.getuid?.() !== 0 && 'needs root to run as another user' }, () => {
  const cli = cliFor(home);
  assert.equal(cli('keys', 'list', '--json').code, 0); // the owner makes the data directory (0700) and a key
  const before = cli('keys', 'list', '--json').json;
  const r = spawnSync(
    'setpriv',
    ['--reuid=nobody', '--regid=nogroup', '--clear-groups', process.execPath, join(REPO_ROOT, 'bin/goldsmith.js'), 'keys', 'trust', 'add', '/etc/hostname', '--json'],
    { cwd: REPO_ROOT, env: { ...process.env, GOLDSMITH_HOME: home, GOLDSMITH_DATABASE_URL: '', GOLDSMITH_SCRATCH: join(tmpdir(), 'gs-perm-nobody-scratch') }, encoding: 'utf8' },
  );
  assert.equal(r.status, 77, r.stderr);
  assert.equal(JSON.parse(r.stdout).error.code, 'PERMISSION_DENIED');
  assert.match(r.stderr, /permission denied: cannot \w+ .*gs-perm-/);
  assert.doesNotMatch(r.stderr, /internal error/);
  assert.deepEqual(cli('keys', 'list', '--json').json, before);
});
