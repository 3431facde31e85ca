import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { inputShapeProblem, type InputLimits } from '../input/index.js';
import { problem, segmentsOf, TEMPLATE_CODES, type Problem } from './problems.js';

/**
 * Largest template file: a hand-written document (large scripts are referenced as files, not inlined).
 * Parsing with positions costs about 1 s per 250 KiB, so this also bounds the time a refusal takes.
 */
export const MAX_TEMPLATE_CHARS = 256 * 1024;

/** Templates nest a few levels; strings are names, paths and inline scripts. */
export const TEMPLATE_LIMITS: Readonly<InputLimits> = { maxDepth: 32, maxString: 256 * 1024, maxArray: 1000 };

/**
 * YAML aliases expand when the document becomes plain data; a "billion laughs" file of a few hundred
 * bytes expands to gigabytes. Templates have no use for more than a handful of aliases.
 */
export const MAX_YAML_ALIASES = 100;

export interface Position {
  line: number;
  col: number;
}

/** A parsed template file: its plain value and a way back from a JSON pointer to a line and column. */
export interface SourceText {
  value: unknown;
  /** Position of the field a pointer names (its key, for object members), or of its nearest existing parent. */
  locate(pointer: string): Position | undefined;
}

export type ParseResult = { ok: true; source: SourceText } | { ok: false; problems: Array<Problem & Partial<Position>> };

/**
 * Parse YAML or JSON keeping positions. JSON is parsed with JSON.parse first so syntax errors read
 * like JSON errors; the yaml CST (YAML 1.2 is a superset of JSON) then supplies positions for both.
 */
export function parseSourceText(text: string, format: 'yaml' | 'json'): ParseResult {
  const lineCounter = new LineCounter();
  if (text.length > MAX_TEMPLATE_CHARS) {
    return { ok: false, problems: [problem(TEMPLATE_CODES.tooLarge, '', `the template is ${text.length} characters long; the limit is ${MAX_TEMPLATE_CHARS}`)] };
  }
  if (format === 'json') {
    try {
      // The yaml parser below recurses per level: refuse deep JSON here, with the field named.
      const shape = inputShapeProblem(JSON.parse(text), TEMPLATE_LIMITS);
      if (shape) return { ok: false, problems: [problem(TEMPLATE_CODES.limit, shape.pointer, shape.message, { limit: shape.code })] };
    } catch (e) {
      const msg = (e as Error).message;
      const m = /position (\d+)/.exec(msg);
      const pos = m ? offsetToPosition(text, Number(m[1])) : yamlErrorPosition(text);
      return { ok: false, problems: [{ ...problem(TEMPLATE_CODES.parse, '', `invalid JSON: ${msg}`), ...pos }] };
    }
  }
  const doc = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false, strict: true });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      problems: doc.errors.map((err) => {
        const pos = lineCounter.linePos(err.pos[0]);
        return { ...problem(TEMPLATE_CODES.parse, '', `invalid ${format === 'json' ? 'JSON' : 'YAML'}: ${firstLine(err.message)}`), line: pos.line, col: pos.col };
      }),
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (e) {
    // The yaml package throws (a ReferenceError) for an alias bomb or an alias to an anchor defined later.
    const msg = /excessive alias count/i.test((e as Error).message)
      ? `the document expands more than ${MAX_YAML_ALIASES} YAML aliases (an alias bomb?)`
      : firstLine((e as Error).message);
    return { ok: false, problems: [problem(TEMPLATE_CODES.parse, '', `invalid ${format === 'json' ? 'JSON' : 'YAML'}: ${msg}`)] };
  }
  const locate = (pointer: string): Position | undefined => {
    let node: unknown = doc.contents;
    let at: number | undefined = rangeStart(node);
    for (const seg of segmentsOf(pointer)) {
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && keyText(p.key) === seg);
        if (!pair) break;
        at = rangeStart(pair.key) ?? rangeStart(pair.value) ?? at;
        node = pair.value;
      } else if (isSeq(node)) {
        const item = node.items[Number(seg)];
        if (item === undefined || !/^\d+$/.test(seg)) break;
        at = rangeStart(item) ?? at;
        node = item;
      } else break;
    }
    if (at === undefined) return undefined;
    const p = lineCounter.linePos(at);
    return { line: p.line, col: p.col };
  };
  const shape = inputShapeProblem(value, TEMPLATE_LIMITS);
  if (shape) {
    const pos = locate(shape.pointer);
    return { ok: false, problems: [{ ...problem(TEMPLATE_CODES.limit, shape.pointer, shape.message, { limit: shape.code }), ...pos }] };
  }
  return { ok: true, source: { value, locate } };
}

function keyText(key: unknown): string | undefined {
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function rangeStart(node: unknown): number | undefined {
  const range = (node as Node | null | undefined)?.range;
  return range ? range[0] : undefined;
}

function yamlErrorPosition(text: string): Position | undefined {
  const lc = new LineCounter();
  const err = parseDocument(text, { lineCounter: lc }).errors[0];
  return err ? lc.linePos(err.pos[0]) : undefined;
}

function firstLine(s: string): string {
  return s.split('\n')[0]!.trim();
}

function offsetToPosition(text: string, offset: number): Position {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  return { line, col: offset - before.lastIndexOf('\n') };
}
