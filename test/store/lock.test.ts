import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { isGoldsmithError } from '../../src/errors/index.js';
import { acquireDirLock, withFileLock } from '../../src/store/lock.js';
import { cliFor } from '../support/cli.js';

const root = mkdtempSync(join(tmpdir(), 'gs-lock-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshDir = () => {
  const d = join(root, String(n++));
  mkdirSync(d);
  return d;
};

/** The pid of a process that has exited: a lock naming it is stale. */
function deadPid(): number {
  const r = spawnSync('true');
  return r.pid!;
}

const staleLock = (pid: number) => JSON.stringify({ pid, host: hostname(), command: 'goldsmith build (killed)', since: new Date().toISOString() }) + '\n';

const spawnPiped = (args: string[]) => spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });

/** K long-lived children under the same loader as this test, answering line by line. */
function startChildren(k: number): { ask: (line: string) => Promise<string[]>; stop: () => void } {
  const self = fileURLToPath(import.meta.url);
  const script = self.replace(/lock\.test\.(ts|js)$/, 'lock-child.$1');
  const execArgv = process.execArgv.filter((a) => !a.startsWith('--test'));
  const kids: Array<ReturnType<typeof spawnPiped>> = [];
  const waiting: Array<(line: string) => void> = [];
  const queues: string[][] = [];
  for (let i = 0; i < k; i++) {
    const p = spawnPiped([...execArgv, script]);
    kids.push(p);
    queues.push([]);
    createInterface({ input: p.stdout }).on('line', (l) => {
      const w = waiting[i];
      if (w) {
        delete waiting[i];
        w(l);
      } else queues[i]!.push(l);
    });
  }
  const next = (i: number) => new Promise<string>((resolve) => (queues[i]!.length ? resolve(queues[i]!.shift()!) : (waiting[i] = resolve)));
  return {
    ask: (line) => {
      for (const p of kids) p.stdin.write(line + '\n');
      return Promise.all(kids.map((_, i) => next(i)));
    },
    stop: () => kids.forEach((p) => p.stdin.end()),
  };
}

describe('acquireDirLock', () => {
  it('takes over a stale lock in exactly one of K racing processes, every round', { timeout: 60_000 }, async () => {
    const K = 4;
    const ROUNDS = 60;
    const kids = startChildren(K);
    const dead = deadPid();
    const outcomes: string[] = [];
    try {
      // Warm up: every child has loaded the module before the first round.
      await kids.ask('release');
      for (let round = 0; round < ROUNDS; round++) {
        const dir = freshDir();
        writeFileSync(join(dir, 'lock'), staleLock(dead));
        const answers = await kids.ask(`go ${round} ${dir} ${Date.now() + 20}`);
        const held = answers.filter((a) => a === `${round} held`).length;
        const others = answers.filter((a) => a !== `${round} held`);
        outcomes.push(`${held}`);
        assert.equal(held, 1, `round ${round}: ${held} holders (${answers.join(', ')})`);
        assert.ok(others.every((a) => a === `${round} STORE_LOCKED`), `round ${round}: ${answers.join(', ')}`);
        await kids.ask('release');
        // Nothing is left behind: no lock, no claim, no temp file.
        assert.deepEqual(readdirSync(dir), []);
      }
    } finally {
      kids.stop();
    }
    assert.equal(outcomes.length, ROUNDS);
  });

  it('reports an empty lock file left by a crashed writer, with the command that clears it', () => {
    const dir = freshDir();
    const path = join(dir, 'lock');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    assert.throws(
      () => acquireDirLock(dir),
      (e) => isGoldsmithError(e) && e.code === 'STORE_LOCK_CORRUPT' && e.where === path && e.message.includes('it is empty') && e.message.includes(`rm ${path}`),
    );
    // Following the advice works.
    rmSync(path);
    acquireDirLock(dir)();
    assert.deepEqual(readdirSync(dir), []);
  });

  it('the CLI reports a damaged store lock with exit 75 and the command that clears it', () => {
    const home = freshDir();
    mkdirSync(join(home, 'db'));
    const path = join(home, 'db', 'lock');
    writeFileSync(path, '');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    const r = cliFor(home)('gallery', 'list', '--json');
    assert.equal(r.code, 75, r.stderr);
    assert.equal(r.json?.error?.code, 'STORE_LOCK_CORRUPT');
    assert.match(r.stderr, new RegExp(`error STORE_LOCK_CORRUPT: lock file ${path} is damaged \\(it is empty;.*then remove the lock: rm ${path}`));
  });

  it('reports a lock file that does not name a holder, and a lock path that is not a file', () => {
    const dir = freshDir();
    const path = join(dir, 'lock');
    writeFileSync(path, '{"pid": "nope"}');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    assert.throws(() => acquireDirLock(dir), (e) => isGoldsmithError(e) && e.code === 'STORE_LOCK_CORRUPT' && /does not name a holding process/.test(e.message));
    rmSync(path);
    mkdirSync(path);
    assert.throws(() => acquireDirLock(dir), (e) => isGoldsmithError(e) && e.code === 'STORE_LOCK_CORRUPT' && /not a regular file/.test(e.message));
  });

  it('waits for a just-created empty lock (an older writer at work) instead of calling it damaged', async () => {
    const dir = freshDir();
    const path = join(dir, 'lock');
    // An older version's writer: creates the file empty, and fills it 300 ms later with a live holder.
    const holder = JSON.stringify({ pid: process.pid, host: hostname(), command: 'x', since: 'y' });
    const writer = spawn('sh', ['-c', ': > "$1"; sleep 0.3; printf %s "$2" > "$1"', 'writer', path, holder]);
    while (!existsSync(path)) await new Promise((r) => setTimeout(r, 2));
    const t0 = Date.now();
    assert.throws(() => acquireDirLock(dir), (e) => isGoldsmithError(e) && e.code === 'STORE_LOCKED' && e.message.includes(`process ${process.pid}`));
    assert.ok(Date.now() - t0 >= 150, 'waited for the writer');
    await new Promise((r) => writer.on('close', r));
  });

  it('writes the lock private and complete, and removes only its own lock on release', () => {
    const dir = freshDir();
    const release = acquireDirLock(dir);
    assert.equal(statSync(join(dir, 'lock')).mode & 0o777, 0o600);
    assert.deepEqual(readdirSync(dir), ['lock']);
    // Someone replaced it (say, an operator cleared it and another process took it): release leaves theirs.
    rmSync(join(dir, 'lock'));
    writeFileSync(join(dir, 'lock'), staleLock(process.pid));
    release();
    assert.deepEqual(readdirSync(dir), ['lock']);
  });

  it('takes over a takeover claim whose process died', () => {
    const dir = freshDir();
    const stale = staleLock(deadPid());
    writeFileSync(join(dir, 'lock'), stale);
    // A taker that died right after claiming this stale lock.
    const claim = join(dir, `lock.takeover-${createHash('sha256').update(stale).digest('hex').slice(0, 16)}`);
    writeFileSync(claim, staleLock(deadPid()));
    const release = acquireDirLock(dir);
    assert.deepEqual(readdirSync(dir), ['lock']);
    release();
  });
});

describe('withFileLock', () => {
  it('runs callers one at a time and takes over a stale lock', async () => {
    const dir = freshDir();
    const path = join(dir, 'x.lock');
    writeFileSync(path, staleLock(deadPid()));
    let inside = 0;
    let most = 0;
    await Promise.all(
      [1, 2, 3].map(() =>
        withFileLock(path, async () => {
          most = Math.max(most, ++inside);
          await new Promise((r) => setTimeout(r, 20));
          inside--;
        }, { pollMs: 5 }),
      ),
    );
    assert.equal(most, 1);
    assert.deepEqual(readdirSync(dir), []);
  });

  it('refuses a damaged lock file instead of waiting on it forever', async () => {
    const dir = freshDir();
    const path = join(dir, 'x.lock');
    writeFileSync(path, 'garbage');
    const old = new Date(Date.now() - 60_000);
    utimesSync(path, old, old);
    await assert.rejects(withFileLock(path, async () => 1, { pollMs: 5 }), (e) => isGoldsmithError(e) && e.code === 'LOCK_FILE_CORRUPT' && e.message.includes(`rm ${path}`));
  });
});
