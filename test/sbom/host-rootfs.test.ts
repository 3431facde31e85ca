import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cp, mkdir, readdir } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { catalogRootfs, isSpdxExpression, parsePurl, parseSpdx, serialiseSbom, toCycloneDx, toSpdx } from '../../src/sbom/index.js';
import { compareDebian } from '../../src/vuln/version/index.js';
import { cycloneDxValidator, spdxValidator, tempDir } from './helpers.js';

const HOST_STATUS = '/var/lib/dpkg/status';

/** The host's own dpkg database, os-release and copyright files copied into a rootfs layout. */
async function hostRootfs(): Promise<string> {
  const root = await tempDir('goldsmith-host-rootfs-');
  await mkdir(join(root, 'var/lib/dpkg'), { recursive: true });
  await mkdir(join(root, 'etc'), { recursive: true });
  await cp(HOST_STATUS, join(root, 'var/lib/dpkg/status'));
  await cp('/etc/os-release', join(root, 'etc/os-release'), { dereference: true });
  for (const d of await readdir('/usr/share/doc')) {
    const f = join('/usr/share/doc', d, 'copyright');
    if (existsSync(f)) await cp(f, join(root, 'usr/share/doc', d, 'copyright'), { dereference: true }).catch(() => undefined);
  }
  return root;
}

test('realistic: the host Debian system’s own dpkg database', { skip: !existsSync(HOST_STATUS) && 'not a dpkg system' }, async () => {
  const root = await hostRootfs();
  const inv = await catalogRootfs(root);
  // Cross-check against dpkg-query itself: same installed set, same versions.
  const q = spawnSync('dpkg-query', ['-W', '-f', '${db:Status-Abbrev}|${Package}|${Architecture}|${Version}|${source:Package}|${source:Version}\n'], { encoding: 'utf8' });
  const want = q.stdout
    .split('\n')
    .filter((l) => /^[ih]i/.test(l))
    .map((l) => l.split('|').slice(1))
    .map(([name, arch, version, src, srcv]) => `${name} ${arch} ${version} ${src} ${srcv}`)
    .sort();
  const got = inv.packages.map((p) => `${p.name} ${p.arch} ${p.version} ${p.source!.name} ${p.source!.version}`).sort();
  assert.deepEqual(got, want);
  assert.ok(inv.os?.id === 'debian' || inv.os?.id === 'ubuntu');
  const libc = inv.packages.find((p) => p.name === 'libc6');
  assert.ok(libc, 'libc6 installed');
  assert.equal(libc.source!.name, 'glibc');
  assert.equal(parsePurl(libc.purl).qualifiers?.['distro'], `${inv.os!.id}-${inv.os!.versionId}`);
  // most Debian packages have a machine-readable copyright file
  const known = inv.packages.filter((p) => p.license !== 'NOASSERTION').length;
  assert.ok(known > inv.packages.length / 3, `only ${known}/${inv.packages.length} licences found`);
  for (const p of inv.packages) assert.ok(p.license === 'NOASSERTION' || isSpdxExpression(p.license), `${p.name}: ${p.license}`);

  const opts = { name: 'host', digest: 'sha256:' + '1'.repeat(64), created: '2024-05-01T00:00:00Z' };
  const spdx = toSpdx(inv, opts);
  const cdx = toCycloneDx(inv, opts);
  const [vs, vc] = [await spdxValidator(), await cycloneDxValidator()];
  if (vs) assert.ok(vs(spdx), JSON.stringify(vs.errors?.slice(0, 3)));
  assert.ok(vc(cdx), JSON.stringify(vc.errors?.slice(0, 3)));
  assert.deepEqual(parseSpdx(serialiseSbom(spdx)).packages, inv.packages);
  // reproducible from a second, independent read of the same rootfs
  assert.equal(serialiseSbom(toSpdx(await catalogRootfs(root), opts)), serialiseSbom(spdx));
  // every version in a real database is valid dpkg syntax
  for (const p of inv.packages) assert.equal(compareDebian(p.version, p.version), 0);
});

/** A cached mmdebstrap minbase tarball (GOLDSMITH_SBOM_ROOTFS_TAR, or the image tests' cache) when one exists. */
function cachedMinbase(): string | undefined {
  if (process.env['GOLDSMITH_SBOM_ROOTFS_TAR']) return process.env['GOLDSMITH_SBOM_ROOTFS_TAR'];
  const dir = '/var/cache/goldsmith-test';
  if (!existsSync(dir)) return undefined;
  const hit = readdirSync(dir).filter((f) => /^minbase-.*\.tar\.zst$/.test(f)).sort()[0];
  return hit ? join(dir, hit) : undefined;
}

const minbase = cachedMinbase();
test('realistic: a real mmdebstrap minbase rootfs (cached tarball)', { skip: !minbase && 'no cached minbase tarball' }, async () => {
  const root = await tempDir('goldsmith-minbase-');
  const r = spawnSync('sh', ['-c', `zstd -dc "$1" | tar -x -C "$2"`, 'sh', minbase!, root]);
  assert.equal(r.status, 0, String(r.stderr));
  const inv = await catalogRootfs(root);
  assert.ok(inv.packages.length > 50 && inv.packages.length < 400, `${inv.packages.length} packages`);
  assert.deepEqual(inv.notes, []);
  const libc = inv.packages.find((p) => p.name === 'libc6')!;
  assert.equal(libc.source!.name, 'glibc');
  assert.equal(libc.license, 'NOASSERTION', "glibc's copyright file is not machine-readable");
  assert.match(inv.packages.find((p) => p.name === 'dash')!.license, /\bGPL-2\.0-or-later\b/);
  for (const p of inv.packages) assert.ok(p.license === 'NOASSERTION' || isSpdxExpression(p.license), `${p.name}: ${p.license}`);
  const opts = { name: 'minbase', digest: 'sha256:' + '2'.repeat(64), created: '2024-05-01T00:00:00Z' };
  const [vs, vc] = [await spdxValidator(), await cycloneDxValidator()];
  if (vs) assert.ok(vs(toSpdx(inv, opts)), JSON.stringify(vs.errors?.slice(0, 3)));
  assert.ok(vc(toCycloneDx(inv, opts)), JSON.stringify(vc.errors?.slice(0, 3)));
});
