// A throwaway PostgreSQL cluster for one test (or bench) run: Debian's server binaries, initdb into
// a temporary directory, listening only on a unix socket in that directory (nothing on the
// network, no clash with a PostgreSQL service on the machine), durability off (the data dies with
// the run). Its URL goes to the tests as GOLDSMITH_TEST_DATABASE_URL; stop() removes everything.
import { spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const PG_ROOT = '/usr/lib/postgresql';

/** The newest installed server's bin directory (Debian keeps each major version apart, off PATH). */
function serverBinDir() {
  const versions = existsSync(PG_ROOT) ? readdirSync(PG_ROOT).filter((v) => existsSync(join(PG_ROOT, v, 'bin/initdb'))) : [];
  const newest = versions.sort((a, b) => Number(b) - Number(a))[0];
  if (!newest) {
    throw new Error(`no PostgreSQL server under ${PG_ROOT}: run scripts/setup.sh (it installs Debian's postgresql), or set GOLDSMITH_TEST_DATABASE_URL`);
  }
  return join(PG_ROOT, newest, 'bin');
}

function idOf(flag, user) {
  const r = spawnSync('id', [flag, user], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`no '${user}' user to run PostgreSQL as (the postgresql package creates it): ${r.stderr.trim()}`);
  return Number(r.stdout.trim());
}

/** initdb and postgres refuse to run as root: as root, run them as the package's `postgres` user. */
function serverIdentity() {
  if (process.getuid() !== 0) return {};
  return { uid: idOf('-u', 'postgres'), gid: idOf('-g', 'postgres') };
}

function run(bin, args, as, what) {
  const r = spawnSync(bin, args, { ...as, encoding: 'utf8', env: { PATH: '/usr/bin:/bin', LC_ALL: 'C.UTF-8', HOME: '/' } });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status ?? r.signal}): ${(r.error?.message ?? r.stderr ?? '').trim().slice(-2000)}`);
}

/** The settings that make it private and fast: no TCP, socket in its own directory, no fsync. */
function settings(dir) {
  return [
    `listen_addresses = ''`,
    `unix_socket_directories = '${dir}'`,
    'max_connections = 200',
    'fsync = off',
    'synchronous_commit = off',
    'full_page_writes = off',
    '',
  ].join('\n');
}

/**
 * Start one. Returns its URL and a stop() that is safe to call more than once. The server runs in
 * its own session (setsid), so a Ctrl-C in the terminal reaches the tests, not the database, and
 * the runner stops it in order.
 */
export function startThrowawayPostgres() {
  const t0 = performance.now();
  const bin = serverBinDir();
  const as = serverIdentity();
  const dir = mkdtempSync(join(tmpdir(), 'goldsmith-pg-'));
  const data = join(dir, 'data');
  let started = false;
  const stop = () => {
    if (started) {
      started = false;
      try {
        run(join(bin, 'pg_ctl'), ['stop', '-D', data, '-m', 'immediate', '-w', '-t', '30'], as, 'pg_ctl stop');
      } catch (e) {
        killPostmaster(data, e);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    if (as.uid !== undefined) chownSync(dir, as.uid, as.gid);
    run(join(bin, 'initdb'), ['-D', data, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync', '--no-instructions'], as, 'initdb');
    appendFileSync(join(data, 'postgresql.conf'), settings(dir));
    started = true;
    run('setsid', [join(bin, 'pg_ctl'), 'start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '60', '-s'], as, `pg_ctl start (log: ${join(dir, 'server.log')})`);
  } catch (e) {
    const log = join(dir, 'server.log');
    const tail = existsSync(log) ? `\n${readFileSync(log, 'utf8').slice(-1500)}` : '';
    stop();
    throw new Error(`${e.message}${tail}`);
  }
  const url = `postgresql://postgres@/postgres?host=${encodeURIComponent(dir)}`;
  return { url, dir, startMs: Math.round(performance.now() - t0), stop };
}

/** Last resort when pg_ctl cannot stop it: the postmaster's pid is the first line of postmaster.pid. */
function killPostmaster(data, why) {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 1) process.kill(pid, 'SIGKILL');
  } catch {
    // No pid file: it never started or is already gone.
  }
  console.error(`test: pg_ctl stop failed (${why.message}); killed the server`);
}
