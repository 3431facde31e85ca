/**
 * The evasions that got past the first scanner (issue 10), one test each: every one of these
 * images hid a secret from the old scan.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash, generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, symlinkSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { crc32, deflateRawSync, gzipSync } from 'node:zlib';
import { CONTENT_RULES, scanSecrets, scanSecretsDetailed, type PackageArchive, type SecretFinding } from '../../../src/pipeline/secrets/index.js';
import { makeRootfs, type Fixture } from '../checks/rootfs-fixture.js';

const rand = (alphabet: string, n: number) => Array.from({ length: n }, () => alphabet[randomInt(alphabet.length)]).join('');
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const github = () => 'ghp_' + rand(ALNUM, 36);
const aws = () => 'AKIA' + rand('ABCDEFGHIJKLMNOPQRSTUVWXYZ234567', 16);
const rsa = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs8', format: 'pem' }, publicKeyEncoding: { type: 'spki', format: 'pem' } });
const rsaDer = generateKeyPairSync('rsa', { modulusLength: 1024, privateKeyEncoding: { type: 'pkcs1', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
const ed = generateKeyPairSync('ed25519', { privateKeyEncoding: { type: 'pkcs8', format: 'der' }, publicKeyEncoding: { type: 'spki', format: 'der' } });
const md5 = (b: string | Buffer) => createHash('md5').update(b).digest('hex');

/** A zip with one deflated and one stored member, written by hand so no zip tool is needed. */
function zip(members: Array<{ name: string; data: Buffer; deflate: boolean }>): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const m of members) {
    const body = m.deflate ? deflateRawSync(m.data) : m.data;
    const name = Buffer.from(m.name);
    const h = Buffer.alloc(30);
    h.writeUInt32LE(0x04034b50, 0);
    h.writeUInt16LE(20, 4);
    h.writeUInt16LE(m.deflate ? 8 : 0, 8);
    h.writeUInt32LE(crc32(m.data) >>> 0, 14);
    h.writeUInt32LE(body.length, 18);
    h.writeUInt32LE(m.data.length, 22);
    h.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(m.deflate ? 8 : 0, 10);
    c.writeUInt32LE(crc32(m.data) >>> 0, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(m.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(h, name, body);
    central.push(c, name);
    offset += 30 + name.length + body.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(members.length, 8);
  end.writeUInt16LE(members.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}

let fx: Fixture;
const planted: string[] = [];
const plant = <T extends string>(s: T): T => (planted.push(s), s);

before(() => {
  fx = makeRootfs('gs-secrets-evade-');
});
after(() => fx.cleanup());

const byPathLine = (a: string, b: string) => {
  const [pa, la] = a.split(' ')[1]!.split(':');
  const [pb, lb] = b.split(' ')[1]!.split(':');
  return pa! < pb! ? -1 : pa! > pb! ? 1 : Number(la ?? 0) - Number(lb ?? 0) || (a < b ? -1 : 1);
};
const all: SecretFinding[] = [];
const show = (fs: SecretFinding[]) => (all.push(...fs), fs.map((f) => `${f.rule} ${f.path}${f.line ? `:${f.line}` : ''}`));
async function scanOnly(files: Record<string, string | Buffer>, opts = {}): Promise<SecretFinding[]> {
  const img = makeRootfs('gs-secrets-one-');
  try {
    for (const [p, c] of Object.entries(files)) img.file(p, c, 0o600);
    return await scanSecrets(img.root, opts);
  } finally {
    img.cleanup();
  }
}

describe('compressed files', () => {
  test('gzip, xz, zstd and bzip2 files are decompressed and scanned, whatever their name', async () => {
    const tok = plant(github());
    const key = aws();
    const tmp = join(fx.host, 'plain.txt');
    writeFileSync(tmp, `GITHUB_TOKEN=${tok}\nAWS_ACCESS_KEY_ID=${key}\n`);
    const xz = execFileSync('xz', ['-c', tmp]);
    const zst = execFileSync('zstd', ['-q', '-c', tmp]);
    const bz = execFileSync('bzip2', ['-c', tmp]);
    const f = await scanOnly({
      '/var/backups/id_rsa.gz': gzipSync(rsa.privateKey),
      '/usr/share/man/man1/tool.1.gz': gzipSync(`.TH TOOL 1\n.SH ENV\nGITHUB_TOKEN=${tok}\n`),
      '/opt/app/env.xz': xz,
      '/opt/app/env.zst': zst,
      '/opt/app/env.bz2': bz,
      '/opt/app/innocent.dat': xz,
    });
    assert.deepEqual(show(f), [
      'github-token /opt/app/env.bz2:1',
      'aws-access-key /opt/app/env.bz2:2',
      'github-token /opt/app/env.xz:1',
      'aws-access-key /opt/app/env.xz:2',
      'github-token /opt/app/env.zst:1',
      'aws-access-key /opt/app/env.zst:2',
      'github-token /opt/app/innocent.dat:1',
      'aws-access-key /opt/app/innocent.dat:2',
      'github-token /usr/share/man/man1/tool.1.gz:3',
      'private-key-pem /var/backups/id_rsa.gz:1',
    ]);
    assert.ok(f.every((x) => /compressed/.test(x.message)), 'the message says the secret sat in compressed data');
  });

  test('zip members and tar members (also inside gzip) are scanned and named', async () => {
    const tok = plant(github());
    const keyDir = join(fx.host, 'tarsrc');
    mkdirSync(join(keyDir, 'root/.ssh'), { recursive: true });
    writeFileSync(join(keyDir, 'root/.ssh/id_rsa'), rsa.privateKey);
    writeFileSync(join(keyDir, 'root/notes.txt'), 'nothing here\n');
    const tgz = execFileSync('tar', ['-C', keyDir, '-czf', '-', 'root']);
    const tar = execFileSync('tar', ['-C', keyDir, '-cf', '-', 'root']);
    const f = await scanOnly({
      '/opt/app/bundle.zip': zip([
        { name: 'conf/app.env', data: Buffer.from(`X=1\nGITHUB_TOKEN=${tok}\n`), deflate: true },
        { name: 'keys/server.key', data: Buffer.from(rsa.privateKey), deflate: false },
        { name: 'lib/app.jar', data: zip([{ name: 'META-INF/creds', data: Buffer.from(`token=${tok}\n`), deflate: true }]), deflate: false },
      ]),
      '/var/backups/home.tgz': tgz,
      '/var/backups/home.tar': tar,
    });
    assert.deepEqual(show(f), [
      'github-token /opt/app/bundle.zip!conf/app.env:2',
      'private-key-pem /opt/app/bundle.zip!keys/server.key:1',
      'github-token /opt/app/bundle.zip!lib/app.jar!META-INF/creds:1',
      'private-key-pem /var/backups/home.tar!root/.ssh/id_rsa:1',
      'private-key-pem /var/backups/home.tgz!root/.ssh/id_rsa:1',
    ]);
  });

  test('decompression is bounded: a bomb is reported as not scanned, not expanded', async () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 'a'));
    const tmp = join(fx.host, 'bomb.txt');
    writeFileSync(tmp, Buffer.alloc(8 * 1024 * 1024, 'a'));
    const xzBomb = execFileSync('xz', ['-c', tmp]);
    const zipBomb = zip([{ name: 'a.txt', data: Buffer.alloc(8 * 1024 * 1024, 'a'), deflate: true }]);
    const rss = process.memoryUsage().rss;
    const { findings, stats } = await scanSecretsDetailed(
      (() => {
        const img = makeRootfs('gs-secrets-bomb-');
        img.file('/opt/bomb.gz', bomb);
        img.file('/opt/bomb.xz', xzBomb);
        img.file('/opt/bomb.zip', zipBomb);
        after(() => img.cleanup());
        return img.root;
      })(),
      { maxInflatedBytes: 1024 * 1024 },
    );
    assert.deepEqual(show(findings), ['not-scanned /opt/bomb.gz', 'not-scanned /opt/bomb.xz', 'not-scanned /opt/bomb.zip!a.txt']);
    assert.ok(findings.every((x) => /1 MiB/.test(x.message)), findings.map((x) => x.message).join('\n'));
    assert.ok(stats.bytesInflated <= 3 * 1024 * 1024 + 3 * 65536, `inflated ${stats.bytesInflated}`);
    assert.ok(process.memoryUsage().rss - rss < 200 * 1024 * 1024);
  });

  test('a swarm of small xz members cannot make the scan start processes without end', async () => {
    const tmp = join(fx.host, 'small.txt');
    writeFileSync(tmp, 'nothing\n');
    const small = execFileSync('xz', ['-c', tmp]);
    const members = Array.from({ length: 5 }, (_, i) => ({ name: `m${i}.xz`, data: small, deflate: false }));
    const f = await scanOnly({ '/opt/swarm.zip': zip(members) }, { maxDecompressorRuns: 3 });
    assert.deepEqual(show(f), ['not-scanned /opt/swarm.zip!m3.xz', 'not-scanned /opt/swarm.zip!m4.xz']);
    assert.match(f[0]!.message, /ran 3 decompressors/);
  });
});


test('base64-encoded keys: a PEM block or a DER key in base64 is found; certificates and public keys are not', async () => {
  const pemB64 = Buffer.from(rsa.privateKey).toString('base64');
  const der = rsaDer.privateKey.toString('base64');
  const edDer = ed.privateKey.toString('base64');
  const f = await scanOnly({
    '/etc/app/k8s-secret.yaml': `apiVersion: v1\nkind: Secret\ndata:\n  tls.key: ${pemB64}\n  tls.pub: ${Buffer.from(rsa.publicKey).toString('base64')}\n`,
    '/etc/app/env': `SIGNING_KEY=${der}\nED_KEY="${edDer}"\nPUB=${rsaDer.publicKey.toString('base64')}\n`,
    '/etc/app/wrapped': `x: |\n  ${pemB64.slice(0, 76)}\n  ${pemB64.slice(76, 152)}\n`,
  });
  assert.deepEqual(show(f), [
    'private-key-der /etc/app/env:1',
    'private-key-der /etc/app/env:2',
    'private-key-pem /etc/app/k8s-secret.yaml:4',
    'private-key-pem /etc/app/wrapped:2',
  ]);
  assert.ok(f.filter((x) => x.rule === 'private-key-pem').every((x) => /base64/.test(x.message)));
});

test('files padded past the size limit are scanned to the end, with spaces or NUL bytes as padding', async () => {
  const tok = plant(github());
  const img = makeRootfs('gs-secrets-pad-');
  try {
    img.file('/var/log/padded.log', Buffer.concat([Buffer.alloc(3 * 1024 * 1024, ' '), Buffer.from(`\nGITHUB_TOKEN=${tok}\n`)]));
    img.file('/opt/key.pem', Buffer.concat([Buffer.alloc(3 * 1024 * 1024 + 17, 0), Buffer.from(rsa.privateKey)]), 0o600);
    // A key straddling the 1 MiB read chunks of the streamed scan.
    const pre = 'y'.repeat(100) + '\n';
    img.file('/var/log/straddle.log', pre.repeat(Math.ceil((4 * 1024 * 1024) / pre.length)).slice(0, 4 * 1024 * 1024 - 40) + '\n' + rsa.privateKey);
    // An account database padded with comments past the limit is still parsed.
    img.file('/etc/shadow', '#\n'.repeat(1_600_000) + `root:$6$${rand(ALNUM, 16)}$${rand(ALNUM, 86)}:19000:0:99999:7:::\n`, 0o640);
    // Long lines: a token behind 10,000 spaces, and one at the end of a 12 MiB line with no break.
    img.file('/etc/app/long-line.env', `${' '.repeat(10_000)}GITHUB_TOKEN=${tok}\n`);
    img.file('/var/log/one-line.log', 'x'.repeat(12 * 1024 * 1024) + ` AWS_ACCESS_KEY_ID=${aws()}`);
    // A sparse file far larger than the stream budget: read to the budget, then its tail, and reported.
    const sparse = img.file('/var/lib/sparse.img', '');
    truncateSync(sparse, 2 * 1024 * 1024 * 1024);
    writeFileSync(join(img.root, 'var/lib/tail.txt'), '');
    const { findings, stats } = await scanSecretsDetailed(img.root, { maxStreamBytes: 64 * 1024 * 1024 });
    assert.deepEqual(show(findings), [
      'github-token /etc/app/long-line.env:1',
      'shadow-password-hash /etc/shadow:1600001',
      'aws-access-key /var/log/one-line.log:1',
      'private-key-pem /opt/key.pem:1',
      'github-token /var/log/padded.log:2',
      'private-key-pem /var/log/straddle.log:' + (Math.floor((4 * 1024 * 1024 - 40) / pre.length) + 2),
      'not-scanned /var/lib/sparse.img',
    ].sort(byPathLine));
    assert.ok(stats.bytesScanned < 200 * 1024 * 1024);
  } finally {
    img.cleanup();
  }
});

test('GCP service-account JSON, pretty or on one line, and Azure storage connection strings', async () => {
  const sa = {
    type: 'service_account',
    project_id: 'p-' + rand('abcdefghij', 6),
    private_key_id: rand('0123456789abcdef', 40),
    private_key: rsa.privateKey,
    client_email: 'ci@p.iam.gserviceaccount.com',
  };
  const accountKey = plant(randomBytes(64).toString('base64'));
  const f = await scanOnly({
    '/opt/ci/sa.json': JSON.stringify(sa, null, 2) + '\n',
    '/opt/ci/sa-min.json': JSON.stringify(sa),
    '/etc/app/azure.env': `AZURE_STORAGE_CONNECTION_STRING="DefaultEndpointsProtocol=https;AccountName=acct${rand('abc', 4)};AccountKey=${accountKey};EndpointSuffix=core.windows.net"\n`,
    '/etc/app/azure.cfg': `connection = DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<your key>;\n`,
  });
  assert.deepEqual(show(f), ['azure-storage-key /etc/app/azure.env:1', 'gcp-service-account-key /opt/ci/sa-min.json:1', 'gcp-service-account-key /opt/ci/sa.json:5']);
  assert.ok(!JSON.stringify(f).includes(accountKey));
});

test('keys under documentation and test directories are found', async () => {
  const f = await scanOnly({
    '/usr/share/doc/app/deploy.pem': rsa.privateKey,
    '/usr/lib/python3/dist-packages/app/tests/fixtures/id_rsa': rsa.privateKey,
    '/usr/share/locale/de/token.txt': `GITHUB_TOKEN=${plant(github())}\n`,
  });
  assert.deepEqual(show(f), [
    'private-key-pem /usr/lib/python3/dist-packages/app/tests/fixtures/id_rsa:1',
    'private-key-pem /usr/share/doc/app/deploy.pem:1',
    'github-token /usr/share/locale/de/token.txt:1',
  ]);
});

test('regular files under /dev are scanned; device nodes and FIFOs are never opened', async () => {
  const img = makeRootfs('gs-secrets-dev-');
  try {
    img.file('/dev/.cache/id_rsa', rsa.privateKey, 0o600);
    img.dir('/dev/shm');
    img.file('/dev/shm/env', `GITHUB_TOKEN=${plant(github())}\n`);
    execFileSync('mknod', [join(img.root, 'dev/zero'), 'c', '1', '5']);
    execFileSync('mknod', [join(img.root, 'dev/null'), 'c', '1', '3']);
    execFileSync('mkfifo', [join(img.root, 'dev/initctl')]);
    execFileSync('mkfifo', [join(img.root, 'app.pipe')]);
    execFileSync('mknod', [join(img.root, 'hostdisk'), 'b', '8', '0']);
    const { findings, stats } = await scanSecretsDetailed(img.root);
    assert.deepEqual(show(findings), ['private-key-pem /dev/.cache/id_rsa:1', 'github-token /dev/shm/env:1', 'device-node /hostdisk']);
    assert.equal(stats.specialFiles, 5);
  } finally {
    img.cleanup();
  }
});

test('forged dpkg md5sums exempt nothing; only the package archive itself can vouch for a file', async () => {
  const img = makeRootfs('gs-secrets-md5-');
  try {
    const conf = `[db]\ndb_password = "${plant('Db-' + rand(ALNUM, 14))}"\n`;
    const cnf = '[cmp]\nsecret = pass:insta\n';
    img.file('/etc/app/db.conf', conf);
    img.file('/usr/lib/app/signing.pem', rsa.privateKey, 0o600);
    img.file('/etc/ssl/openssl.cnf', cnf);
    img.file('/var/lib/dpkg/status', `Package: app\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\nConffiles:\n /etc/app/db.conf ${md5(conf)}\n\nPackage: openssl\nStatus: install ok installed\nVersion: 3.0.15-1~deb12u1\nArchitecture: amd64\nConffiles:\n /etc/ssl/openssl.cnf ${md5(cnf)}\n`);
    img.file('/var/lib/dpkg/info/app.md5sums', `${md5(rsa.privateKey)}  usr/lib/app/signing.pem\n`);
    img.file('/var/lib/dpkg/info/app.list', '/etc/app/db.conf\n/usr/lib/app/signing.pem\n');
    img.file('/var/lib/dpkg/info/openssl.list', '/etc/ssl/openssl.cnf\n');
    const want = ['generic-password-assignment /etc/app/db.conf:2', 'generic-password-assignment /etc/ssl/openssl.cnf:2', 'private-key-pem /usr/lib/app/signing.pem:1'];
    assert.deepEqual(show(await scanSecrets(img.root)), want);
    // The archive of the package the image names vouches for openssl.cnf only: the forged app
    // lists are not in any archive, and a key rule is never waived.
    const asked: string[] = [];
    const archive: PackageArchive = {
      async fileDigests(p) {
        asked.push(`${p.name}=${p.version}/${p.architecture}`);
        if (p.name === 'openssl' && p.version === '3.0.15-1~deb12u1') return new Map([['/etc/ssl/openssl.cnf', md5(cnf)]]);
        if (p.name === 'app') return new Map([['/etc/app/db.conf', md5('[db]\n')]]);
        return undefined;
      },
    };
    const { findings, stats } = await scanSecretsDetailed(img.root, { packageArchive: archive });
    assert.deepEqual(show(findings), [want[0], want[2]]);
    assert.deepEqual(asked.sort(), ['app=1.0/amd64', 'openssl=3.0.15-1~deb12u1/amd64']);
    assert.equal(stats.pristinePackageHits, 1);
  } finally {
    img.cleanup();
  }
});

test("the image's dpkg records are read safely: a FIFO status or a linked info directory neither hangs the scan nor reads the host", { timeout: 30_000 }, async () => {
  const conf = `db_password = "${plant('Pw-' + rand(ALNUM, 14))}"\n`;
  const status = 'Package: app\nStatus: install ok installed\nVersion: 1.0\nArchitecture: amd64\n';
  const asked: string[] = [];
  const archive: PackageArchive = { fileDigests: async (p) => (asked.push(p.name), new Map([['/usr/lib/app/app.conf', md5(conf)]])) };
  for (const hostile of ['fifo-status', 'linked-info', 'fifo-md5sums'] as const) {
    const img = makeRootfs('gs-secrets-dpkg-');
    try {
      img.file('/usr/lib/app/app.conf', conf);
      img.dir('/var/lib/dpkg/info');
      // The host's copy of the list, which a followed link would read.
      writeFileSync(join(img.host, 'app.md5sums'), `${md5(conf)}  usr/lib/app/app.conf\n`);
      if (hostile === 'fifo-status') {
        execFileSync('mkfifo', [join(img.root, 'var/lib/dpkg/status')]);
        img.file('/var/lib/dpkg/info/app.md5sums', `${md5(conf)}  usr/lib/app/app.conf\n`);
      } else if (hostile === 'linked-info') {
        img.file('/var/lib/dpkg/status', status);
        rmSync(join(img.root, 'var/lib/dpkg/info'), { recursive: true });
        symlinkSync(img.host, join(img.root, 'var/lib/dpkg/info'));
      } else {
        img.file('/var/lib/dpkg/status', status);
        execFileSync('mkfifo', [join(img.root, 'var/lib/dpkg/info/app.md5sums')]);
      }
      const f = await scanSecrets(img.root, { packageArchive: archive });
      assert.deepEqual(show(f), ['generic-password-assignment /usr/lib/app/app.conf:1'], hostile);
    } finally {
      img.cleanup();
    }
  }
  assert.deepEqual(asked, []);
  // The same image with honest records and an agreeing archive: waived, so the claims do work.
  const img = makeRootfs('gs-secrets-dpkg-');
  try {
    img.file('/usr/lib/app/app.conf', conf);
    img.file('/var/lib/dpkg/status', status);
    img.file('/var/lib/dpkg/info/app.md5sums', `${md5(conf)}  usr/lib/app/app.conf\n`);
    assert.deepEqual(await scanSecrets(img.root, { packageArchive: archive }), []);
    assert.deepEqual(asked, ['app']);
  } finally {
    img.cleanup();
  }
});

test('docs/validation.md names every rule the scan can report', () => {
  const doc = readFileSync(join(process.cwd(), 'docs/validation.md'), 'utf8');
  const table = doc.slice(doc.indexOf('## Hygiene: secret scan'), doc.indexOf('### What is scanned'));
  const ids = [
    ...CONTENT_RULES.map((r) => r.id),
    'private-key-der', 'private-key-file-mode', 'ssh-host-key', 'ssl-snakeoil-key', 'shell-history', 'keystore-file', 'passwd-password-hash',
    'shadow-password-hash', 'shadow-empty-password', 'debconf-password', 'netrc-password', 'device-node', 'not-scanned',
  ];
  for (const id of ids) assert.ok(table.includes('`' + id + '`'), `${id} is not in the rule table`);
  // And no rule is emitted that the list above does not know: every rule id in the sources.
  const src = ['scan-secrets.ts', 'scan-text.ts', 'path-rules.ts'].map((f) => readFileSync(join(process.cwd(), 'src/pipeline/secrets', f), 'utf8')).join('\n');
  for (const m of src.matchAll(/rule: '([a-z0-9-]+)'/g)) assert.ok(ids.includes(m[1]!), `rule ${m[1]} is not documented`);
});

test('no planted secret appears in any finding', () => {
  assert.ok(planted.length >= 7 && all.length >= 30, `${planted.length} planted, ${all.length} findings`);
  const json = JSON.stringify(all);
  for (const s of planted) assert.ok(!json.includes(s), 'a planted secret leaked into a finding');
});
