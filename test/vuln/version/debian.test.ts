import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { compareDebian, debianVersionProblem, parseDebianVersion } from '../../../src/vuln/version/index.js';
import { InputError } from '../../../src/errors/index.js';
import { genDebianPairs } from './gen-debian.js';

const hasDpkg = spawnSync('dpkg', ['--version']).status === 0;

/** Ask the real dpkg for the order of many pairs: one shell loop per chunk, two chunks in parallel. */
async function dpkgOrder(pairs: Array<[string, string]>): Promise<number[]> {
  const script =
    'while read -r a b; do if dpkg --compare-versions "$a" lt "$b"; then echo -1; ' +
    'elif dpkg --compare-versions "$a" eq "$b"; then echo 0; else echo 1; fi; done';
  const run = (chunk: Array<[string, string]>) =>
    new Promise<number[]>((resolve, reject) => {
      const p = spawn('sh', ['-c', script], { stdio: ['pipe', 'pipe', 'inherit'] });
      let out = '';
      p.stdout.on('data', (d) => (out += d));
      p.on('error', reject);
      p.on('close', (code) => (code === 0 ? resolve(out.trim().split('\n').map(Number)) : reject(new Error(`sh exited ${code}`))));
      p.stdin.end(chunk.map(([a, b]) => `${a} ${b}\n`).join(''));
    });
  const half = Math.ceil(pairs.length / 2);
  const [x, y] = await Promise.all([run(pairs.slice(0, half)), run(pairs.slice(half))]);
  return [...x, ...y];
}

test('compareDebian agrees with dpkg --compare-versions on 3000 generated pairs', { skip: !hasDpkg && 'dpkg not installed' }, async () => {
  const seed = Number(process.env.GOLDSMITH_VERSION_SEED ?? 20240501);
  const pairs = genDebianPairs(seed, 3200).filter(([a, b]) => !debianVersionProblem(a) && !debianVersionProblem(b));
  assert.ok(pairs.length >= 3000, `generator produced only ${pairs.length} valid pairs`);
  const want = await dpkgOrder(pairs);
  assert.equal(want.length, pairs.length);
  const wrong = pairs.map((p, k) => ({ p, got: compareDebian(p[0], p[1]), want: want[k] })).filter((x) => x.got !== x.want);
  assert.deepEqual(wrong.slice(0, 10), [], `seed ${seed}: ${wrong.length} disagreements with dpkg`);
  // The generator must exercise all three outcomes, or the test proves little.
  for (const o of [-1, 0, 1]) assert.ok(want.filter((w) => w === o).length > 200, `too few pairs with outcome ${o}`);
});

test('compareDebian: documented orderings', () => {
  const lt: Array<[string, string]> = [
    ['2.36-9+deb12u4', '2.36-9+deb12u6'],
    ['1:9.2p1-2+deb12u2', '1:9.2p1-2+deb12u3'],
    ['1.0~rc1', '1.0'],
    ['1.0~~', '1.0~'],
    ['1.0~', '1.0'],
    ['1.0', '1.0a'],
    ['1.0a', '1.0+'],
    ['1.0+', '1.0.'],
    ['9.2p1', '1:1.0'],
    ['1.9', '1.10'],
    ['1.2-3', '1.2-3.1'],
    ['1.2-3-1', '1.2.3-1'], // upstreams "1.2-3" and "1.2.3": non-letters order by ASCII, '-' < '.'
  ];
  for (const [a, b] of lt) {
    assert.equal(compareDebian(a, b), -1, `${a} < ${b}`);
    assert.equal(compareDebian(b, a), 1, `${b} > ${a}`);
  }
  for (const [a, b] of [['1.0', '1.0-0'], ['0:1.0', '1.0'], ['1.01', '1.1'], ['1.0-00', '1.0']] as const) {
    assert.equal(compareDebian(a, b), 0, `${a} = ${b}`);
  }
});

test('Debian version syntax errors are InputErrors naming the version and the problem', () => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['1.0-', /revision number is empty/],
    ['a:1.0', /epoch in version is not number/],
    [':1.0', /epoch in version is empty/],
    ['1:', /nothing after colon/],
    ['1 .0', /embedded spaces/],
    ['abc', /does not start with digit/],
    ['1.0_1', /invalid character in version/],
    ['1.0-1_2', /invalid character in revision/],
    ['99999999999:1', /too big/],
  ];
  for (const [v, re] of bad) {
    assert.throws(
      () => parseDebianVersion(v, '/affected/0/ranges/0'),
      (e: unknown) => e instanceof InputError && e.code === 'VULN_VERSION_INVALID' && re.test(e.message) && e.where === '/affected/0/ranges/0',
      v,
    );
  }
  assert.deepEqual(parseDebianVersion(' 1:2.36-9+deb12u4 '), { epoch: 1, upstream: '2.36', revision: '9+deb12u4' });
  assert.deepEqual(parseDebianVersion('1.2-3-4'), { epoch: 0, upstream: '1.2-3', revision: '4' });
});

test('dpkg itself rejects what the validator rejects as errors', { skip: !hasDpkg && 'dpkg not installed' }, () => {
  for (const v of ['1.0-', 'a:1.0', '1:', '1 .0']) {
    const r = spawnSync('dpkg', ['--compare-versions', v, 'lt', '1']);
    assert.equal(r.status, 2, `dpkg should fail on '${v}'`);
    assert.ok(debianVersionProblem(v));
  }
});
