import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { definitionOf, loadCases } from './cases.js';
import { CONFORMANCE_ONLY } from '../support/conformance.js';

// The bin runs the compiled CLI in dist/ (build with `npx tsc -p .` first; `npm test` does).
const root = fileURLToPath(new URL('../../', import.meta.url)).replace(/\/dist\/$/, '/');
const bin = join(root, 'bin/goldsmith.js');
const built = existsSync(join(root, 'dist/src/cli/policy.js'));

function cli(args: string[]) {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', cwd: root, env: { ...process.env, GOLDSMITH_HOME: mkdtempSync(join(tmpdir(), 'gs-policy-')) } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('goldsmith policy (CLI)', { skip: built ? false : 'dist/ is not built; run `npx tsc -p .`' }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'gs-policy-cases-'));
  const pick = (note: string) => {
    const hit = loadCases().find(({ c }) => c.note === note);
    assert.ok(hit, note);
    return hit.c;
  };

  for (const note of ['allowed sizes: unlisted size denied', 'linux baseline: compliant with the default parameter hash', 'trusted launch: disabled by parameter']) {
    it(`evaluate --json: ${note}`, CONFORMANCE_ONLY, () => {
      const c = pick(note);
      const slug = note.replace(/\W+/g, '-');
      const f = (n: string, v: unknown) => {
        const p = join(dir, `${slug}-${n}.json`);
        writeFileSync(p, JSON.stringify(v));
        return p;
      };
      const args = ['policy', 'evaluate', '--definition', f('def', definitionOf(c)), '--resource', f('res', c.resource), '--json'];
      if (c.parameters) args.push('--parameters', f('params', c.parameters));
      if (c.related) args.push('--related', f('related', c.related));
      const r = cli(args);
      assert.equal(r.code, 0, r.err);
      const out = JSON.parse(r.out);
      // The contract prints the effect in lower case.
      assert.deepEqual({ applicable: out.applicable, effect: out.effect, complianceState: out.complianceState }, { ...c.want, effect: c.want.effect!.toLowerCase() });
      assert.ok(Array.isArray(out.reasons) && out.reasons.length > 0);
      assert.ok(Array.isArray(out.trace));
    });
  }

  it('validate names the JSON path of a bad operator and exits 65', () => {
    const p = join(dir, 'bad.json');
    writeFileSync(p, JSON.stringify({ properties: { policyRule: { if: { allOf: [{ field: 'type', equals: 'x' }, { field: 'name', startsWith: 'a' }] }, then: { effect: 'deny' } } } }));
    const r = cli(['policy', 'validate', p, '--json']);
    assert.equal(r.code, 65);
    const out = JSON.parse(r.out);
    assert.equal(out.error.code, 'POLICY_INVALID');
    assert.equal(out.error.where, '/properties/policyRule/if/allOf/1/startsWith');
  });

  it('evaluate refuses a wrong parameter type', CONFORMANCE_ONLY, () => {
    const def = join(dir, 'skus.json');
    writeFileSync(def, JSON.stringify(definitionOf(pick('allowed sizes: unlisted size denied'))));
    const res = join(dir, 'vm.json');
    writeFileSync(res, JSON.stringify(pick('allowed sizes: unlisted size denied').resource));
    const params = join(dir, 'p.json');
    writeFileSync(params, JSON.stringify({ listOfAllowedSKUs: { value: 'Standard_D2s_v5' } }));
    const r = cli(['policy', 'evaluate', '--definition', def, '--resource', res, '--parameters', params, '--json']);
    assert.equal(r.code, 65);
    assert.equal(JSON.parse(r.out).error.code, 'POLICY_PARAMETER_INVALID');
  });
});
