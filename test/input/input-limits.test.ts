import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkInputShape, INPUT_CODES, inputShapeProblem } from '../../src/input/index.js';

test('input limits: each limit is refused with its own code and the JSON pointer of the field', () => {
  const deep = JSON.parse(`{"a": [${'['.repeat(100_000)}${']'.repeat(100_000)}]}`) as unknown;
  assert.deepEqual(inputShapeProblem(deep, { maxDepth: 5, maxString: 10, maxArray: 10 })?.code, INPUT_CODES.tooDeep);
  assert.equal(inputShapeProblem(deep)?.pointer, '/a' + '/0'.repeat(63));
  assert.deepEqual(inputShapeProblem({ x: [1, { 'k/~': 'a\u0000b' }] }), {
    code: INPUT_CODES.nul,
    pointer: '/x/1/k~1~0',
    message: 'the string at x[1].k/~ contains a NUL character',
  });
  assert.equal(inputShapeProblem({ ['n\u0000']: 1 })?.code, INPUT_CODES.nul);
  assert.equal(inputShapeProblem({ s: 'x'.repeat(11) }, { maxDepth: 5, maxString: 10, maxArray: 10 })?.pointer, '/s');
  assert.equal(inputShapeProblem({ s: new Array(11).fill(0) }, { maxDepth: 5, maxString: 10, maxArray: 10 })?.code, INPUT_CODES.arrayTooLong);
  const proto = JSON.parse('{"a": {"__proto__": {"polluted": true}}}') as unknown;
  assert.deepEqual(inputShapeProblem(proto), { code: INPUT_CODES.forbiddenKey, pointer: '/a/__proto__', message: 'the key "__proto__" at a is not allowed' });
  // "constructor" and "prototype" are ordinary keys (tags use them); only __proto__ changes what an assignment does.
  assert.equal(inputShapeProblem({ constructor: { prototype: 1 } }), undefined);
  assert.equal(inputShapeProblem({ ok: ['fine', 1, null, true, { deeper: 'x' }] }), undefined);
});

test('input limits: checkInputShape throws an input error whose where is the document and the pointer', () => {
  assert.throws(
    () => checkInputShape({ vms: [{ name: 'a\u0000' }] }, 'vms.json', undefined, ':'),
    (e: Error & { code: string; kind: string; where: string }) =>
      e.code === INPUT_CODES.nul && e.kind === 'input' && e.where === 'vms.json:/vms/0/name' && /vms\.json: the string at vms\[0\]\.name/.test(e.message),
  );
});
