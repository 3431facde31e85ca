import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, lchownSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createApp } from '../../src/app/index.js';
import { ensureScratchRoot, secureDataDir, tightenTree } from '../../src/config/index.js';
import { isGoldsmithError } from '../../src/errors/index.js';
import { packRootfs, unpackRootfs } from '../../src/image/index.js';
import { BuildService } from '../../src/pipeline/build-service.js';
import { runInRoot } from '../../src/sandbox/index.js';
import type { StepDefinition } from '../../src/pipeline/step.js';
import { PGliteStore } from '../../src/store/index.js';
import type { LoadedTemplate, Template } from '../../src/template/types.js';
import { cachedMinbase } from '../support/base-image.js';
import { cliFor } from '../support/cli.js';
import { migratedTemplate } from '../support/stores.js';

// The point of these tests: Goldsmith's files are private even when the process umask is not.
process.umask(0o022);

const root = mkdtempSync(join(tmpdir(), 'gs-private-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const fresh = (name: string) => join(root, `${n++}-${name}`);

/** Files and directories under `dir` that a group or other user could read, write or enter; image roots are not looked into. */
function openToOthers(dir: string): string[] {
  const out: string[] = [];
  const walk = (p: string) => {
    const st = lstatSync(p);
    if (st.isSymbolicLink() || p.endsWith('/rootfs')) return; // an image root's modes are its content
    if (st.mode & 0o077) out.push(`${(st.mode & 0o7777).toString(8)} ${p}`);
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e));
  };
  walk(dir);
  return out;
}

const mode = (p: string) => statSync(p).mode & 0o7777;
const count = (dir: string): number => readdirSync(dir, { recursive: true }).length;

/** Modes seen from inside the step, before the run ends (a finished run's scratch is removed). */
const seen: Record<string, number> = {};

/** A step that builds a tiny image tree with ordinary modes, checkpoints it, records what it sees, then fails. */
const imageStep: StepDefinition = {
  name: 'make-image',
  description: 'write a small image tree, checkpoint it, fail',
  rootfs: 'creates',
  async run(ctx) {
    mkdirSync(join(ctx.rootfs, 'etc'), { recursive: true, mode: 0o755 });
    mkdirSync(join(ctx.rootfs, 'tmp'));
    chmodSync(ctx.rootfs, 0o755);
    chmodSync(join(ctx.rootfs, 'etc'), 0o755);
    chmodSync(join(ctx.rootfs, 'tmp'), 0o1777);
    writeFileSync(join(ctx.rootfs, 'etc/hosts'), '127.0.0.1 localhost\n');
    chmodSync(join(ctx.rootfs, 'etc/hosts'), 0o644);
    writeFileSync(join(ctx.rootfs, 'etc/secret.pem'), '-----BEGIN PRIVATE KEY-----\n');
    await ctx.services.artifacts.putWith(ctx.services.buildRegion, (tmp) => packRootfs(ctx.rootfs, tmp, { sourceDateEpoch: 1_700_000_000 }));
    for (const p of ['', 'etc/hosts', 'tmp']) seen[p] = mode(join(ctx.rootfs, p));
    seen['..'] = mode(dirname(ctx.rootfs));
    throw new Error('rejected: a private key in the image');
  },
};

describe('private files', () => {
  it('the store, artifacts and checkpoints, a run, its scratch and the keys are private under umask 022; image modes are kept', async () => {
    const home = fresh('home');
    const store = await PGliteStore.open(join(home, 'db'), { loadDataDir: await migratedTemplate() });
    try {
      // No scratch quota: the failed run's scratch stays for the checks below, and a tmpfs on it would outlive the test.
      const app = createApp({ home, scratch: join(home, 'scratch'), scratchQuota: 'off' }, store);
      const src = join(root, `${n++}-src`);
      writeFileSync(src, 'bytes');
      await app.artifacts.putFile('local', src);
      await app.artifacts.putBytes('eu', 'log line');
      await app.artifacts.putWith('local', (tmp) => writeFile(tmp, 'written by a tool with its own modes'));
      await app.keyring.active();
      const dir = join(root, `${n++}-template`);
      mkdirSync(dir);
      const loaded: LoadedTemplate = { template: { name: 'private', source: { publisher: 'None', offer: 'none', sku: 'none', version: 'latest' } } as Template, digest: `sha256:${'0'.repeat(64)}`, baseDir: dir, file: join(dir, 't.yaml'), format: 'goldsmith' };
      const run = await new BuildService(app.pipeline, home, [imageStep]).startLoaded(loaded);
      assert.equal(run.state, 'failed');
      // The image tree keeps its own modes; the run directory around it is private (the sandbox's
      // group may have been given search permission on it, nothing more).
      assert.equal(seen[''], 0o755);
      assert.equal(seen['etc/hosts'], 0o644);
      assert.equal(seen['tmp'], 0o1777);
      assert.equal(seen['..']! & ~0o010, 0o700);
    } finally {
      await store.close();
    }
    assert.ok(count(join(home, 'db/pgdata')) > 500, 'the database files are there to check');
    assert.ok(count(join(home, 'artifacts')) >= 6 && count(join(home, 'keys')) >= 3 && count(join(home, 'runs')) >= 1);
    assert.deepEqual(openToOthers(home), []);
    assert.equal(mode(home), 0o700);
  });

  it('a data directory left open by an older version is tightened, and image roots in it are not', () => {
    const home = fresh('old-home');
    const file = (p: string, m: number) => {
      mkdirSync(dirname(join(home, p)), { recursive: true });
      writeFileSync(join(home, p), p);
      chmodSync(join(home, p), m);
    };
    file('db/pgdata/global/pg_control', 0o666);
    file('artifacts/local/sha256/ab/abcd', 0o644);
    file('keys/k.pub', 0o644);
    file('runs/run-1/lock', 0o644);
    file('scratch/run-1/rootfs.state.json', 0o644);
    file('scratch/run-1/rootfs/etc/passwd', 0o644);
    file('tmp/goldsmith-base-1/rootfs/usr/bin/tool', 0o755);
    const outside = join(root, `${n++}-outside`);
    writeFileSync(outside, 'not ours');
    chmodSync(outside, 0o644);
    symlinkSync(outside, join(home, 'artifacts/link'));
    file('intruder/planted', 0o666);
    chownSync(join(home, 'intruder'), 65534, 65534);
    execFileSync('chmod', ['-R', 'go+rwx', ...['db', 'artifacts', 'keys', 'runs', 'scratch', 'tmp'].map((d) => join(home, d))]);
    execFileSync('chmod', ['0755', home]);
    chmodSync(join(home, 'scratch/run-1/rootfs/etc/passwd'), 0o644);
    chmodSync(join(home, 'tmp/goldsmith-base-1/rootfs/usr/bin/tool'), 0o755);

    const r = secureDataDir(home);
    assert.ok(r.fixed.includes(home) && r.fixed.includes(join(home, 'db/pgdata/global/pg_control')) && r.fixed.includes(join(home, 'keys/k.pub')));
    assert.deepEqual(r.foreign, [join(home, 'intruder')]);
    // Everything of ours is private; image trees keep their modes; a link is not followed out.
    const left = openToOthers(home).filter((l) => !l.includes('/rootfs/') && !l.includes('/tmp/goldsmith-base-1/') && !l.includes('/intruder'));
    assert.deepEqual(left, []);
    assert.equal(mode(join(home, 'scratch/run-1/rootfs/etc/passwd')), 0o644);
    assert.equal(mode(join(home, 'scratch/run-1/rootfs')), 0o777, 'the image root\'s own mode is image content');
    assert.equal(mode(join(home, 'tmp/goldsmith-base-1/rootfs')), 0o777);
    assert.equal(mode(join(home, 'tmp/goldsmith-base-1')), 0o700, 'the work directory around it is ours');
    assert.equal(mode(join(home, 'tmp/goldsmith-base-1/rootfs/usr/bin/tool')), 0o755);
    assert.equal(mode(outside), 0o644);
    assert.equal(mode(join(home, 'intruder/planted')), 0o666, 'another user\'s directory is reported, not entered');
    assert.deepEqual(secureDataDir(home).fixed, [], 'nothing to do the second time');
  });

  it('keeps the search bit the sandbox\'s group was given on a directory, and nothing else', () => {
    const dir = fresh('granted');
    mkdirSync(join(dir, 'run'), { recursive: true });
    writeFileSync(join(dir, 'run/file'), 'x');
    chownSync(join(dir, 'run'), -1, 4242);
    chownSync(join(dir, 'run/file'), -1, 4242);
    chmodSync(join(dir, 'run'), 0o750);
    chmodSync(join(dir, 'run/file'), 0o650);
    chmodSync(dir, 0o710); // search for its own group, which is not the sandbox's
    tightenTree(dir, { sandboxGid: 4242 });
    assert.equal(mode(join(dir, 'run')), 0o710);
    assert.equal(mode(join(dir, 'run/file')), 0o600);
    assert.equal(mode(dir), 0o700);
  });

  it('refuses a scratch root another user owns or linked, and makes its own private', async () => {
    const theirs = fresh('scratch-theirs');
    mkdirSync(theirs, { mode: 0o777 });
    chownSync(theirs, 65534, 65534);
    await assert.rejects(ensureScratchRoot(theirs), (e) => isGoldsmithError(e) && e.code === 'SCRATCH_UNSAFE' && /belongs to user id 65534/.test(e.message));
    const target = fresh('etc-like');
    mkdirSync(target, { mode: 0o755 });
    const link = fresh('scratch-link');
    symlinkSync(target, link);
    lchownSync(link, 65534, 65534);
    await assert.rejects(ensureScratchRoot(link), (e) => isGoldsmithError(e) && e.code === 'SCRATCH_UNSAFE' && /link made by user id 65534/.test(e.message));
    assert.equal(mode(target), 0o755, 'the link target is left alone');
    const mine = fresh('scratch-mine');
    mkdirSync(mine, { mode: 0o755 });
    await ensureScratchRoot(mine);
    assert.equal(mode(mine), 0o700);
    const shared = fresh('scratch-shared');
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    await ensureScratchRoot(shared);
    assert.equal(mode(shared), 0o1777, 'a shared sticky directory is used as it is');
  });

  it('steps run in the image with umask 022, whatever Goldsmith\'s own umask', async () => {
    const r = fresh('rootfs');
    await unpackRootfs(await cachedMinbase(), r);
    const old = process.umask(0o077);
    try {
      const res = await runInRoot(r, 'umask; : > /root/new-file; mkdir /root/new-dir', { network: false });
      assert.equal(res.exitCode, 0, res.output);
      assert.equal(res.output.trim(), '0022');
    } finally {
      process.umask(old);
    }
    assert.equal(mode(join(r, 'root/new-file')), 0o644);
    assert.equal(mode(join(r, 'root/new-dir')), 0o755);
  });

  it('the CLI makes an older data directory private, says so, and keeps new files private', async () => {
    const home = fresh('cli-home');
    const s = await PGliteStore.open(join(home, 'db'), { loadDataDir: await migratedTemplate() });
    await s.close();
    // A failed run's working rootfs in scratch, with the image's own modes.
    mkdirSync(join(home, 'scratch/run-old/rootfs/etc'), { recursive: true });
    writeFileSync(join(home, 'scratch/run-old/rootfs/etc/hosts'), '127.0.0.1 localhost\n');
    // As an older version left it: database files 0666, directories 0755.
    execFileSync('chmod', ['-R', 'a+rwX', home]);
    chmodSync(join(home, 'scratch/run-old/rootfs/etc/hosts'), 0o644);
    assert.ok(openToOthers(home).length > 500);
    const cli = cliFor(home, { GOLDSMITH_SCRATCH: join(home, 'scratch') });
    const listed = cli('gallery', 'list', '--json');
    assert.equal(listed.code, 0, listed.stderr);
    assert.match(listed.stderr, new RegExp(`note: \\d+ files and directories in ${home} were open to other users; made them private`));
    const key = cli('keys', 'export', '--json');
    assert.equal(key.code, 0, key.stderr);
    assert.doesNotMatch(key.stderr, /note:/);
    assert.ok(count(join(home, 'keys')) >= 3);
    assert.deepEqual(openToOthers(home), []);
    assert.equal(mode(join(home, 'scratch/run-old/rootfs')), 0o777, 'an image root is left as it is');
    assert.equal(mode(join(home, 'scratch/run-old/rootfs/etc/hosts')), 0o644);
  });
});
