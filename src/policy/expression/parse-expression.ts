import type { ExprNode } from './ast.js';

/** Why an expression could not be parsed; `pos` is the character offset inside the expression. */
export class ExpressionSyntaxError extends Error {
  constructor(
    message: string,
    readonly pos: number,
  ) {
    super(message);
  }
}

/**
 * Deepest nesting of calls, parentheses, indexes and property accesses in one expression. ARM
 * expressions in real definitions nest a handful of levels; the parser, checker and compiler recurse
 * per level, so without a limit `[concat(concat(…` 5,000 deep overflows the stack.
 */
export const MAX_EXPRESSION_DEPTH = 32;

type Token =
  | { t: 'ident'; v: string; pos: number }
  | { t: 'string'; v: string; pos: number }
  | { t: 'number'; v: number; pos: number }
  | { t: 'punct'; v: '(' | ')' | ',' | '.' | '[' | ']'; pos: number }
  | { t: 'end'; pos: number };

function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++;
    } else if (c === "'") {
      // ARM escapes a quote inside a string literal by doubling it.
      const start = i++;
      let v = '';
      for (;;) {
        if (i >= src.length) throw new ExpressionSyntaxError('unterminated string literal', start);
        if (src[i] === "'") {
          if (src[i + 1] === "'") {
            v += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        v += src[i++];
      }
      out.push({ t: 'string', v, pos: start });
    } else if ((c >= '0' && c <= '9') || (c === '-' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^-?[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'number', v: Number(m[0]), pos: i });
      i += m[0].length;
    } else if (/[A-Za-z_$]/.test(c)) {
      const m = /^[A-Za-z_$][A-Za-z0-9_$]*/.exec(src.slice(i))!;
      out.push({ t: 'ident', v: m[0], pos: i });
      i += m[0].length;
    } else if ('(),.[]'.includes(c)) {
      out.push({ t: 'punct', v: c as '(' | ')' | ',' | '.' | '[' | ']', pos: i });
      i++;
    } else {
      throw new ExpressionSyntaxError(`unexpected character '${c}'`, i);
    }
  }
  out.push({ t: 'end', pos: src.length });
  return out;
}

/**
 * Parse ARM template expression syntax (the text between the outer brackets): function calls,
 * string literals with '' escaping, integers, property access `.x` and indexing `[expr]`.
 * A bare identifier is not a value in ARM (true/false/null are functions), so it is refused.
 */
export function parseExpression(src: string): ExprNode {
  const toks = tokenize(src);
  let k = 0;
  const peek = () => toks[k]!;
  const expectPunct = (v: string) => {
    const t = toks[k]!;
    if (t.t !== 'punct' || t.v !== v) throw new ExpressionSyntaxError(`expected '${v}'`, t.pos);
    k++;
  };
  const tooDeep = (pos: number) =>
    new ExpressionSyntaxError(`the expression nests more than ${MAX_EXPRESSION_DEPTH} levels of calls, indexes and properties`, pos);
  const primary = (depth: number): ExprNode => {
    const t = toks[k++]!;
    if (depth > MAX_EXPRESSION_DEPTH) throw tooDeep(t.pos);
    if (t.t === 'string') return { kind: 'literal', value: t.v, pos: t.pos };
    if (t.t === 'number') return { kind: 'literal', value: t.v, pos: t.pos };
    if (t.t === 'ident') {
      const n = peek();
      if (n.t !== 'punct' || n.v !== '(') throw new ExpressionSyntaxError(`'${t.v}' must be called as a function, e.g. ${t.v}()`, t.pos);
      k++;
      const args: ExprNode[] = [];
      if (!(peek().t === 'punct' && (peek() as { v: string }).v === ')')) {
        for (;;) {
          args.push(postfix(depth + 1));
          const s = peek();
          if (s.t === 'punct' && s.v === ',') {
            k++;
            continue;
          }
          break;
        }
      }
      expectPunct(')');
      return { kind: 'call', name: t.v, args, pos: t.pos };
    }
    if (t.t === 'punct' && t.v === '(') {
      const inner = postfix(depth + 1);
      expectPunct(')');
      return inner;
    }
    throw new ExpressionSyntaxError(t.t === 'end' ? 'unexpected end of expression' : `unexpected '${(t as { v: unknown }).v}'`, t.pos);
  };
  const postfix = (depth: number): ExprNode => {
    let node = primary(depth);
    // Each access wraps the node once more, so a long chain `.a.a.a…` is as deep as nested calls.
    for (let chain = depth; ; chain++) {
      const t = peek();
      if (t.t === 'punct' && (t.v === '.' || t.v === '[') && chain >= MAX_EXPRESSION_DEPTH) throw tooDeep(t.pos);
      if (t.t === 'punct' && t.v === '.') {
        k++;
        const id = toks[k++]!;
        if (id.t !== 'ident') throw new ExpressionSyntaxError('expected a property name after "."', id.pos);
        node = { kind: 'property', object: node, name: id.v, pos: id.pos };
      } else if (t.t === 'punct' && t.v === '[') {
        k++;
        const index = postfix(chain + 1);
        expectPunct(']');
        node = { kind: 'index', object: node, index, pos: t.pos };
      } else return node;
    }
  };
  const node = postfix(1);
  if (peek().t !== 'end') throw new ExpressionSyntaxError(`unexpected text after the expression`, peek().pos);
  return node;
}

/** Is this JSON string a template expression? "[[" escapes a literal leading bracket. */
export function isExpressionString(s: string): boolean {
  return s.length >= 2 && s[0] === '[' && s[1] !== '[' && s[s.length - 1] === ']';
}

/** The literal a "[[..." string stands for. */
export function unescapeLiteral(s: string): string {
  return s.startsWith('[[') ? s.slice(1) : s;
}
