// Runs every compiled test file under dist/test with node's built-in runner.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}
const filter = process.argv.slice(2);
const files = walk('dist/test').filter((f) => filter.length === 0 || filter.some((x) => f.includes(x))).sort();
// Every temporary directory the tests make (data directories with built images: hundreds of MB
// each) goes under one per-run directory, removed when the run ends, whatever the tests forgot.
const tmp = mkdtempSync(join(tmpdir(), 'goldsmith-test-'));
const r = spawnSync(
  process.execPath,
  ['--enable-source-maps', '--test', `--test-concurrency=${process.env.TEST_CONCURRENCY ?? 3}`, ...files],
  { stdio: 'inherit', env: { ...process.env, TMPDIR: tmp } },
);
try {
  rmSync(tmp, { recursive: true, force: true });
} catch (e) {
  console.error(`test: could not remove ${tmp}: ${e.message}`);
}
process.exit(r.status ?? 1);
