import { getProp } from './field-reader.js';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function keyOf(o: Obj, k: string): string {
  if (k in o) return k;
  return Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase()) ?? k;
}

/**
 * Write into a document along a resolved path, creating objects as needed. `*` applies to every
 * member of an existing array; a trailing `*` appends. `fn` gets the current value and returns the
 * new one, or `REMOVE`.
 */
export const REMOVE = Symbol('remove');
export function updatePath(doc: unknown, segs: string[], fn: (current: unknown) => unknown): void {
  const step = (node: unknown, i: number): void => {
    const s = segs[i]!;
    const last = i === segs.length - 1;
    if (s === '*') {
      if (!Array.isArray(node)) return;
      if (last) {
        const v = fn(undefined);
        if (v !== REMOVE) Array.isArray(v) ? node.push(...v) : node.push(v);
        return;
      }
      for (const el of node) step(el, i + 1);
      return;
    }
    if (!isObj(node)) return;
    const k = keyOf(node, s);
    if (last) {
      const v = fn(node[k]);
      if (v === REMOVE) delete node[k];
      else node[k] = v;
      return;
    }
    if (node[k] === undefined || node[k] === null) {
      if (segs[i + 1] === '*') node[k] = [];
      else node[k] = {};
    }
    step(node[k], i + 1);
  };
  if (segs.length) step(doc, 0);
}

export function readPath(doc: unknown, segs: string[]): unknown {
  let v = doc;
  for (const s of segs) {
    if (s === '*') return undefined;
    v = getProp(v, s);
  }
  return v;
}
