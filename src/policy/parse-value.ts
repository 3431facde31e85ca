import { InputError } from '../errors/index.js';
import type { ValueNode } from './ast.js';
import type { ExprNode } from './expression/ast.js';
import { ExpressionSyntaxError, isExpressionString, parseExpression, unescapeLiteral } from './expression/parse-expression.js';
import { lookupFunction } from './expression/functions.js';
import type { AliasRegistry } from './aliases/index.js';

export const ptr = (base: string, key: string | number) => `${base}/${String(key).replace(/~/g, '~0').replace(/\//g, '~1')}`;

export function invalid(message: string, where: string): InputError {
  return new InputError('POLICY_INVALID', message, { where });
}

export interface ValueParseContext {
  aliases: AliasRegistry;
  /** Lower-cased declared parameter names; null when validating a bare rule with no declarations. */
  parameterNames: Set<string> | null;
}

/** Check an expression tree: known functions, arity, declared parameters, known aliases in field(). */
function checkExpr(node: ExprNode, source: string, where: string, ctx: ValueParseContext): void {
  if (node.kind === 'literal') return;
  if (node.kind === 'property') return checkExpr(node.object, source, where, ctx);
  if (node.kind === 'index') {
    checkExpr(node.object, source, where, ctx);
    return checkExpr(node.index, source, where, ctx);
  }
  const lname = node.name.toLowerCase();
  for (const a of node.args) checkExpr(a, source, where, ctx);
  const lit = node.args[0]?.kind === 'literal' ? node.args[0].value : undefined;
  if (lname === 'parameters') {
    if (node.args.length !== 1) throw invalid(`parameters() takes one argument in ${JSON.stringify(source)}`, where);
    if (typeof lit === 'string' && ctx.parameterNames && !ctx.parameterNames.has(lit.toLowerCase()))
      throw invalid(`parameters('${lit}') refers to a parameter the definition does not declare`, where);
    return;
  }
  if (lname === 'field') {
    if (node.args.length !== 1) throw invalid(`field() takes one argument in ${JSON.stringify(source)}`, where);
    if (typeof lit === 'string' && !ctx.aliases.resolve(lit))
      throw new InputError('POLICY_UNKNOWN_ALIAS', `unknown alias or field '${lit}' in field()`, { where });
    return;
  }
  if (lname === 'current') {
    if (node.args.length > 1) throw invalid('current() takes at most one argument', where);
    return;
  }
  const fn = lookupFunction(node.name);
  if (!fn) throw invalid(`unknown template function '${node.name}' in ${JSON.stringify(source)}`, where);
  if (node.args.length < fn.min || node.args.length > fn.max)
    throw invalid(`${node.name}() takes ${fn.min === fn.max ? fn.min : `${fn.min} to ${fn.max}`} arguments, got ${node.args.length}`, where);
}

export function parseExpressionString(s: string, where: string, ctx: ValueParseContext): ExprNode {
  let expr: ExprNode;
  try {
    expr = parseExpression(s.slice(1, -1));
  } catch (e) {
    if (e instanceof ExpressionSyntaxError) throw invalid(`malformed template expression ${JSON.stringify(s)}: ${e.message} at character ${e.pos + 1}`, where);
    throw e;
  }
  checkExpr(expr, s, where, ctx);
  return expr;
}

/** A JSON value from a definition: a "[...]" string becomes an expression; "[[" unescapes. */
export function parseValue(v: unknown, where: string, ctx: ValueParseContext): ValueNode {
  if (typeof v === 'string') {
    if (isExpressionString(v)) return { kind: 'expression', path: where, source: v, expr: parseExpressionString(v, where, ctx) };
    return { kind: 'literal', path: where, value: unescapeLiteral(v) };
  }
  return { kind: 'literal', path: where, value: v };
}

/** Validate every expression string nested in a JSON value (effect details). */
export function checkNestedExpressions(v: unknown, where: string, ctx: ValueParseContext, skip: (where: string) => boolean): void {
  if (skip(where)) return;
  if (typeof v === 'string') {
    if (isExpressionString(v)) parseExpressionString(v, where, ctx);
  } else if (Array.isArray(v)) v.forEach((x, i) => checkNestedExpressions(x, ptr(where, i), ctx, skip));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) checkNestedExpressions(x, ptr(where, k), ctx, skip);
}
