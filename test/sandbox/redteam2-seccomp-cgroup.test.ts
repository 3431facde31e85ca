/**
 * Second red team (issue 10): the seccomp filter and the per-sandbox cgroup. Each test is a step a
 * hostile template could run.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unpackRootfs } from '../../src/image/index.js';
import { DEFAULT_LIMITS, mountScratchQuota, runInImage, runSandboxed, unmountScratchQuota, type ImageRunOptions } from '../../src/sandbox/index.js';
import { cgroupSupport } from '../../src/sandbox/cgroup.js';
import { cachedMinbase } from '../support/base-image.js';

const work = mkdtempSync(join(tmpdir(), 'gs-redteam2-'));
const scratch = join(work, 'scratch');
const root = join(scratch, 'rootfs');
let quota = false;

before(async () => {
  mkdirSync(scratch, { mode: 0o700 });
  // The runner's layout: the run's scratch is a tmpfs of the scratch quota, the rootfs inside it.
  quota = await mountScratchQuota(scratch, 512 * 2 ** 20);
  await unpackRootfs(await cachedMinbase(), root);
});
after(async () => {
  await unmountScratchQuota(scratch).catch(() => {});
  rmSync(work, { recursive: true, force: true });
});

const run = (script: string, o: ImageRunOptions = {}) => runInImage(root, `set +e\n${script}`, { network: false, ...o });

describe('red team 2: seccomp', () => {
  test('io_uring is denied (its workers run file operations outside the filter), and quotactl_fd like quotactl', async () => {
    const r = await run(`perl -e 'syscall(425, 8, 0) == -1 and print "io_uring_setup: $!\\n"'
perl -e 'syscall(443, 0, 0, 0, 0) == -1 and print "quotactl_fd: $!\\n"'`);
    assert.match(r.output, /io_uring_setup: Operation not permitted/, r.output);
    // quotactl is denied; its descriptor-based twin was not.
    assert.match(r.output, /quotactl_fd: Operation not permitted/, r.output);
  });

  test('clone3 says ENOSYS (libc falls back to clone, whose flags the filter sees); x32 numbers are denied', async () => {
    const r = await run(`perl -e 'syscall(435, 0, 0) == -1 and print "clone3: $!\\n"'
perl -e 'syscall(0x40000000 + 272, 0) == -1 and print "x32 unshare: $!\\n"'
unshare -n true 2>/dev/null || echo "unshare-net refused"`);
    assert.match(r.output, /clone3: Function not implemented/, r.output);
    assert.match(r.output, /x32 unshare: Operation not permitted/, r.output);
    assert.match(r.output, /unshare-net refused/, r.output);
  });
});

describe('red team 2: scratch quota and the sandbox cgroup', () => {
  const cg = cgroupSupport();
  /** This process's sandbox cgroups still on the host (v1 memory hierarchy). */
  const ourCgroups = () => {
    const mem = /^\d+:memory:(.*)$/m.exec(readFileSync('/proc/self/cgroup', 'utf8'))?.[1];
    const dir = mem === undefined ? undefined : join('/sys/fs/cgroup/memory', mem);
    return dir && existsSync(dir) ? readdirSync(dir).filter((n) => n.startsWith(`goldsmith-sandbox-${process.pid}-`)) : [];
  };

  test('a sandbox that cannot even be spawned (a NUL in its arguments) leaves no cgroup behind', { skip: cg.ok ? false : `no cgroup here: ${cg.why}` }, async () => {
    const before = ourCgroups().length;
    await assert.rejects(run('echo a\0b'));
    assert.equal(ourCgroups().length, before);
  });
  // Open finding: the scratch quota is a tmpfs, so what a step writes into its image is RAM
  // (shmem) charged to the writer's memory cgroup, and it stays in RAM after the step ends. A step
  // that legitimately writes more into the image than its memory limit is OOM-killed, and a
  // template's steps together pin up to the whole quota (16 GiB by default) of the host's RAM.
  test('a sandbox whose start hook throws is killed and its cgroup removed', { skip: cg.ok ? false : `no cgroup here: ${cg.why}` }, async () => {
    const before = ourCgroups().length;
    let pid = 0;
    await assert.rejects(
      runSandboxed(
        { root, argv: ['/bin/sh', '-c', 'echo STEP-RAN'], env: {}, mounts: [], network: { kind: 'none' }, limits: DEFAULT_LIMITS, hostname: 'x' },
        {
          onStarted: (p) => {
            pid = p;
            throw new Error('forwarder failed');
          },
        },
      ),
      /forwarder failed/,
    );
    const gone = () => {
      try {
        process.kill(pid, 0);
        return false;
      } catch {
        return true;
      }
    };
    for (let i = 0; i < 100 && (ourCgroups().length > before || !gone()); i++) await new Promise((r) => setTimeout(r, 30));
    assert.ok(gone(), 'the sandbox process is still alive');
    assert.equal(ourCgroups().length, before);
  });

  // Scratch is RAM (a tmpfs): what a step writes into its image is memory, and counts against the
  // step's sandbox while it runs. That is the bound that keeps a template from filling host RAM one
  // step at a time faster than the quota (at most half of RAM by default) would stop it.
  test('image content written by a step counts as the step\'s memory: past its limit it is killed, reported as memory', { skip: cg.ok ? false : `no cgroup here: ${cg.why}` }, async (t) => {
    if (!quota) return t.skip('the scratch quota needs root');
    const r = await run('dd if=/dev/zero of=/var/tmp/payload bs=1M count=96 2>/dev/null && sync && echo WROTE', { limits: { memoryBytes: 64 * 2 ** 20 } });
    assert.doesNotMatch(r.output, /WROTE/, r.output);
    assert.equal(r.killed, 'memory');
  });
});
