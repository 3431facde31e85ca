import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { InputError, IntegrityError } from '../../src/errors/index.js';
import { templateError, type LocatedProblem } from '../../src/template/problems.js';
import { DISTRIBUTE_YAML, loadError, problemsOf, scratch, sha256 } from './support.js';

const HEAD = 'name: t\nsource: {publisher: debian, offer: debian-12, sku: minbase}\n';

/** Write a template (and files) and return the single problem it produces. */
async function onlyProblem(yaml: string, files: Record<string, string> = {}) {
  const dir = await scratch({ ...files, 't.yaml': yaml });
  const e = await loadError(join(dir, 't.yaml'));
  const ps = problemsOf(e);
  assert.equal(ps.length, 1, `expected one problem, got: ${e.message}`);
  return { e, p: ps[0]!, file: join(dir, 't.yaml') };
}

describe('template errors', () => {
  it('rejects malformed YAML with its line', async () => {
    const { e, file } = await onlyProblem(`${HEAD}customize:\n  - type: shell\n   inline: [x]\n`);
    assert.equal(e.code, 'TEMPLATE_PARSE');
    assert.ok(e instanceof InputError);
    assert.match(e.where ?? '', new RegExp(`^${file}:5:`));
  });

  it('rejects malformed JSON with its line', async () => {
    const dir = await scratch({ 't.json': '{\n  "name": "t",\n  "source": {,\n}\n' });
    const e = await loadError(join(dir, 't.json'));
    assert.equal(e.code, 'TEMPLATE_PARSE');
    assert.match(e.where ?? '', /t\.json:3:/);
  });

  it('reports a schema violation with file:line:col and JSON pointer of the field', async () => {
    const { e, p, file } = await onlyProblem(`${HEAD}customize:\n  - type: file\n    source: a\n    destination: /a\n    sha256: not-a-digest\n${DISTRIBUTE_YAML}`, { a: 'x' });
    assert.equal(e.code, 'TEMPLATE_INVALID');
    assert.equal(p.where, `${file}:7:5 (/customize/0/sha256)`);
    assert.match(e.message, /customize\[0\]\.sha256 must be a sha256/);
  });

  it('names an unknown field at its own line', async () => {
    const { p } = await onlyProblem(`${HEAD}${DISTRIBUTE_YAML}  colour: red\n`);
    assert.equal(p.code, 'TEMPLATE_INVALID');
    assert.match(p.where, /t\.yaml:8:3 \(\/distribute\/colour\)$/);
    assert.match(p.message, /unknown field "colour"/);
  });

  it('rejects an unpinned package unless allowUnpinned', async () => {
    const yaml = (allow: string) => `${HEAD}customize:\n  - type: packages\n${allow}    install:\n      - jq=1.6-2.1\n      - curl\n${DISTRIBUTE_YAML}`;
    const { e, p } = await onlyProblem(yaml(''));
    assert.equal(e.code, 'TEMPLATE_UNPINNED_PACKAGE');
    assert.match(p.where, /t\.yaml:7:9 \(\/customize\/0\/install\/1\)$/);
    assert.match(e.message, /"curl" is not pinned/);
    const dir = await scratch({ 't.yaml': yaml('    allowUnpinned: true\n') });
    const { loadTemplate } = await import('../../src/template/index.js');
    assert.equal((await loadTemplate(join(dir, 't.yaml'))).template.customize[0]!.type, 'packages');
  });

  it('rejects a referenced file that does not exist', async () => {
    const { e, p } = await onlyProblem(`${HEAD}customize:\n  - type: shell\n    script: scripts/missing.sh\n    sha256: ${'a'.repeat(64)}\n${DISTRIBUTE_YAML}`);
    assert.equal(e.code, 'TEMPLATE_FILE_MISSING');
    assert.match(p.where, /t\.yaml:5:5 \(\/customize\/0\/script\)$/);
    assert.match(e.message, /scripts\/missing\.sh/);
  });

  it('rejects a checksum mismatch as an integrity error showing expected and actual', async () => {
    const pinned = sha256('old\n');
    const { e, p } = await onlyProblem(`${HEAD}customize:\n  - type: ca-certificate\n    source: ca.pem\n    sha256: ${pinned}\n${DISTRIBUTE_YAML}`, { 'ca.pem': 'new\n' });
    assert.equal(e.code, 'TEMPLATE_CHECKSUM_MISMATCH');
    assert.ok(e instanceof IntegrityError);
    assert.match(p.where, /t\.yaml:6:5 \(\/customize\/0\/sha256\)$/);
    assert.equal(p.expected, pinned);
    assert.equal(p.actual, sha256('new\n'));
    assert.ok(e.message.includes(pinned) && e.message.includes(sha256('new\n')));
  });

  it('rejects a check bound to an unknown repair', async () => {
    const { e, p } = await onlyProblem(`${HEAD}validate:\n  checks:\n    - type: tattoo-complete\n      repair: [fix-tattoo]\n${DISTRIBUTE_YAML}`);
    assert.equal(e.code, 'TEMPLATE_UNKNOWN_REPAIR');
    assert.match(p.where, /t\.yaml:6:16 \(\/validate\/checks\/0\/repair\/0\)$/);
  });

  it('rejects duplicate step names, including a name that collides with a default', async () => {
    const { e, p } = await onlyProblem(`${HEAD}customize:\n  - type: shell\n    inline: [a]\n  - name: shell-1\n    type: shell\n    inline: [b]\n${DISTRIBUTE_YAML}`);
    assert.equal(e.code, 'TEMPLATE_DUPLICATE_NAME');
    assert.match(p.where, /t\.yaml:6:5 \(\/customize\/1\/name\)$/);
  });

  it('rejects invalid version strings', async () => {
    const explicit = await onlyProblem(`${HEAD}${DISTRIBUTE_YAML}  versioning: {scheme: explicit, version: "1.2"}\n`);
    assert.equal(explicit.e.code, 'TEMPLATE_INVALID_VERSION');
    assert.match(explicit.p.where, /t\.yaml:8:34 \(\/distribute\/versioning\/version\)$/);
    const source = await onlyProblem(`name: t\nsource: {publisher: debian, offer: debian-12, sku: minbase, version: newest}\n${DISTRIBUTE_YAML}`);
    assert.equal(source.e.code, 'TEMPLATE_INVALID_VERSION');
    assert.match(source.p.where, /\(\/source\/version\)$/);
    const pkg = await onlyProblem(`${HEAD}customize:\n  - type: packages\n    install: ["curl=!bad"]\n${DISTRIBUTE_YAML}`);
    assert.equal(pkg.e.code, 'TEMPLATE_INVALID_VERSION');
  });

  it('rejects relative destinations and check paths', async () => {
    const { e, p } = await onlyProblem(`${HEAD}customize:\n  - type: file\n    source: a\n    destination: etc/motd\n    sha256: ${sha256('x')}\n${DISTRIBUTE_YAML}`, { a: 'x' });
    assert.equal(e.code, 'TEMPLATE_RELATIVE_PATH');
    assert.match(p.where, /t\.yaml:6:5 \(\/customize\/0\/destination\)$/);
    const check = await onlyProblem(`${HEAD}validate:\n  checks: [{type: file-absent, path: "/etc/../shadow"}]\n${DISTRIBUTE_YAML}`);
    assert.equal(check.e.code, 'TEMPLATE_RELATIVE_PATH');
  });

  it('reports every problem at once, in file order, under TEMPLATE_PROBLEMS', async () => {
    const yaml = `${HEAD}customize:
  - type: packages
    install: [curl]
  - type: shell
    script: gone.sh
    sha256: ${'b'.repeat(64)}
  - type: file
    source: a
    destination: relative/path
    sha256: ${sha256('x')}
validate:
  checks:
    - type: command
      run: "true"
      repair: [nope]
${DISTRIBUTE_YAML}`;
    const dir = await scratch({ a: 'x', 't.yaml': yaml });
    const e = await loadError(join(dir, 't.yaml'));
    assert.equal(e.code, 'TEMPLATE_PROBLEMS');
    assert.ok(e instanceof InputError);
    const ps = problemsOf(e);
    assert.deepEqual(
      ps.map((p) => p.code),
      ['TEMPLATE_UNPINNED_PACKAGE', 'TEMPLATE_FILE_MISSING', 'TEMPLATE_RELATIVE_PATH', 'TEMPLATE_UNKNOWN_REPAIR'],
    );
    assert.deepEqual(
      ps.map((p) => Number(/:(\d+):\d+ /.exec(p.where)?.[1])),
      [5, 7, 11, 17],
    );
    for (const p of ps) assert.ok(e.message.includes(p.where), `message lists ${p.where}`);
  });

  it('reports several schema violations together', async () => {
    const dir = await scratch({ 't.yaml': `name: "bad name!"\nsource: {publisher: debian}\ncustomize: [{type: docker}]\n` });
    const e = await loadError(join(dir, 't.yaml'));
    const ps = problemsOf(e);
    assert.equal(e.code, 'TEMPLATE_PROBLEMS');
    const pointers = ps.map((p) => p.pointer);
    for (const want of ['', '/name', '/source', '/customize/0/type']) assert.ok(pointers.includes(want), `problem at ${want || '/'}: ${e.message}`);
    assert.ok(ps.every((p) => p.code === 'TEMPLATE_INVALID'));
  });

  it('rejects a bad regular expression, cron expression and end-of-life date, each with its code', async () => {
    const yaml = `${HEAD}validate:
  checks:
    - {type: file-contains, path: /etc/motd, pattern: "(unclosed"}
${DISTRIBUTE_YAML}  endOfLifeDate: "2027-02-31"
schedule: {cron: "every monday"}
`;
    const dir = await scratch({ 't.yaml': yaml });
    const e = await loadError(join(dir, 't.yaml'));
    assert.deepEqual(problemsOf(e).map((p) => [p.code, p.pointer]), [
      ['TEMPLATE_INVALID_PATTERN', '/validate/checks/0/pattern'],
      ['TEMPLATE_INVALID_DATE', '/distribute/endOfLifeDate'],
      ['TEMPLATE_INVALID_CRON', '/schedule/cron'],
    ]);
  });

  it('reports several checksum mismatches alone under their own integrity code, mixed ones under TEMPLATE_PROBLEMS', () => {
    const at = (line: number, code: LocatedProblem['code']): LocatedProblem => ({ code, message: 'm', pointer: `/customize/${line}`, where: `t.yaml:${line}:1`, line });
    const checksums = templateError([at(9, 'TEMPLATE_CHECKSUM_MISMATCH'), at(4, 'TEMPLATE_CHECKSUM_MISMATCH')]);
    assert.ok(checksums instanceof IntegrityError);
    assert.equal(checksums.code, 'TEMPLATE_CHECKSUM_MISMATCH');
    assert.deepEqual((checksums.data!.problems as Array<{ where: string }>).map((p) => p.where), ['t.yaml:4:1', 't.yaml:9:1']);
    const mixed = templateError([at(9, 'TEMPLATE_CHECKSUM_MISMATCH'), at(4, 'TEMPLATE_UNPINNED_PACKAGE')]);
    assert.ok(mixed instanceof InputError);
    assert.equal(mixed.code, 'TEMPLATE_PROBLEMS');
  });
});
