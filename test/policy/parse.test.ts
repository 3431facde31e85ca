import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isGoldsmithError } from '../../src/errors/index.js';
import { parseExpression } from '../../src/policy/expression/parse-expression.js';
import { compileDefinition, parseDefinition } from '../../src/policy/index.js';

function refused(def: unknown, code: string, where: string, params?: Record<string, { value: unknown }>) {
  assert.throws(
    () => compileDefinition(def, params),
    (e: unknown) => {
      assert.ok(isGoldsmithError(e), String(e));
      assert.equal(e.code, code, e.message);
      assert.equal(e.where, where, e.message);
      return true;
    },
  );
}

const wrap = (cond: unknown, then: unknown = { effect: 'audit' }) => ({ properties: { mode: 'All', parameters: {}, policyRule: { if: cond, then } } });

describe('parseExpression', () => {
  it('parses calls, nested calls, property access and indexing', () => {
    assert.deepEqual(parseExpression("concat(parameters('a').b[0], 'x')"), {
      kind: 'call',
      name: 'concat',
      pos: 0,
      args: [
        { kind: 'index', pos: 24, object: { kind: 'property', name: 'b', pos: 23, object: { kind: 'call', name: 'parameters', pos: 7, args: [{ kind: 'literal', value: 'a', pos: 18 }] } }, index: { kind: 'literal', value: 0, pos: 25 } },
        { kind: 'literal', value: 'x', pos: 29 },
      ],
    });
  });
  it("unescapes '' inside string literals and reads negative numbers", () => {
    const n = parseExpression("concat('it''s', -3)");
    assert.equal(n.kind === 'call' && n.args[0]!.kind === 'literal' ? n.args[0].value : undefined, "it's");
    assert.equal(n.kind === 'call' && n.args[1]!.kind === 'literal' ? n.args[1].value : undefined, -3);
  });
  it('refuses bare identifiers, unterminated strings and trailing text', () => {
    assert.throws(() => parseExpression('true'), /must be called/);
    assert.throws(() => parseExpression("concat('a"), /unterminated/);
    assert.throws(() => parseExpression("concat('a') x"), /unexpected text/);
  });
});

describe('parseDefinition refuses bad definitions with the JSON path of the problem', () => {
  it('unknown operator', () => refused(wrap({ allOf: [{ field: 'type', equals: 'x' }, { field: 'name', startsWith: 'a' }] }), 'POLICY_INVALID', '/properties/policyRule/if/allOf/1/startsWith'));
  it('two operators', () => refused(wrap({ field: 'name', equals: 'a', in: ['b'] }), 'POLICY_INVALID', '/properties/policyRule/if'));
  it('missing operand', () => refused(wrap({ anyOf: [{ equals: 'a' }] }), 'POLICY_INVALID', '/properties/policyRule/if/anyOf/0'));
  it('count without field or value', () => refused(wrap({ count: { where: { field: 'name', equals: 'a' } }, equals: 0 }), 'POLICY_INVALID', '/properties/policyRule/if/count'));
  it('unknown effect', () => refused(wrap({ field: 'name', equals: 'a' }, { effect: 'Block' }), 'POLICY_INVALID', '/properties/policyRule/then/effect'));
  it('malformed expression', () => refused(wrap({ value: "[concat('a',]", equals: 'a' }), 'POLICY_INVALID', '/properties/policyRule/if/value'));
  it('unknown function', () => refused(wrap({ not: { value: "[reference('x')]", equals: 'a' } }), 'POLICY_INVALID', '/properties/policyRule/if/not/value'));
  it('unknown alias', () => refused(wrap({ field: 'Microsoft.Compute/virtualMachines/storageProfile2.x', equals: 'a' }), 'POLICY_UNKNOWN_ALIAS', '/properties/policyRule/if/field'));
  it('unknown alias in existenceCondition', () =>
    refused(wrap({ field: 'type', equals: 'x' }, { effect: 'auditIfNotExists', details: { type: 'T/t', existenceCondition: { field: 'Microsoft.Nope/x', equals: 1 } } }), 'POLICY_UNKNOWN_ALIAS', '/properties/policyRule/then/details/existenceCondition/field'));
  it('parameter with allowed values that are not effects', () =>
    refused({ properties: { parameters: { effect: { type: 'String', allowedValues: ['Audit', 'Shout'] } }, policyRule: { if: { field: 'name', equals: 'a' }, then: { effect: "[parameters('effect')]" } } } }, 'POLICY_INVALID', '/properties/parameters/effect'));
  it('wrong parameter type at assignment', () =>
    refused({ properties: { parameters: { n: { type: 'Integer' } }, policyRule: { if: { value: "[parameters('n')]", greater: 1 }, then: { effect: 'audit' } } } }, 'POLICY_PARAMETER_INVALID', '/n/value', { n: { value: '2' } }));
  it('parameter outside allowedValues at assignment', () =>
    refused({ properties: { parameters: { env: { type: 'String', allowedValues: ['prod', 'dev'] } }, policyRule: { if: { value: "[parameters('env')]", equals: 'prod' }, then: { effect: 'audit' } } } }, 'POLICY_PARAMETER_INVALID', '/env/value', { env: { value: 'test' } }));
  it('a bad default value is refused when the definition is created', () =>
    refused({ properties: { parameters: { n: { type: 'Array', defaultValue: 'x' } }, policyRule: { if: { value: 1, equals: 1 }, then: { effect: 'audit' } } } }, 'POLICY_INVALID', '/properties/parameters/n/defaultValue'));

  it('accepts a bare rule and Microsoft casing quirks', () => {
    const ast = parseDefinition({ If: { ANYOF: [{ Field: 'TYPE', NotEquals: 'x' }, { field: 'name', exists: 'True' }] }, Then: { Effect: 'AuditIfNotExists', details: { type: 'Microsoft.Compute/virtualMachines/extensions' } } });
    assert.equal(ast.if.kind, 'anyOf');
    assert.equal(ast.if.kind === 'anyOf' && ast.if.children[0]!.kind === 'condition' ? ast.if.children[0].operator : '', 'notEquals');
  });
});
