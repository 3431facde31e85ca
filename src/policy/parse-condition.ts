import { InputError } from '../errors/index.js';
import type { ConditionNode, OperandNode } from './ast.js';
import { canonicalOperator, parseExistsFlag } from './operators.js';
import { invalid, parseValue, ptr, type ValueParseContext } from './parse-value.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const LOGICAL = new Map<string, 'allOf' | 'anyOf' | 'not'>([['allof', 'allOf'], ['anyof', 'anyOf'], ['not', 'not']]);
const OPERANDS = new Set(['field', 'value', 'count']);

/** Parse a condition tree, accepting Microsoft's odd casings of every keyword. */
export function parseCondition(json: unknown, where: string, ctx: ValueParseContext): ConditionNode {
  if (!isObj(json)) throw invalid('a condition must be a JSON object', where);
  const keys = Object.keys(json);
  const logical = keys.filter((k) => LOGICAL.has(k.toLowerCase()));
  if (logical.length > 0) {
    if (keys.length !== 1) throw invalid(`a logical operator must be alone in its object; found ${keys.map((k) => `'${k}'`).join(', ')}`, where);
    const key = logical[0]!;
    const kind = LOGICAL.get(key.toLowerCase())!;
    const at = ptr(where, key);
    const body = json[key];
    if (kind === 'not') return { kind: 'not', path: where, child: parseCondition(body, at, ctx) };
    if (!Array.isArray(body) || body.length === 0) throw invalid(`${kind} needs a non-empty array of conditions`, at);
    return { kind, path: where, children: body.map((c, i) => parseCondition(c, ptr(at, i), ctx)) };
  }
  const operandKeys = keys.filter((k) => OPERANDS.has(k.toLowerCase()));
  const operatorKeys = keys.filter((k) => !OPERANDS.has(k.toLowerCase()));
  for (const k of operatorKeys) if (!canonicalOperator(k)) throw invalid(`unknown operator '${k}'`, ptr(where, k));
  if (operandKeys.length === 0) throw invalid('a condition needs one of field, value or count', where);
  if (operandKeys.length > 1) throw invalid(`a condition takes one of field, value or count, not ${operandKeys.join(' and ')}`, where);
  if (operatorKeys.length === 0) throw invalid('a condition needs an operator (equals, in, exists, …)', where);
  if (operatorKeys.length > 1) throw invalid(`a condition takes one operator, found ${operatorKeys.map((k) => `'${k}'`).join(' and ')}`, where);
  const opKey = operatorKeys[0]!;
  const operator = canonicalOperator(opKey)!;
  const opPath = ptr(where, opKey);
  const expected = parseValue(json[opKey], opPath, ctx);
  if (expected.kind === 'literal') {
    if (operator === 'exists' && parseExistsFlag(expected.value) === undefined)
      throw invalid(`exists takes true or false, got ${JSON.stringify(expected.value)}`, opPath);
    if ((operator === 'in' || operator === 'notIn') && !Array.isArray(expected.value))
      throw invalid(`${operator} takes an array of values`, opPath);
  }
  const operandKey = operandKeys[0]!;
  const operand = parseOperand(operandKey, json[operandKey], ptr(where, operandKey), ctx);
  return { kind: 'condition', path: where, operand, operator, expected };
}

function parseOperand(key: string, body: unknown, at: string, ctx: ValueParseContext): OperandNode {
  const k = key.toLowerCase();
  if (k === 'value') return { kind: 'value', path: at, value: parseValue(body, at, ctx) };
  if (k === 'field') {
    if (typeof body !== 'string' || body === '') throw invalid('field must be a non-empty string (a field name or alias)', at);
    const field = parseValue(body, at, ctx);
    if (field.kind === 'literal' && !ctx.aliases.resolve(body))
      throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias or field '${body}'`, { where: at });
    return { kind: 'field', path: at, field };
  }
  if (!isObj(body)) throw invalid('count must be an object with field or value', at);
  const ck = Object.keys(body);
  const find = (n: string) => ck.find((x) => x.toLowerCase() === n);
  for (const x of ck) if (!['field', 'value', 'name', 'where'].includes(x.toLowerCase())) throw invalid(`unknown property '${x}' in count`, ptr(at, x));
  const fk = find('field');
  const vk = find('value');
  const wk = find('where');
  const nk = find('name');
  if ((fk === undefined) === (vk === undefined)) throw invalid('count needs exactly one of field or value', at);
  const where = wk === undefined ? undefined : parseCondition(body[wk], ptr(at, wk), ctx);
  if (fk !== undefined) {
    const f = body[fk];
    if (typeof f !== 'string') throw invalid('count.field must be an array alias', ptr(at, fk));
    const r = ctx.aliases.resolve(f);
    if (!r) throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias '${f}' in count.field`, { where: ptr(at, fk) });
    if (!f.endsWith('[*]')) throw invalid(`count.field must be an array alias ending in [*], got '${f}'`, ptr(at, fk));
    if (nk !== undefined) throw invalid('name is only allowed in a value count', ptr(at, nk));
    return { kind: 'fieldCount', path: at, field: f, where };
  }
  let name: string | undefined;
  if (nk !== undefined) {
    const n = body[nk];
    if (typeof n !== 'string' || !/^[A-Za-z0-9]+$/.test(n)) throw invalid('count.name must be letters and digits', ptr(at, nk));
    name = n;
  }
  const value = parseValue(body[vk!], ptr(at, vk!), ctx);
  if (value.kind === 'literal' && !Array.isArray(value.value)) throw invalid('count.value must be an array or an expression returning one', ptr(at, vk!));
  if (value.kind === 'literal' && (value.value as unknown[]).length > 100) throw invalid('a value count iterates at most 100 members', ptr(at, vk!));
  return { kind: 'valueCount', path: at, value, name, where };
}
