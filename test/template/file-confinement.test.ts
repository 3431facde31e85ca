import assert from 'node:assert/strict';
import { mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { readVerified } from '../../src/pipeline/customize/stage.js';
import { loadTemplate } from '../../src/template/index.js';
import { DISTRIBUTE_YAML, loadError, problemsOf, scratch, sha256 } from './support.js';

const HEAD = 'name: t\nsource: {publisher: debian, offer: debian-12, sku: minbase}\n';
const HOST_SECRET = 'host secret that must never be hashed or copied\n';
let hostDir: string;
let hostFile: string;

before(async () => {
  hostDir = await mkdtemp(join(tmpdir(), 'gs-host-'));
  hostFile = join(hostDir, 'signing-key.pem');
  await writeFile(hostFile, HOST_SECRET);
});
after(() => rm(hostDir, { recursive: true, force: true }));

const fileStep = (source: string, digest = sha256(HOST_SECRET)) =>
  `${HEAD}customize:\n  - type: file\n    name: f\n    source: ${source}\n    sha256: ${digest}\n    destination: /etc/x\n${DISTRIBUTE_YAML}`;

describe('template files stay inside the template directory', () => {
  it('refuses "..", an absolute host path and a symlink out, without hashing the target', async () => {
    const dir = await scratch({ 'inside.txt': 'ok\n' });
    await symlink(hostFile, join(dir, 'link.pem'));
    for (const source of ['../../etc/shadow', hostFile, 'link.pem', `sub/../../${hostDir.split('/').pop()}/signing-key.pem`]) {
      await writeFile(join(dir, 't.yaml'), fileStep(source));
      const e = await loadError(join(dir, 't.yaml'));
      const ps = problemsOf(e);
      assert.deepEqual(ps.map((p) => p.code), ['TEMPLATE_FILE_OUTSIDE'], `${source}: ${e.message}`);
      assert.match(ps[0]!.where, /\(\/customize\/0\/source\)$/);
      // The old behaviour printed "has sha256 <digest of the host file>": a digest oracle for any host path.
      assert.doesNotMatch(e.message, /has sha256/);
    }
  });

  it('an operator can allow another directory with GOLDSMITH_TEMPLATE_FILE_DIRS', async () => {
    const dir = await scratch({ 't.yaml': fileStep(hostFile) });
    const saved = process.env.GOLDSMITH_TEMPLATE_FILE_DIRS;
    process.env.GOLDSMITH_TEMPLATE_FILE_DIRS = hostDir;
    try {
      const t = await loadTemplate(join(dir, 't.yaml'));
      assert.equal(t.template.customize.length, 1);
    } finally {
      if (saved === undefined) delete process.env.GOLDSMITH_TEMPLATE_FILE_DIRS;
      else process.env.GOLDSMITH_TEMPLATE_FILE_DIRS = saved;
    }
  });

  it('the build reads files through the same rule (a template changed after validation)', async () => {
    const dir = await scratch({ 'ok.txt': 'fine\n' });
    await symlink(hostFile, join(dir, 'later-link'));
    await assert.rejects(readVerified(dir, 'later-link', sha256(HOST_SECRET), '/customize/0/source'), { code: 'TEMPLATE_FILE_OUTSIDE', where: '/customize/0/source' });
    await assert.rejects(readVerified(dir, '../x', sha256(HOST_SECRET), '/customize/0/source'), { code: 'TEMPLATE_FILE_OUTSIDE' });
    assert.equal((await readVerified(dir, 'ok.txt', sha256('fine\n'), '/customize/0/source')).toString(), 'fine\n');
  });
});
