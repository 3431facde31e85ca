import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { cliFor, REPO_ROOT } from '../support/cli.js';
import { aliasBomb } from './mutate.js';
import { callChain, DEEP, LIKE_BOMBS } from './payloads.js';

const scratch = mkdtempSync(join(tmpdir(), 'gs-fuzz-cli-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
const cli = cliFor(join(scratch, 'home'));
const file = (name: string, text: string) => {
  const p = join(scratch, name);
  writeFileSync(p, text);
  return p;
};

const example = readFileSync(join(REPO_ROOT, 'examples/hardened-debian.yaml'), 'utf8');
const vms = JSON.parse(readFileSync(join(REPO_ROOT, 'test/fleet/fixtures/az-vm-list.json'), 'utf8')) as Array<Record<string, unknown>>;
const osv = JSON.parse(readFileSync(join(REPO_ROOT, 'test/vuln/fixtures/dsa-5673-1.osv.json'), 'utf8')) as Record<string, unknown>;
const rule = (cond: unknown) => JSON.stringify({ if: cond, then: { effect: 'audit' } });
const vm = { type: 'Microsoft.Compute/virtualMachines', name: 'a'.repeat(30_000) };

/** [what, argv, what the error must name]: inputs that crashed (exit 70) or hung before. */
const CASES: Array<[string, string[], RegExp]> = [
  ['YAML alias bomb', ['template', 'validate', file('bomb.yaml', aliasBomb(12) + example)], /alias/],
  ['deep template JSON', ['template', 'validate', file('deep.json', `{"name": ${'['.repeat(DEEP)}${']'.repeat(DEEP)}}`)], /\/name/],
  ['NUL in a template', ['template', 'validate', file('nul.yaml', example.replace('description: ', 'description: "\\0" #'))], /NUL/],
  ['deep policy', ['policy', 'evaluate', '--definition', file('deep-def.json', `{"if": ${'{"not":'.repeat(DEEP)}{"field":"name","equals":"x"}${'}'.repeat(DEEP)}, "then": {"effect": "audit"}}`), '--resource', file('vm.json', JSON.stringify(vm))], /nested/],
  ['expression chain', ['policy', 'evaluate', '--definition', file('chain.json', rule({ value: callChain('concat', 5000), equals: 'a' })), '--resource', file('vm2.json', JSON.stringify(vm))], /nests more than/],
  ['NUL in a VM import', ['vm', 'import', file('vms.json', JSON.stringify([{ ...vms[0], name: 'x\u0000y' }]))], /\/0\/name/],
  ['__proto__ in a VM import', ['vm', 'import', file('proto.json', JSON.stringify(vms).replace('"tags":', '"__proto__": {"x": 1}, "tags":'))], /__proto__/],
  ['NUL in an OSV record', ['cve', 'import', file('nul.osv.json', JSON.stringify({ ...osv, summary: 'a\u0000b' }))], /\/summary/],
  ['huge string in an OSV record', ['cve', 'import', file('huge.osv.json', JSON.stringify({ ...osv, details: 'x'.repeat(2 * 1024 * 1024) }))], /\/details/],
];

for (const [what, argv, names] of CASES) {
  test(`fuzz (CLI): ${what} exits 65 with the field named, not 70`, () => {
    const t0 = performance.now();
    const r = cli(...argv);
    assert.equal(r.code, 65, `${what}: exit ${r.code}\n${r.stderr.slice(0, 2000)}`);
    assert.match(r.stderr, names);
    assert.doesNotMatch(r.stderr, /internal error/);
    assert.ok(performance.now() - t0 < 20_000);
  });
}

test('fuzz (CLI): like bombs evaluate to a result, quickly', () => {
  for (const p of LIKE_BOMBS) {
    const t0 = performance.now();
    const r = cli('policy', 'evaluate', '--definition', file('like.json', rule({ field: 'name', like: p })), '--resource', file('vm3.json', JSON.stringify(vm)), '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.json.applicable, false);
    assert.ok(performance.now() - t0 < 10_000);
  }
});

test('fuzz (CLI): an unexpected exception still ends with exit 70, a one-line summary that says it is a bug, and JSON with --json', () => {
  // A preload makes one string's toLowerCase throw, standing in for a bug no input should reach.
  const preload = 'data:text/javascript,const l=String.prototype.toLowerCase;String.prototype.toLowerCase=function(){if(String(this)==="BOOMEFFECT")throw new TypeError("boom");return l.call(this)}';
  const def = file('boom.json', rule({ field: 'name', equals: 'x' }).replace('"audit"', '"BOOMEFFECT"'));
  const r = spawnSync(process.execPath, ['--import', preload, join(REPO_ROOT, 'bin/goldsmith.js'), 'policy', 'evaluate', '--definition', def, '--resource', file('r.json', '{"type": "x"}'), '--json'], {
    cwd: REPO_ROOT,
    env: { ...process.env, GOLDSMITH_HOME: join(scratch, 'home2') },
    encoding: 'utf8',
  });
  assert.equal(r.status, 70);
  assert.match(r.stderr, /^goldsmith: internal error \(a bug in goldsmith; please report it with the command that caused it\): TypeError: boom\n/);
  assert.match(r.stderr, /at canonicalEffect/);
  assert.deepEqual(JSON.parse(r.stdout), { error: { code: 'INTERNAL', kind: 'internal', message: 'TypeError: boom' } });
});
