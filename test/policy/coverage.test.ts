import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { defaultAliases, EFFECTS, functionNames, OPERATORS, parseDefinition } from '../../src/policy/index.js';
import { CASES_DIR, definitionOf, loadCases, SHARED_DEFINITIONS } from './cases.js';
import { CONFORMANCE_ONLY, HAS_CONFORMANCE } from '../support/conformance.js';

/** Every .json file under dir, sorted. */
const walk = (dir: string): string[] =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((n) => n.endsWith('.json')).sort().map((n) => join(dir, n));

/** Every field name a definition mentions: field operands, count.field, and field('…') calls. */
function fieldsIn(v: unknown, out = new Set<string>()): Set<string> {
  if (typeof v === 'string') for (const m of v.matchAll(/field\('([^']+)'\)/gi)) out.add(m[1]!);
  else if (Array.isArray(v)) v.forEach((x) => fieldsIn(x, out));
  else if (v && typeof v === 'object')
    for (const [k, x] of Object.entries(v)) {
      if (k.toLowerCase() === 'field' && typeof x === 'string' && !x.startsWith('[')) out.add(x);
      fieldsIn(x, out);
    }
  return out;
}

// The external conformance suite: it needs Azure's definitions from the conformance data (CI always has them).
const shared = HAS_CONFORMANCE ? walk(SHARED_DEFINITIONS).map((p) => relative(SHARED_DEFINITIONS, p)).sort() : [];

describe('shared Azure built-in definitions', CONFORMANCE_ONLY, () => {
  it('are all present (the README lists twelve)', () => assert.equal(shared.length, 12));

  for (const file of shared) {
    it(`${file}: parses, and every alias it uses is in the alias table`, () => {
      const json = JSON.parse(readFileSync(join(SHARED_DEFINITIONS, file), 'utf8'));
      parseDefinition(json);
      const unknown = [...fieldsIn(json)].filter((f) => !defaultAliases.resolve(f));
      assert.deepEqual(unknown, []);
    });
  }

  it('each has a compliant and a non-compliant conformance case', () => {
    const byDef = new Map<string, Set<unknown>>();
    for (const { c } of loadCases())
      if (typeof c.definition === 'string' && !c.definition.startsWith('src:')) {
        const s = byDef.get(c.definition) ?? new Set();
        s.add(c.want.complianceState);
        byDef.set(c.definition, s);
      }
    for (const f of shared) {
      const states = byDef.get(f);
      assert.ok(states?.has('Compliant') && states.has('NonCompliant'), `${f} needs a Compliant and a NonCompliant case in ${CASES_DIR}`);
    }
  });

  it('case definitions that point into the shared folder exist', () => {
    for (const { c } of loadCases()) if (typeof c.definition === 'string') assert.ok(definitionOf(c), c.note);
  });
});

describe('conformance cases cover the language', CONFORMANCE_ONLY, () => {
  const all = loadCases().map(({ c }) => ({ c, text: JSON.stringify(definitionOf(c)) }));
  it('every template function', () => {
    const missing = functionNames().filter((f) => !all.some(({ text }) => new RegExp(`[\\[(,. ]${f}\\(`, 'i').test(text)));
    assert.deepEqual(missing, []);
  });
  it('every operator, as a condition key', () => {
    const missing = OPERATORS.filter((op) => !all.some(({ text }) => text.toLowerCase().includes(`"${op.toLowerCase()}":`)));
    assert.deepEqual(missing, []);
  });
  it('every effect, with an expected result', () => {
    const seen = new Set(all.map(({ c }) => c.want.effect?.toLowerCase()));
    assert.deepEqual(EFFECTS.filter((e) => !seen.has(e.toLowerCase())), []);
  });
});
