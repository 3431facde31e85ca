import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { repackTarball } from '../../src/catalog/import-tarball.js';
import { FsArtifactStore } from '../../src/artifacts/index.js';
import { CatalogService } from '../../src/catalog/index.js';
import { readArchiveOsRelease, readOsRelease, unpackRootfs } from '../../src/image/index.js';
import { runChecks } from '../../src/pipeline/checks/index.js';
import { POLICY_RC_D } from '../../src/pipeline/customize/generalize.js';
import { installPolicyRcD, openStage, STAGE_IN_SANDBOX } from '../../src/pipeline/customize/stage.js';
import { readOsVersion, writeTattoo } from '../../src/pipeline/tattoo/index.js';
import { catalogRootfs } from '../../src/sbom/index.js';
import type { Check } from '../../src/template/types.js';
import { backends } from '../support/stores.js';
import { sample } from '../pipeline/tattoo/sample-tattoo.js';

// Malicious bases: every attack here once reached the host (a write through a link, a host file's
// content in an output, a read that never returned, an archive that filled the scratch disk).
// "host" is a directory outside the image root standing in for the build host; its files are canaries.

const base = mkdtempSync(join(tmpdir(), 'gs-malicious-'));
after(() => rmSync(base, { recursive: true, force: true }));
let n = 0;

const HOST_MARKER = 'HOST-SECRET-7f3a';
const HOST_OS_RELEASE = `ID=hostos\nPRETTY_NAME="${HOST_MARKER}"\n`;
const HOST_STATUS = `Package: ${HOST_MARKER.toLowerCase()}\nStatus: install ok installed\nVersion: 1.0\nArchitecture: all\n`;
const IMAGE_OS_RELEASE = 'ID=debian\nVERSION_ID="12"\nPRETTY_NAME="Debian GNU/Linux 12 (bookworm)"\n';

/** A fresh image root and host directory; the host holds canary files. */
function scene(): { root: string; host: string; snapshot: () => string } {
  const dir = join(base, `s${n++}`);
  const root = join(dir, 'root');
  const host = join(dir, 'host');
  mkdirSync(root, { recursive: true });
  mkdirSync(join(host, 'goldsmith'), { recursive: true });
  writeFileSync(join(host, 'os-release'), HOST_OS_RELEASE);
  writeFileSync(join(host, 'status'), HOST_STATUS);
  writeFileSync(join(host, 'policy-rc.d'), 'canary\n');
  writeFileSync(join(host, 'goldsmith/tattoo'), 'canary\n');
  mkdirSync(join(host, '.goldsmith-stage'));
  writeFileSync(join(host, '.goldsmith-stage/keep'), 'canary\n');
  chmodSync(join(host, 'policy-rc.d'), 0o644);
  // Every name, type, mode and content under host: any change shows as a difference.
  const snapshot = () => {
    const out: string[] = [];
    const walk = (d: string) => {
      for (const e of readdirSync(d).sort()) {
        const p = join(d, e);
        const st = lstatSync(p);
        out.push(`${p.slice(host.length)} ${st.mode.toString(8)} ${st.isFile() ? readFileSync(p, 'utf8') : ''}`);
        if (st.isDirectory()) walk(p);
      }
    };
    walk(host);
    return out.join('\n');
  };
  return { root, host, snapshot };
}

function put(root: string, p: string, content: string, mode = 0o644): void {
  mkdirSync(join(root, p, '..'), { recursive: true });
  writeFileSync(join(root, p), content);
  chmodSync(join(root, p), mode);
}

function link(root: string, p: string, target: string): void {
  mkdirSync(join(root, p, '..'), { recursive: true });
  symlinkSync(target, join(root, p));
}

const noCommands = { runInRoot: () => Promise.reject(new Error('no commands in these tests')) };
const check = (c: Partial<Check> & { type: string }) => ({ name: c.type, ...c }) as Check;

describe('Goldsmith writing into a malicious root', () => {
  test('policy-rc.d through usr/sbin -> host directory: the file lands inside the root, the host canary keeps content and mode', async () => {
    const s = scene();
    const before = s.snapshot();
    link(s.root, 'usr/sbin', s.host);
    await installPolicyRcD(s.root);
    assert.equal(s.snapshot(), before);
    // Inside the image, /usr/sbin is the link's target resolved in the root: root + host path.
    const inImage = join(s.root, s.host, 'policy-rc.d');
    assert.equal(readFileSync(inImage, 'utf8'), POLICY_RC_D);
    assert.equal(statSync(inImage).mode & 0o7777, 0o755);
  });

  test('policy-rc.d itself a link to a host file: the link is replaced, never written through', async () => {
    const s = scene();
    const before = s.snapshot();
    link(s.root, 'usr/sbin/policy-rc.d', join(s.host, 'policy-rc.d'));
    await installPolicyRcD(s.root);
    assert.equal(s.snapshot(), before);
    const st = lstatSync(join(s.root, 'usr/sbin/policy-rc.d'));
    assert.ok(st.isFile() && (st.mode & 0o7777) === 0o755);
  });

  test('tattoo with etc -> host directory: nothing on the host changes and the host os-release never reaches the tattoo', async () => {
    const s = scene();
    const before = s.snapshot();
    link(s.root, 'etc', s.host);
    put(s.root, 'usr/lib/os-release', IMAGE_OS_RELEASE);
    assert.doesNotMatch(await readOsVersion(s.root), new RegExp(HOST_MARKER));
    const written = await writeTattoo(s.root, sample());
    assert.equal(s.snapshot(), before);
    assert.doesNotMatch(written.text, new RegExp(HOST_MARKER));
    assert.equal(written.osReleasePath, '/usr/lib/os-release');
    assert.match(readFileSync(join(s.root, s.host, 'goldsmith/tattoo'), 'utf8'), /IMAGE_VERSION=1\.2\.3/);
  });

  test('the customize stage lives outside the image: links planted in /tmp cannot redirect it', async () => {
    const s = scene();
    const before = s.snapshot();
    link(s.root, 'tmp', s.host);
    link(s.root, 'run', s.host);
    const stage = await openStage();
    try {
      assert.equal(await stage.put('script.sh', Buffer.from('echo hi\n')), `${STAGE_IN_SANDBOX}/script.sh`);
      assert.ok(!stage.mount.host.startsWith(s.root), 'staged files are never written into the image tree');
      assert.equal(readFileSync(join(stage.mount.host, 'script.sh'), 'utf8'), 'echo hi\n');
      assert.equal(stage.mount.readOnly, true);
    } finally {
      await stage.clear();
    }
    assert.equal(s.snapshot(), before);
    assert.equal(existsSync(stage.mount.host), false);
  });
});

describe('Goldsmith reading a malicious root', () => {
  test('os-release and dpkg status linked to host files: SBOM, checks and tattoo read the image, never the host', async () => {
    const s = scene();
    link(s.root, 'etc/os-release', join(s.host, 'os-release'));
    link(s.root, 'var/lib/dpkg/status', join(s.host, 'status'));
    put(s.root, 'usr/lib/os-release', IMAGE_OS_RELEASE);
    const inv = await catalogRootfs(s.root);
    assert.doesNotMatch(JSON.stringify(inv), new RegExp(HOST_MARKER, 'i'));
    assert.deepEqual(inv.packages, []);
    assert.equal((await readOsRelease(s.root))?.prettyName, 'Debian GNU/Linux 12 (bookworm)');
    const results = await runChecks(
      s.root,
      [check({ type: 'package-installed', package: HOST_MARKER.toLowerCase() }), check({ type: 'file-contains', path: '/etc/os-release', pattern: HOST_MARKER })],
      noCommands,
    );
    assert.deepEqual(results.map((r) => r.status), ['failed', 'failed']);
    assert.doesNotMatch(JSON.stringify(results), new RegExp(`PRETTY_NAME="${HOST_MARKER}`));
  });

  for (const kind of ['FIFO', 'character device 1:5 (/dev/zero)'] as const) {
    test(`os-release as a ${kind}: every reader refuses it by name and nothing blocks`, { timeout: 20_000 }, async () => {
      const s = scene();
      mkdirSync(join(s.root, 'etc'), { recursive: true });
      if (kind === 'FIFO') execFileSync('mkfifo', [join(s.root, 'etc/os-release')]);
      else execFileSync('mknod', [join(s.root, 'etc/os-release'), 'c', '1', '5']);
      put(s.root, 'etc/goldsmith/tattoo', 'IMAGE_VERSION=1\n');
      const refused = { code: 'IMAGE_UNSAFE_FILE', where: '/etc/os-release' };
      await assert.rejects(readOsRelease(s.root), refused);
      await assert.rejects(catalogRootfs(s.root), refused);
      await assert.rejects(writeTattoo(s.root, sample()), refused);
      const results = await runChecks(s.root, [check({ type: 'file-contains', path: '/etc/os-release', pattern: 'x' })], noCommands);
      assert.equal(results[0]!.status, 'failed');
      assert.match(results[0]!.message, kind === 'FIFO' ? /a FIFO/ : /a device node/);
    });
  }

  test('a sparse 4 GiB os-release and dpkg status: reads are bounded and refused by name', { timeout: 20_000 }, async () => {
    const s = scene();
    mkdirSync(join(s.root, 'etc'), { recursive: true });
    mkdirSync(join(s.root, 'var/lib/dpkg'), { recursive: true });
    execFileSync('truncate', ['-s', '4G', join(s.root, 'etc/os-release'), join(s.root, 'var/lib/dpkg/status')]);
    await assert.rejects(readOsRelease(s.root), { code: 'IMAGE_FILE_TOO_LARGE', where: '/etc/os-release' });
    await assert.rejects(writeTattoo(s.root, sample()), { code: 'IMAGE_FILE_TOO_LARGE' });
    await assert.rejects(catalogRootfs(s.root), { code: 'IMAGE_FILE_TOO_LARGE' });
    rmSync(join(s.root, 'etc/os-release'));
    await assert.rejects(catalogRootfs(s.root), { code: 'IMAGE_FILE_TOO_LARGE', where: '/var/lib/dpkg/status' });
    const [r] = await runChecks(s.root, [check({ type: 'package-installed', package: 'bash' })], noCommands);
    assert.equal(r!.status, 'error');
    assert.match(r!.message, /\/var\/lib\/dpkg\/status.*bytes/);
  });
});

/** Pack `root` into a tar (plus zstd when the name says so); --sparse keeps holes as holes. */
function tarOf(root: string, out: string): string {
  const args = ['--sparse', '-C', root, '-cf', out.endsWith('.zst') ? '-' : out, '.'];
  if (out.endsWith('.zst')) execFileSync('sh', ['-c', `tar ${args.map((a) => `'${a}'`).join(' ')} | zstd -q > '${out}'`]);
  else execFileSync('tar', args);
  return out;
}

describe('importing a malicious archive', () => {
  const imported = (file: string, work: string, allow = {}) => repackTarball(file, work, { sourceDateEpoch: 0, ...allow });

  test('a sparse 4 GiB file: refused by its apparent size before anything is extracted', { timeout: 20_000 }, async () => {
    const s = scene();
    put(s.root, 'etc/os-release', IMAGE_OS_RELEASE);
    execFileSync('truncate', ['-s', '4G', join(s.root, 'big')]);
    const file = tarOf(s.root, join(s.host, '..', 'sparse.tar.zst'));
    assert.ok(statSync(file).size < 64 * 1024, 'the archive is tiny');
    const work = join(s.host, '..', 'work');
    await assert.rejects(imported(file, work), (e: { code: string; message: string; data: { path: string } }) => {
      assert.equal(e.code, 'IMAGE_ARCHIVE_TOO_LARGE');
      assert.equal(e.data.path, '/big');
      assert.match(e.message, /nothing was extracted/);
      assert.ok(e.message.startsWith(file), 'the error names the file the user gave, not the private copy');
      return true;
    });
    assert.equal(existsSync(join(work, 'rootfs')), false);
    await assert.rejects(unpackRootfs(file, join(work, 'x')), { code: 'IMAGE_ARCHIVE_TOO_LARGE' });
    assert.equal(existsSync(join(work, 'x')), false);
    await assert.rejects(readArchiveOsRelease(file), { code: 'IMAGE_ARCHIVE_TOO_LARGE' });
  });

  test('a compression bomb is stopped at the ratio limit while tar lists it, and the limits are configurable', { timeout: 20_000 }, async () => {
    const s = scene();
    put(s.root, 'etc/os-release', IMAGE_OS_RELEASE);
    writeFileSync(join(s.root, 'zeros'), Buffer.alloc(8 * 1024 * 1024));
    const file = tarOf(s.root, join(s.host, '..', 'bomb.tar.zst'));
    const limits = { maxBytes: 1024 ** 3, maxRatio: 100, ratioFloorBytes: 1024 * 1024, maxEntries: 1000 };
    await assert.rejects(unpackRootfs(file, join(s.host, '..', 'out'), { limits }), { code: 'IMAGE_ARCHIVE_TOO_LARGE', message: /100× its \d+ compressed bytes/ });
    await assert.rejects(unpackRootfs(file, join(s.host, '..', 'out'), { limits: { ...limits, maxEntries: 2 } }), { code: 'IMAGE_ARCHIVE_TOO_LARGE', message: /more than 2 entries/ });
    const ok = await unpackRootfs(file, join(s.host, '..', 'out'), { limits: { ...limits, maxRatio: 1e6 } });
    assert.ok(ok.expandedBytes >= 8 * 1024 * 1024);
  });

  test('etc/os-release -> a host file: the imported entry (what marketplace show prints) reports the image, never the host file', { timeout: 60_000 }, async () => {
    const s = scene();
    link(s.root, 'etc/os-release', join(s.host, 'os-release'));
    put(s.root, 'usr/lib/os-release', IMAGE_OS_RELEASE);
    const file = tarOf(s.root, join(s.host, '..', 'linked.tar'));
    const home = join(s.host, '..', 'home');
    const store = await backends[0]!.open(); // PGlite
    try {
      const catalog = new CatalogService(store, new FsArtifactStore(join(home, 'artifacts')), { home, architecture: 'amd64' });
      const ref = { publisher: 'Evil', offer: 'base', sku: '1', version: '1.0.0' };
      await catalog.importTarball(file, ref);
      const shown = JSON.stringify(await catalog.show(ref));
      assert.doesNotMatch(shown, new RegExp(HOST_MARKER));
      assert.match(shown, /Debian GNU\/Linux 12 \(bookworm\)/);
      // The adopt path reads os-release from the archive itself: a link there is not followed either.
      assert.equal((await readArchiveOsRelease(file))?.prettyName, 'Debian GNU/Linux 12 (bookworm)');
    } finally {
      await store.close();
    }
  });

  test('os-release as a FIFO in the archive: refused by name, no hang', { timeout: 20_000 }, async () => {
    const s = scene();
    mkdirSync(join(s.root, 'etc'));
    execFileSync('mkfifo', [join(s.root, 'etc/os-release')]);
    const file = tarOf(s.root, join(s.host, '..', 'fifo.tar'));
    await assert.rejects(imported(file, join(s.host, '..', 'w')), { code: 'IMAGE_UNSAFE_FILE', where: '/etc/os-release' });
    assert.equal(await readArchiveOsRelease(file), undefined);
  });

  test('device nodes, unowned setuid and world-writable files are refused unless allowed, and reported either way', { timeout: 30_000 }, async () => {
    const s = scene();
    put(s.root, 'etc/os-release', IMAGE_OS_RELEASE);
    mkdirSync(join(s.root, 'dev'));
    execFileSync('mknod', ['-m', '666', join(s.root, 'dev/null'), 'c', '1', '3']);
    execFileSync('mknod', [join(s.root, 'dev/sda'), 'b', '8', '0']);
    execFileSync('mknod', [join(s.root, 'etc/zero'), 'c', '1', '5']); // /dev/zero's numbers under another name
    put(s.root, 'usr/bin/rootshell', '#!/bin/sh\n', 0o4755);
    put(s.root, 'usr/bin/passwd', '#!/bin/sh\n', 0o4755);
    put(s.root, 'var/lib/dpkg/info/passwd.list', '/.\n/usr\n/usr/bin\n/usr/bin/passwd\n');
    put(s.root, 'etc/writable', 'x', 0o666);
    mkdirSync(join(s.root, 'tmp'));
    chmodSync(join(s.root, 'tmp'), 0o1777);
    const file = tarOf(s.root, join(s.host, '..', 'special.tar'));
    const work = join(s.host, '..', 'w');
    await assert.rejects(imported(file, work), (e: { code: string; message: string; data: { refused: Array<{ path: string; kind: string }> } }) => {
      assert.equal(e.code, 'CATALOG_UNSAFE_FILES');
      assert.deepEqual(e.data.refused.map((f) => `${f.kind} ${f.path}`).sort(), ['device /dev/sda', 'device /etc/zero', 'setuid /usr/bin/rootshell', 'world-writable /etc/writable']);
      assert.match(e.message, /--allow-devices --allow-unowned-setuid --allow-world-writable/);
      return true;
    });
    assert.equal(existsSync(join(work, 'rootfs')), false, 'nothing was extracted');
    const ok = await imported(file, work, { allowDevices: true, allowUnownedSetuid: true, allowWorldWritable: true });
    const report = ok.specialFiles.map((f) => `${f.kind} ${f.path} ${f.allowed}`).sort();
    assert.deepEqual(report, [
      'device /dev/null true',
      'device /dev/sda true',
      'device /etc/zero true',
      'setuid /usr/bin/passwd true',
      'setuid /usr/bin/rootshell true',
      'world-writable /etc/writable true',
    ]);
  });
});
