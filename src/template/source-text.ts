import { LineCounter, isMap, isPair, isScalar, isSeq, parseDocument, type Node } from 'yaml';
import { problem, segmentsOf, TEMPLATE_CODES, type Problem } from './problems.js';

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
  if (format === 'json') {
    try {
      JSON.parse(text);
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
  const value: unknown = doc.toJS({ maxAliasCount: 100 });
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
