import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { catalogRootfs, parsePurl, toCycloneDx, toSpdx } from '../../src/sbom/index.js';
import { compareRpm } from '../../src/vuln/version/index.js';
import { SqliteFile } from '../../src/sbom/sqlite-reader.js';
import { cycloneDxValidator, makeRootfs, spdxValidator } from './helpers.js';
import { hasPythonSqlite, writeRpmdb, type FixtureRpm } from './rpmdb-fixture.js';
import { rng } from '../vuln/version/gen-debian.js';

const skip = !hasPythonSqlite && 'python3 sqlite3 module not available';

function many(n: number): FixtureRpm[] {
  return Array.from({ length: n }, (_, i) => ({
    name: `pkg${String(i).padStart(4, '0')}`,
    version: `1.${i % 10}.${i}`,
    release: `${1 + (i % 3)}.el9`,
    arch: i % 5 === 0 ? 'noarch' : 'x86_64',
    license: i % 7 === 0 ? 'GPLv2+ and LGPLv2+ ' + 'with a very long tail '.repeat(300) : 'MIT',
    sourceRpm: `src${i % 40}-1.${i % 10}.${i}-${1 + (i % 3)}.el9.src.rpm`,
  }));
}

test('rpmdb.sqlite: packages, epochs, source rpms, licences; overflow pages and a multi-level b-tree', { skip }, async () => {
  const root = await makeRootfs({ '/etc/os-release': 'ID="rocky"\nVERSION_ID="9.3"\nPRETTY_NAME="Rocky Linux 9.3 (Blue Onyx)"\n' });
  await mkdir(join(root, 'var/lib/rpm'), { recursive: true });
  const pkgs: FixtureRpm[] = [
    { name: 'openssl-libs', version: '3.0.7', release: '24.el9', epoch: 1, arch: 'x86_64', license: 'Apache-2.0', sourceRpm: 'openssl-3.0.7-24.el9.src.rpm' },
    { name: 'gpg-pubkey', version: '350d275d', release: '6395d9b2', license: 'pubkey' },
    ...many(400),
  ];
  writeRpmdb(join(root, 'var/lib/rpm/rpmdb.sqlite'), pkgs);
  const db = new SqliteFile(await readFile(join(root, 'var/lib/rpm/rpmdb.sqlite')), 'x');
  assert.ok(statSync(join(root, 'var/lib/rpm/rpmdb.sqlite')).size > 40 * db.pageSize, 'fixture spans many pages');
  const rootPage = db.page(db.tableRoot('Packages')!);
  assert.equal(rootPage[0], 0x05, 'the Packages b-tree has interior pages');

  const inv = await catalogRootfs(root);
  assert.deepEqual(inv.notes, []);
  assert.equal(inv.packages.length, 401, 'every package but gpg-pubkey');
  const ssl = inv.packages.find((p) => p.name === 'openssl-libs')!;
  assert.equal(ssl.version, '1:3.0.7-24.el9');
  assert.equal(compareRpm(ssl.version, '1:3.0.7-27.el9'), -1);
  assert.deepEqual(ssl.source, { name: 'openssl', version: '3.0.7-24.el9' });
  assert.deepEqual(parsePurl(ssl.purl), {
    type: 'rpm',
    namespace: 'rocky',
    name: 'openssl-libs',
    version: '3.0.7-24.el9',
    qualifiers: { arch: 'x86_64', distro: 'rocky-9.3', epoch: '1' },
  });
  const long = inv.packages.find((p) => p.name === 'pkg0007')!;
  assert.match(long.license, /^LicenseRef-GPLv2-and-LGPLv2-with-a-very-long-tail/, 'a licence stored in overflow pages reads whole');
  assert.equal(inv.packages.find((p) => p.name === 'pkg0399')!.version, '1.9.399-1.el9');
  const opts = { name: 'rocky', digest: 'sha256:' + '3'.repeat(64), created: '2024-05-01T00:00:00Z' };
  const [vs, vc] = [await spdxValidator(), await cycloneDxValidator()];
  if (vs) assert.ok(vs(toSpdx(inv, opts)), JSON.stringify(vs.errors?.slice(0, 3)));
  assert.ok(vc(toCycloneDx(inv, opts)), JSON.stringify(vc.errors?.slice(0, 3)));
});

test('rpmdb.sqlite: rows committed only to the write-ahead log are read too', { skip }, async () => {
  const root = await makeRootfs({ '/etc/os-release': 'ID=fedora\nVERSION_ID=40\n' });
  const dir = join(root, 'usr/lib/sysimage/rpm');
  await mkdir(dir, { recursive: true });
  writeRpmdb(join(dir, 'rpmdb.sqlite'), many(30), [{ name: 'walonly', version: '2.0', release: '1.fc40', arch: 'x86_64', license: 'MIT' }]);
  assert.ok(existsSync(join(dir, 'rpmdb.sqlite-wal')) && statSync(join(dir, 'rpmdb.sqlite-wal')).size > 0, 'fixture left a WAL');
  const mainOnly = new SqliteFile(await readFile(join(dir, 'rpmdb.sqlite')), 'x');
  assert.equal([...mainOnly.rows(mainOnly.tableRoot('Packages')!)].length, 30, 'without the WAL the last row is missing');
  const inv = await catalogRootfs(root);
  assert.equal(inv.packages.length, 31);
  assert.ok(inv.packages.some((p) => p.name === 'walonly'));
});

test('unreadable or unsupported rpm databases are reported in a note, never silently skipped', async () => {
  const corrupt = await catalogRootfs(await makeRootfs({ '/etc/os-release': 'ID=rocky\nVERSION_ID=9.3\n', '/var/lib/rpm/rpmdb.sqlite': 'SQLite format 3\0garbage' }));
  assert.equal(corrupt.packages.length, 0);
  assert.match(corrupt.notes.join('\n'), /rpm database found at \/var\/lib\/rpm\/rpmdb\.sqlite but not readable: cannot read SQLite file/);
  const bdb = await catalogRootfs(await makeRootfs({ '/etc/os-release': 'ID=centos\nVERSION_ID=7\n', '/var/lib/rpm/Packages': '\0\0\0\0' }));
  assert.match(bdb.notes.join('\n'), /rpm database found at \/var\/lib\/rpm\/Packages but not readable: needs a Berkeley DB reader/);
});

test('a damaged rpmdb.sqlite never crashes the catalog: packages or a note, every time', { skip }, async () => {
  const root = await makeRootfs({ '/etc/os-release': 'ID=rocky\nVERSION_ID=9.3\n' });
  const file = join(root, 'var/lib/rpm/rpmdb.sqlite');
  await mkdir(join(root, 'var/lib/rpm'), { recursive: true });
  writeRpmdb(file, many(60));
  const good = await readFile(file);
  const r = rng(99);
  for (let i = 0; i < 60; i++) {
    const bad = Buffer.from(good);
    for (let k = 0; k < 1 + Math.floor(r() * 20); k++) bad[Math.floor(r() * bad.length)] = Math.floor(r() * 256);
    await writeFile(file, i % 10 === 0 ? bad.subarray(0, Math.floor(r() * bad.length)) : bad);
    const inv = await catalogRootfs(root);
    assert.ok(inv.packages.length > 0 || inv.notes.some((n) => n.includes('not readable')), `iteration ${i}`);
  }
});
