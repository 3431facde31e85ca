/**
 * Escape attempts: each is a step a hostile template could run. Every one must fail inside the
 * sandbox and leave the host as it was (canaries unchanged, processes alive, nothing left running).
 */
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { lstatSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { unpackRootfs } from '../../src/image/index.js';
import { PROXY_PORT, mountScratchQuota, runInImage, sandboxRootIds, unmountScratchQuota, type ImageRunOptions } from '../../src/sandbox/index.js';
import { cachedMinbase } from '../support/base-image.js';

const work = mkdtempSync(join(tmpdir(), 'gs-escape-'));
const root = join(work, 'rootfs');
const canary = join(work, 'canary');
const secret = join(work, 'signing-key.pem');
const CANARY = 'host canary, untouched\n';
const SECRET = 'GOLDSMITH-TEST-PRIVATE-KEY-MARKER';

before(async () => {
  await unpackRootfs(await cachedMinbase(), root);
  writeFileSync(canary, CANARY, { mode: 0o644 });
  writeFileSync(secret, SECRET, { mode: 0o600 });
});
after(() => rmSync(work, { recursive: true, force: true }));

// set +e: each attempt carries on past its own failures, so that every one is tried.
const run = (script: string, o: ImageRunOptions = {}) => runInImage(root, `set +e\n${script}`, { network: false, ...o });

function assertCanaryIntact(): void {
  assert.equal(readFileSync(canary, 'utf8'), CANARY);
  assert.equal(statSync(canary).mode & 0o7777, 0o644);
}

/** Marks this run's sleeps, so another test run on the same machine is never mistaken for ours. */
const TAG = String(process.pid);

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function hostProcesses(marker: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', marker], { encoding: 'utf8' }).trim().split('\n').filter(Boolean);
  } catch {
    return [];
  }
}

describe('sandbox escape attempts', () => {
  test('root inside is an unprivileged id outside: what it creates belongs to the subordinate range', async () => {
    const r = await run('id -u; touch /created-inside; ls /sys | wc -l');
    assert.equal(r.exitCode, 0, r.output);
    assert.match(r.output, /^0$/m);
    assert.equal(lstatSync(join(root, 'created-inside')).uid, sandboxRootIds().uid);
  });

  test('writing a host file through /proc/1/root, /proc/self/root/.. or its host path changes nothing', async () => {
    for (const p of [`/proc/1/root${canary}`, `/proc/self/root/..${canary}`, `/proc/self/root/../../..${canary}`, canary]) {
      await run(`echo pwned > ${p} || true; chmod 777 ${p} 2>/dev/null || true`);
      assertCanaryIntact();
    }
  });

  test('a bind mount of / or a new mount does not reach the host', async () => {
    const r = await run(`mkdir -p /mnt/x; mount --bind / /mnt/x 2>&1; mount -t tmpfs t /mnt/x 2>&1; echo pwned > /mnt/x${canary} 2>&1; ls /mnt/x${work} 2>&1; true`);
    assert.equal(r.exitCode, 0);
    assertCanaryIntact();
    assert.doesNotMatch(r.output, /signing-key\.pem/);
  });

  test('mknod of the host disk is refused', async () => {
    const dev = statSync('/').dev;
    const [major, minor] = [Math.floor(dev / 256) & 0xfff, (dev & 0xff) | ((dev >> 12) & 0xfff00)];
    const r = await run(`mknod /tmp/disk b ${major} ${minor} && head -c 512 /tmp/disk | od -c | head -2`);
    assert.notEqual(r.exitCode, 0);
    assert.match(r.output, /Operation not permitted/);
  });

  test('host secrets are out of sight: /etc/shadow and the signing key', async () => {
    const hostShadow = readFileSync('/etc/shadow', 'utf8').split('\n').find((l) => l.startsWith('root:')) ?? '';
    const r = await run(`cat /proc/1/root/etc/shadow /etc/shadow 2>&1; cat ${secret} /proc/1/root${secret} 2>&1; find / -xdev -name 'signing-key.pem' 2>/dev/null; true`);
    assert.ok(!hostShadow || !r.output.includes(hostShadow), 'the host shadow line must not appear');
    assert.ok(!r.output.includes(SECRET), 'the key must not appear');
  });

  test('no route to the host: 127.0.0.1:5432 is refused, and the mirror proxy refuses it too', async () => {
    const r = await run(
      `bash -c 'exec 3<>/dev/tcp/127.0.0.1/5432 && echo CONNECTED' 2>&1 || true
bash -c 'exec 3<>/dev/tcp/127.0.0.1/${PROXY_PORT}; printf "CONNECT 127.0.0.1:5432 HTTP/1.1\\r\\nHost: x\\r\\n\\r\\n" >&3; head -1 <&3' 2>&1
bash -c 'exec 3<>/dev/tcp/127.0.0.1/${PROXY_PORT}; printf "GET http://127.0.0.1:5432/ HTTP/1.1\\r\\nHost: 127.0.0.1\\r\\n\\r\\n" >&3; head -1 <&3' 2>&1`,
      { network: true },
    );
    assert.doesNotMatch(r.output, /CONNECTED/);
    assert.match(r.output, /Connection refused/);
    assert.equal((r.output.match(/HTTP\/1\.1 403/g) ?? []).length, 2, r.output);
  });

  test('a host process cannot be signalled', async () => {
    const victim = spawn('sleep', ['300'], { stdio: 'ignore' });
    try {
      const r = await run(`kill -9 ${victim.pid} 2>&1; kill -9 -1 2>&1; true`);
      assert.match(r.output, /No such process/);
      await new Promise((res) => setTimeout(res, 100));
      assert.ok(alive(victim.pid!));
    } finally {
      victim.kill('SIGKILL');
    }
  });

  test('a kernel module cannot be loaded', async () => {
    // finit_module(2) with an empty file: EPERM without CAP_SYS_MODULE in the host's namespace
    // (ENOSYS on a kernel built without modules, like some CI hosts': refused either way).
    const r = await run(`: > /tmp/m.ko; perl -e 'open(my $f, "<", "/tmp/m.ko") or die; my $p = ""; syscall(313, fileno($f), $p, 0) == -1 and print "finit_module: $!\\n"'`);
    assert.match(r.output, /finit_module: (Operation not permitted|Function not implemented)/);
  });

  test('scratch and files are bounded: /tmp quota and the largest file', async () => {
    const r = await run('dd if=/dev/zero of=/tmp/fill bs=1M count=64 2>&1; dd if=/dev/zero of=/root/big bs=1M count=64 2>&1; true', {
      limits: { tmpBytes: 16 * 2 ** 20, fileBytes: 32 * 2 ** 20 },
    });
    assert.match(r.output, /No space left on device/);
    assert.match(r.output, /File too large|exceeded/i);
    assert.ok(statSync(join(root, 'root/big')).size <= 32 * 2 ** 20);
    rmSync(join(root, 'root/big'), { force: true });
  });

  test('printing 1 GB is cut off at the output cap', async () => {
    const t0 = Date.now();
    const r = await run('head -c 1073741824 /dev/zero | tr "\\0" x', { limits: { outputBytes: 4 * 2 ** 20 } });
    assert.equal(r.killed, 'output-limit');
    assert.ok(r.output.length <= 4 * 2 ** 20);
    assert.ok(Date.now() - t0 < 30_000);
  });

  test('running past the timeout kills the whole tree, detached children included', async () => {
    const r = await run(`setsid sleep 4242.${TAG} & (sleep 4243.${TAG} &) ; sleep 4244.${TAG}`, { timeoutMs: 1500 });
    assert.equal(r.killed, 'timeout');
    await new Promise((res) => setTimeout(res, 300));
    assert.deepEqual(hostProcesses(`^sleep 424[234]\\.${TAG}`), []);
  });

  test('when the build process dies during setup, the step never starts and the next process reaps what bubblewrap left', async () => {
    // With the mirror proxy, bubblewrap waits for its forwarder: the builder is killed in that window.
    const script = `import { runInImage } from ${JSON.stringify(new URL('../../src/sandbox/index.js', import.meta.url).href)};
runInImage(${JSON.stringify(root)}, 'sleep 4545.${TAG}', { network: true });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    for (let i = 0; i < 200 && hostProcesses(`bwrap.*sleep 4545\\.${TAG}`).length === 0; i++) await new Promise((res) => setTimeout(res, 10));
    assert.ok(hostProcesses(`bwrap.*sleep 4545\\.${TAG}`).length > 0, 'bubblewrap started');
    child.kill('SIGKILL');
    // The step must never appear. bubblewrap's first process may be left waiting, without running
    // anything (orphans.ts): the next Goldsmith process reaps it before its first sandbox.
    let started = false;
    for (let i = 0; i < 40; i++) {
      if (hostProcesses(`^sleep 4545\\.${TAG}`).length > 0) started = true;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.equal(started, false, 'the step ran without anyone to stop it');
    const next = `import { runInImage } from ${JSON.stringify(new URL('../../src/sandbox/index.js', import.meta.url).href)};
await runInImage(${JSON.stringify(root)}, 'true', { network: false });`;
    execFileSync(process.execPath, ['--input-type=module', '-e', next], { stdio: 'ignore' });
    let left: string[] = [];
    for (let i = 0; i < 100; i++) {
      left = hostProcesses(`4545\\.${TAG}`);
      if (left.length === 0) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    assert.deepEqual(left, [], 'nothing is left');
  });

  test('when the build process dies, nothing it started keeps running', async () => {
    const script = `import { runInImage } from ${JSON.stringify(new URL('../../src/sandbox/index.js', import.meta.url).href)};
runInImage(${JSON.stringify(root)}, 'setsid sleep 4343.${TAG} & sleep 4344.${TAG}', { network: false });`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'ignore' });
    // Both sleeps run: the step started (its own processes, not bubblewrap's, whose arguments name them too).
    for (let i = 0; i < 200 && hostProcesses(`^sleep 434[34]\\.${TAG}`).length < 2; i++) await new Promise((res) => setTimeout(res, 50));
    assert.equal(hostProcesses(`^sleep 434[34]\\.${TAG}`).length, 2, 'the sandbox started');
    child.kill('SIGKILL');
    for (let i = 0; i < 60 && hostProcesses(`sleep 434[34]\\.${TAG}`).length > 0; i++) await new Promise((res) => setTimeout(res, 50));
    assert.deepEqual(hostProcesses(`sleep 434[34]\\.${TAG}`), [], 'neither the step nor bubblewrap is left');
  });
});

describe('scratch quota', () => {
  test('a step cannot write more into its image than the run\'s scratch quota, and the host keeps its space', async () => {
    const dir = join(work, 'quota-run');
    mkdirSync(dir);
    const imageBytes = Number(execFileSync('du', ['-sb', root], { encoding: 'utf8' }).split('\t')[0]);
    const quota = imageBytes + 64 * 2 ** 20;
    assert.equal(await mountScratchQuota(dir, quota), true);
    try {
      const tree = join(dir, 'rootfs');
      execFileSync('cp', ['-a', root, tree]); // owners kept: the sandbox's root owns its `/`
      const r = await runInImage(tree, 'set +e\ndd if=/dev/zero of=/fill bs=1M count=1024 2>&1; true', { network: false });
      assert.match(r.output, /No space left on device/);
      assert.ok(statSync(join(tree, 'fill')).size < 128 * 2 ** 20);
    } finally {
      await unmountScratchQuota(dir);
    }
    assert.equal(readFileSync('/proc/self/mountinfo', 'utf8').includes(dir), false, 'nothing stays mounted');
  });
});


describe('reaching private directories', () => {
  test('an operator directory keeps its group; the sandbox gets search permission only', async () => {
    const { grantTraversal } = await import('../../src/sandbox/traversal.js');
    const opDir = join(work, 'operator');
    const inner = join(opDir, 'private');
    mkdirSync(inner, { recursive: true });
    execFileSync('chown', ['root:adm', opDir]);
    execFileSync('chmod', ['0770', opDir]);
    execFileSync('chmod', ['0700', inner]);
    const gid = sandboxRootIds().gid;
    grantTraversal(join(inner, 'tree'), gid);
    const op = statSync(opDir);
    assert.equal(op.gid, Number(execFileSync('getent', ['group', 'adm'], { encoding: 'utf8' }).split(':')[2]), 'the operator group stays');
    assert.equal(op.mode & 0o777, 0o770, 'its group keeps rwx; others still nothing');
    assert.match(execFileSync('getfacl', ['-cn', opDir], { encoding: 'utf8' }), new RegExp(`group:${gid}:--x`));
    const st = statSync(inner);
    assert.equal(st.gid, gid);
    assert.equal(st.mode & 0o777, 0o710, 'a private directory gets the sandbox group with search only');
  });
});

test('a long script (past one argument\'s limit) runs as a file', async () => {
  const lines = Array.from({ length: 20_000 }, (_, i) => `x=${i} # ${'-'.repeat(10)}`);
  const r = await runInImage(root, `${lines.join('\n')}\necho "last $x"`, { network: false });
  assert.equal(r.exitCode, 0, r.output);
  assert.match(r.output, /last 19999/);
});

test('the seccomp filter denies namespaces, mounts, keyrings and BPF, and nothing a build needs', async () => {
  const r = await runInImage(
    root,
    `set +e
unshare -U true 2>&1; echo "unshare=$?"
mkdir -p /mnt/s; mount -t tmpfs t /mnt/s 2>&1; echo "mount=$?"
perl -e 'syscall(250, 0, 0, 0) == -1 and print "keyctl: $!\\n"'
perl -e 'syscall(321, 0, 0, 0) == -1 and print "bpf: $!\\n"'
(sleep 0.1 &) ; wait; echo "fork=ok"
sh -c 'echo child-ok'`,
    { network: false },
  );
  assert.match(r.output, /unshare=1/);
  assert.match(r.output, /mount=(1|32)/);
  assert.match(r.output, /keyctl: Operation not permitted/);
  assert.match(r.output, /bpf: Operation not permitted/);
  assert.match(r.output, /fork=ok/);
  assert.match(r.output, /child-ok/);
});

test('a command that never reads its start gate ends normally (the reset pipe is not an error of the builder)', async () => {
  const { runSandboxed, DEFAULT_LIMITS } = await import('../../src/sandbox/index.js');
  const r = await runSandboxed(
    { root, argv: ['/bin/sh', '-c', 'echo ungated'], env: { PATH: '/usr/bin:/bin' }, mounts: [], network: { kind: 'none' }, limits: { ...DEFAULT_LIMITS, timeoutMs: 10_000 }, hostname: 'x' },
    { startGate: true },
  );
  assert.equal(r.exitCode, 0);
  assert.match(r.output, /ungated/);
});
