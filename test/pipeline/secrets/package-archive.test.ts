import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { AptPackageArchive, debFileDigests, scanSecretsDetailed } from '../../../src/pipeline/secrets/index.js';
import { makeRootfs } from '../checks/rootfs-fixture.js';

test('the apt package archive hashes the real .deb from the configured mirror; hostile package names never reach apt', { timeout: 180_000 }, async (t) => {
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const version = /Candidate:\s*(\S+)/.exec(execFileSync('apt-cache', ['policy', 'base-files'], { encoding: 'utf8' }))?.[1];
  assert.ok(version && version !== '(none)', 'apt on this host knows no base-files candidate: run apt-get update');
  const archive = new AptPackageArchive();
  const digests = await archive.fileDigests({ name: 'base-files', version, architecture: arch });
  assert.ok(digests, `apt-get download base-files=${version} failed: is the mirror reachable?`);
  // Cross-check against dpkg-deb and tar on a separately downloaded copy of the same archive.
  const dir = mkdtempSync(join(tmpdir(), 'gs-deb-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('apt-get', ['-q', 'download', `base-files:${arch}=${version}`], { cwd: dir, stdio: 'ignore' });
  const deb = join(dir, readdirSync(dir).find((n) => n.endsWith('.deb'))!);
  const viaTar = execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./etc/debian_version', 'sh', deb]);
  assert.equal(digests.get('/etc/debian_version'), createHash('md5').update(viaTar).digest('hex'));
  assert.deepEqual(debFileDigests(deb), digests);
  assert.ok(digests.size > 10);
  // Names and versions come from the image: anything outside Debian's syntax is refused unasked.
  const canary = join(dir, 'pwned');
  for (const bad of [
    { name: `x;touch ${canary}`, version, architecture: arch },
    { name: 'base-files', version: `1 -o Dir=${dir}`, architecture: arch },
    { name: '-oDir::Cache=/', version, architecture: arch },
    { name: 'base-files', version: '0.0.0-not-in-any-archive', architecture: arch },
  ]) {
    assert.equal(await archive.fileDigests(bad), undefined, JSON.stringify(bad));
  }
  assert.ok(!existsSync(canary));
});

test("end to end with Debian's own openssl archive: its pristine openssl.cnf is waived, an edit with forged dpkg records is not", { timeout: 180_000 }, async (t) => {
  const arch = execFileSync('dpkg', ['--print-architecture'], { encoding: 'utf8' }).trim();
  const version = /Candidate:\s*(\S+)/.exec(execFileSync('apt-cache', ['policy', 'openssl'], { encoding: 'utf8' }))?.[1];
  assert.ok(version && version !== '(none)', 'apt on this host knows no openssl candidate: run apt-get update');
  const dir = mkdtempSync(join(tmpdir(), 'gs-deb-test-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('apt-get', ['-q', 'download', `openssl:${arch}=${version}`], { cwd: dir, stdio: 'ignore' });
  const deb = join(dir, readdirSync(dir).find((n) => n.endsWith('.deb'))!);
  const cnf = execFileSync('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -xOf - ./etc/ssl/openssl.cnf', 'sh', deb]);
  const md5 = (b: Buffer | string) => createHash('md5').update(b).digest('hex');
  const img = makeRootfs('gs-secrets-ossl-');
  t.after(() => img.cleanup());
  const status = (sum: string) => `Package: openssl\nStatus: install ok installed\nVersion: ${version}\nArchitecture: ${arch}\nConffiles:\n /etc/ssl/openssl.cnf ${sum}\n`;
  img.file('/etc/ssl/openssl.cnf', cnf);
  img.file('/var/lib/dpkg/status', status(md5(cnf)));
  const archive = new AptPackageArchive();
  const pristine = await scanSecretsDetailed(img.root, { packageArchive: archive });
  assert.deepEqual(pristine.findings, []);
  assert.ok(pristine.stats.pristinePackageHits >= 1, 'openssl.cnf has its demo secret = pass:insta');
  // Without the archive the same hit is reported: the image's records alone waive nothing.
  assert.ok((await scanSecretsDetailed(img.root)).findings.some((f) => f.path === '/etc/ssl/openssl.cnf'));
  // A planted password with the conffile's md5 forged to match: the archive disagrees.
  const edited = Buffer.concat([cnf, Buffer.from('db_password = "Zq7-planted-Secret"\n')]);
  img.file('/etc/ssl/openssl.cnf', edited);
  img.file('/var/lib/dpkg/status', status(md5(edited)));
  const forged = await scanSecretsDetailed(img.root, { packageArchive: archive });
  assert.ok(forged.findings.some((f) => f.path === '/etc/ssl/openssl.cnf' && f.rule === 'generic-password-assignment' && f.line === cnf.toString('latin1').split('\n').length));
  assert.equal(forged.stats.pristinePackageHits, 0);
});
