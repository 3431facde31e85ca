import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { loadTemplate, loadTemplateText } from '../../src/template/index.js';
import { DISTRIBUTE_YAML, loadError, ROOT, scratch, sha256 } from './support.js';

const SCRIPT = '#!/bin/sh\necho hardening\n';

function yamlTemplate(scriptSha: string): string {
  return `name: demo
source: {publisher: debian, offer: debian-12, sku: minbase}
customize:
  - type: shell
    script: files/setup.sh
    sha256: ${scriptSha}
  - type: packages
    install: [curl=7.88.1-10+deb12u8]
  - name: banner
    type: shell
    inline: ["echo hi > /etc/issue"]
validate:
  checks:
    - type: file-exists
      path: /etc/issue
${DISTRIBUTE_YAML}`;
}

describe('loadTemplate', () => {
  it('loads the hardened-debian example with names, defaults and file digests', async () => {
    const l = await loadTemplate(join(ROOT, 'examples', 'hardened-debian.yaml'));
    assert.equal(l.format, 'goldsmith');
    assert.equal(l.template.name, 'hardened-debian');
    assert.equal(l.baseDir, join(ROOT, 'examples'));
    assert.match(l.digest, /^sha256:[0-9a-f]{64}$/);
    assert.deepEqual(
      l.template.customize.map((s) => s.type),
      ['packages', 'file', 'ca-certificate', 'shell', 'shell'],
    );
    assert.deepEqual(l.template.validate.checks.find((c) => c.name === 'root-login-disabled')?.repair, ['reapply-ssh-hardening']);
    assert.equal(l.template.distribute.versioning.scheme, 'latest');
  });

  it('fills defaults: step and check names from type and index, version latest, replicaCount 1, maxRepairAttempts 2', async () => {
    const dir = await scratch({ 'files/setup.sh': SCRIPT, 't.yaml': yamlTemplate(sha256(SCRIPT)) });
    const { template: t } = await loadTemplate(join(dir, 't.yaml'));
    assert.deepEqual(t.customize.map((s) => s.name), ['shell-1', 'packages-2', 'banner']);
    assert.equal(t.validate.checks[0]!.name, 'file-exists-1');
    assert.equal(t.source.version, 'latest');
    assert.equal(t.distribute.targetRegions[0]!.replicaCount, 1);
    assert.equal(t.validate.maxRepairAttempts, 2);
    assert.deepEqual(t.repair, {});
    assert.deepEqual(t.distribute.versioning, { scheme: 'latest' });
  });

  it('loads the same template written as JSON to the same model and digest', async () => {
    const dir = await scratch({ 'files/setup.sh': SCRIPT, 't.yaml': yamlTemplate(sha256(SCRIPT)) });
    const fromYaml = await loadTemplate(join(dir, 't.yaml'));
    const { parse } = await import('yaml');
    await writeFile(join(dir, 't.json'), JSON.stringify(parse(yamlTemplate(sha256(SCRIPT))), null, 2));
    const fromJson = await loadTemplate(join(dir, 't.json'));
    assert.deepEqual(fromJson.template, fromYaml.template);
    assert.equal(fromJson.digest, fromYaml.digest);
  });

  it('gives a stable digest that ignores key order and formatting', async () => {
    const dir = await scratch({ 'files/setup.sh': SCRIPT, 'a.yaml': yamlTemplate(sha256(SCRIPT)) });
    const reordered = `${DISTRIBUTE_YAML}validate:
  checks: [{path: /etc/issue, type: file-exists}]
customize:
  - {sha256: ${sha256(SCRIPT).toUpperCase()}, script: files/setup.sh, type: shell}
  - {install: [curl=7.88.1-10+deb12u8], type: packages}
  - {type: shell, name: banner, inline: ["echo hi > /etc/issue"]}
source: {sku: minbase, offer: debian-12, publisher: debian}
name: demo
`;
    await writeFile(join(dir, 'b.yaml'), reordered);
    const a = await loadTemplate(join(dir, 'a.yaml'));
    const b = await loadTemplate(join(dir, 'b.yaml'));
    assert.equal(a.digest, b.digest);
    assert.equal((await loadTemplate(join(dir, 'a.yaml'))).digest, a.digest);
  });

  it('changes the digest when a referenced script changes (with its pinned sha256)', async () => {
    const dir = await scratch({ 'files/setup.sh': SCRIPT, 't.yaml': yamlTemplate(sha256(SCRIPT)) });
    const before = await loadTemplate(join(dir, 't.yaml'));
    const edited = SCRIPT + 'echo more\n';
    await writeFile(join(dir, 'files/setup.sh'), edited);
    await writeFile(join(dir, 't.yaml'), yamlTemplate(sha256(edited)));
    const after = await loadTemplate(join(dir, 't.yaml'));
    assert.notEqual(after.digest, before.digest);
  });

  it('changes the digest when any field changes', async () => {
    const dir = await scratch({ 'files/setup.sh': SCRIPT });
    const a = await loadTemplateText(yamlTemplate(sha256(SCRIPT)), join(dir, 't.yaml'));
    const b = await loadTemplateText(yamlTemplate(sha256(SCRIPT)).replace('/etc/issue\n', '/etc/issue.net\n'), join(dir, 't.yaml'));
    assert.notEqual(a.digest, b.digest);
  });

  it('reports a missing template file as not-found', async () => {
    const e = await loadError(join(ROOT, 'examples', 'no-such-template.yaml'));
    assert.equal(e.code, 'TEMPLATE_NOT_FOUND');
    assert.equal(e.kind, 'not-found');
  });
});
