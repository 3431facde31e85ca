import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkResourceDocument, compile, evaluate, parseDefinition, type AssignmentParameters } from '../../src/policy/index.js';
import { definitionOf, loadCases } from '../policy/cases.js';
import { fuzz, label, SCALE, summarize, type FuzzCase } from './harness.js';
import { mutateValue, toJsonText } from './mutate.js';
import { callChain, LIKE_BOMBS } from './payloads.js';
import { Rng } from './prng.js';

const CASES = loadCases().map(({ c }) => ({ definition: definitionOf(c), parameters: c.parameters, resource: c.resource, context: c.context }));

/** What `policy evaluate` does with its files: JSON text → parse → compile; resource check → evaluate. */
function runPolicy(defText: string, resource: unknown, parameters: unknown, context: unknown): void {
  const compiled = compile(parseDefinition(JSON.parse(defText)), parameters as AssignmentParameters | undefined);
  // evaluate() never throws for the resource's sake: a failure is an implicit-deny result.
  const r = evaluate(compiled, checkResourceDocument(resource, 'resource.json'), (context ?? { now: new Date('2026-01-01T00:00:00Z') }) as never);
  void r.complianceState;
  void r.reasons;
}

const OPERATOR_EXTRAS = [{ field: 'name', like: '*a*a*a*a*a*a*a*a*a*a*a*b' }, { field: 'name', match: '...........' }, { value: callChain('concat', 200), equals: 'a' }];

function* policyCases(n: number): Iterable<FuzzCase> {
  const rng = new Rng(0x90110c1e);
  for (let i = 0; i < n; i++) {
    const c = rng.pick(CASES);
    const what = rng.int(3);
    const def = what === 1 ? c.definition : mutateValue(c.definition, rng, OPERATOR_EXTRAS);
    const resource = what === 0 ? c.resource : mutateValue(c.resource, rng);
    const text = toJsonText(def);
    // The resource goes through JSON too, as it does from a file or the store.
    const resText = toJsonText(resource);
    yield {
      label: label(`#${i} ${what}`, what === 1 ? resText : text),
      run: () => runPolicy(text, JSON.parse(resText), c.parameters, c.context),
    };
  }
}

/** Patterns and expressions aimed at the matcher and the expression compiler, against long values. */
function* targetedCases(): Iterable<FuzzCase> {
  const victims = ['a'.repeat(30_000), 'a'.repeat(30_000) + 'b', 'ab'.repeat(10_000)];
  for (const op of ['like', 'notLike', 'match', 'matchInsensitively', 'contains', 'equals']) {
    for (const p of [...LIKE_BOMBS, '#'.repeat(5000), '.'.repeat(30_001), '?'.repeat(100)]) {
      for (const v of victims) {
        const def = { if: { field: 'name', [op]: p }, then: { effect: 'audit' } };
        yield { label: label(`${op}`, p), run: () => runPolicy(JSON.stringify(def), { type: 'Microsoft.Compute/virtualMachines', name: v }, undefined, undefined) };
      }
    }
  }
  for (const fn of ['concat', 'toLower', 'string', 'json', 'base64', 'not', 'array', 'first', 'createArray', 'length', 'if']) {
    for (const depth of [30, 65, 500, 20_000]) {
      const expr = fn === 'if' ? `[${'if(true(), '.repeat(depth)}1${', 2)'.repeat(depth)}]` : callChain(fn, depth);
      const def = { if: { value: expr, equals: 'a' }, then: { effect: 'audit' } };
      yield { label: label(`${fn}×${depth}`, expr), run: () => runPolicy(JSON.stringify(def), { type: 'x', name: 'n' }, undefined, undefined) };
    }
  }
  const chain = `[field('name')${'.a'.repeat(20_000)}]`;
  yield { label: 'property chain', run: () => runPolicy(JSON.stringify({ if: { value: chain, equals: 1 }, then: { effect: 'audit' } }), { type: 'x' }, undefined, undefined) };
  const index = `[createArray(1)${'[0]'.repeat(20_000)}]`;
  yield { label: 'index chain', run: () => runPolicy(JSON.stringify({ if: { value: index, equals: 1 }, then: { effect: 'audit' } }), { type: 'x' }, undefined, undefined) };
  // Found at FUZZ_SCALE=4: a field name with a newline (the alias path regex returned null) and json() of deep text.
  for (const field of ['Microsoft.Compute/virtualMachines/storageProfile\n.osDisk', 'tags' + '[*]'.repeat(50_000) + 'x', '[*]'.repeat(50_000)]) {
    yield { label: label('field', field), run: () => runPolicy(JSON.stringify({ if: { field, exists: true }, then: { effect: 'audit' } }), { type: 'x' }, undefined, undefined) };
  }
  for (const side of ['value', 'equals'] as const) {
    const deepJson = `[json('${'['.repeat(20_000)}${']'.repeat(20_000)}')]`;
    const cond = side === 'value' ? { value: deepJson, equals: 'x' } : { value: 'x', equals: deepJson };
    yield { label: `json() of deep text as ${side}`, run: () => runPolicy(JSON.stringify({ if: cond, then: { effect: 'audit' } }), { type: 'x' }, undefined, undefined) };
  }
  for (const amplifier of [
    "[padLeft('a', 1000000000)]",
    "[padLeft(field('name'), 400000000, 'bc')]",
    `[${'replace('.repeat(14)}field('name')${", '', 'aaaaaaaa')".repeat(14)}]`,
    `[${'concat('.repeat(40)}field('tags')${', field(\'tags\'))'.repeat(40)}]`,
    `[length(${'union('.repeat(30)}range(0, 10000)${', range(0, 10000))'.repeat(30)})]`,
    `[${"split(".repeat(10)}field('name')${", '')".repeat(10)}]`,
    "[json(concat(field('name'), field('name')))]",
  ]) {
    yield { label: label('amplifier', amplifier), run: () => runPolicy(JSON.stringify({ if: { value: amplifier, equals: 1 }, then: { effect: 'audit' } }), { type: 'x', name: 'abcd', tags: { a: 'b' } }, undefined, undefined) };
  }
}

test('fuzz: policy definitions and resources parse, compile and evaluate, or are refused with a typed error', async () => {
  const r = await fuzz('policy', policyCases(600 * SCALE));
  console.log(summarize(r));
  assert.deepEqual(r.findings, []);
  assert.ok(r.refused > 0 && r.ok > 0);
});

test('fuzz: like/match patterns, expression chains and amplifying functions finish quickly and never crash', async () => {
  const r = await fuzz('policy-targeted', targetedCases());
  console.log(summarize(r));
  assert.deepEqual(r.findings, []);
});

test('like and match without regexes agree with the regex translation they replaced, on random short inputs', async () => {
  const { likeMatcher, matchPattern } = await import('../../src/policy/values.js');
  const esc = (c: string) => c.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  const rng = new Rng(0x11e);
  const alphabet = ['a', 'B', 'b', '*', '#', '?', '.', '1', '-', '[', 'é', 'É'];
  let agreed = 0;
  for (let i = 0; i < 3000; i++) {
    const p = Array.from({ length: rng.int(7) }, () => rng.pick(alphabet)).join('');
    const v = Array.from({ length: rng.int(8) }, () => rng.pick(alphabet)).join('');
    const likeRe = new RegExp('^' + p.split('*').map(esc).join('[\\s\\S]*') + '$', 'i');
    assert.equal(likeMatcher(p)(v), likeRe.test(v), `like ${JSON.stringify(p)} on ${JSON.stringify(v)}`);
    for (const insensitive of [false, true]) {
      let src = '^';
      for (const c of p) src += c === '#' ? '[0-9]' : c === '?' ? '[A-Za-z]' : c === '.' ? '[\\s\\S]' : esc(c);
      const matchRe = new RegExp(src + '$', insensitive ? 'i' : '');
      assert.equal(matchPattern(p, insensitive).test(v), matchRe.test(v), `match ${JSON.stringify(p)} on ${JSON.stringify(v)}`);
    }
    agreed++;
  }
  assert.equal(agreed, 3000);
});
