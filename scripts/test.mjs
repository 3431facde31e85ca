// Runs every compiled test file under dist/test with node's built-in runner.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startThrowawayPostgres } from './pg-cluster.mjs';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

/** The PostgreSQL the tests use: GOLDSMITH_TEST_DATABASE_URL when given, else one started for this run. */
function database() {
  if (process.env.GOLDSMITH_TEST_DATABASE_URL) return { url: process.env.GOLDSMITH_TEST_DATABASE_URL, stop: () => {} };
  const pg = startThrowawayPostgres();
  console.error(`test: throwaway PostgreSQL in ${pg.dir} (unix socket only), started in ${pg.startMs} ms`);
  return pg;
}

/**
 * The external conformance data (test/support/conformance.ts): GOLDSMITH_CONFORMANCE_DIR, or
 * ../shared beside the checkout. Its OSV schema is what the importer validates against in tests.
 */
function conformanceEnv() {
  const dir = resolve(process.env.GOLDSMITH_CONFORMANCE_DIR || fileURLToPath(new URL('../../shared', import.meta.url)));
  if (!existsSync(dir)) return { dir, env: {} };
  const osv = join(dir, 'schemas/osv.schema.json');
  return { dir, found: true, env: { GOLDSMITH_CONFORMANCE_DIR: dir, ...(existsSync(osv) && !process.env.GOLDSMITH_OSV_SCHEMA ? { GOLDSMITH_OSV_SCHEMA: osv } : {}) } };
}

const filter = process.argv.slice(2);
const files = walk('dist/test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
// Every temporary directory the tests make (data directories with built images: hundreds of MB
// each) goes under one per-run directory, removed when the run ends, whatever the tests forgot.
const tmp = mkdtempSync(join(tmpdir(), 'goldsmith-test-'));
const conformance = conformanceEnv();
let db;
let status = 1;
try {
  db = database();
  const child = spawn(
    process.execPath,
    ['--enable-source-maps', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 3}`, ...files],
    { stdio: 'inherit', env: { ...process.env, ...conformance.env, TMPDIR: tmp, GOLDSMITH_TEST_DATABASE_URL: db.url } },
  );
  // A Ctrl-C reaches the test runner from the terminal; a signal sent to this process alone is
  // passed on. Either way this process lives on until the runner has exited, to clean up after it.
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, () => child.kill(sig));
  status = await new Promise((resolve) => {
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + 2 : 1)));
    child.on('error', (e) => {
      console.error(`test: cannot start the test runner: ${e.message}`);
      resolve(1);
    });
  });
} catch (e) {
  console.error(`test: ${e.message}`);
} finally {
  db?.stop();
  try {
    rmSync(tmp, { recursive: true, force: true });
  } catch (e) {
    console.error(`test: could not remove ${tmp}: ${e.message}`);
  }
}
if (!conformance.found) {
  console.error(`test: external conformance suite SKIPPED: no data at ${conformance.dir} (put it at ../shared or set GOLDSMITH_CONFORMANCE_DIR)`);
}
process.exit(status);
