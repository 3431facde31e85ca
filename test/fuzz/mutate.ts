import { stringify as toYaml } from 'yaml';
import { DEEP, deepArray, deepObject, hostileLeaves, PROTO_KEYS_JSON, unraw } from './payloads.js';
import type { Rng } from './prng.js';

type Json = unknown;
type Slot = { parent: Record<string, unknown> | unknown[]; key: string | number; value: Json };

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Every place a value sits in a document (iteratively: seeds are shallow, payloads are not walked). */
function slots(root: Json): Slot[] {
  const out: Slot[] = [];
  const stack: Json[] = [root];
  while (stack.length > 0 && out.length < 5000) {
    const v = stack.pop();
    if (Array.isArray(v)) v.forEach((x, i) => (out.push({ parent: v, key: i, value: x }), stack.push(x)));
    else if (isObj(v)) for (const [k, x] of Object.entries(v)) out.push({ parent: v, key: k, value: x }), stack.push(x);
  }
  return out;
}

function set(s: Slot, v: Json): void {
  (s.parent as Record<string | number, unknown>)[s.key] = v;
}

const LEAVES = hostileLeaves();

/** One structure-aware change at a random place in (a deep copy of) the document. */
export function mutateValue(seed: Json, rng: Rng, extra: readonly unknown[] = []): Json {
  const root: Json = structuredClone({ root: seed });
  const all = slots(root);
  const rounds = 1 + rng.int(3);
  for (let r = 0; r < rounds; r++) {
    const s = rng.pick(all);
    const op = rng.int(10);
    if (op <= 3) set(s, rng.chance(0.25) && extra.length ? rng.pick(extra) : rng.pick(LEAVES));
    else if (op === 4) {
      if (Array.isArray(s.parent)) s.parent.splice(Number(s.key), 1);
      else delete s.parent[s.key as string];
    } else if (op === 5) {
      const depth = rng.chance(0.5) ? DEEP : 80;
      const inner = toJsonText(s.value);
      set(s, rng.chance(0.5) ? deepArray(depth, inner) : deepObject(depth, String(s.key), inner));
    }
    else if (op === 6 && isObj(s.value)) Object.assign(s.value, JSON.parse(rng.pick(PROTO_KEYS_JSON)));
    else if (op === 7) set(s, typeof s.value === 'string' ? [s.value] : Array.isArray(s.value) ? { ...s.value } : typeof s.value === 'object' ? 'object' : String(s.value));
    else if (op === 8 && typeof s.value === 'string') set(s, s.value + rng.pick(['\u0000', '\uD800', '*'.repeat(50), 'x'.repeat(70_000), "'", '"', '\n---\n']));
    else if (op === 9 && Array.isArray(s.value) && s.value.length > 0) {
      // Many copies of a small member; a large one (an earlier payload) only a few times, so the case stays writable.
      const small = typeof s.value[0] !== 'object' || toJsonText(s.value[0]).length < 2000;
      set(s, new Array(small ? 20_000 : 3).fill(s.value[0]));
    }
    else set(s, rng.pick(LEAVES));
  }
  return (root as { root: Json }).root;
}

/** JSON text for a (possibly mutated) document, with raw numbers like 1e309 and -0 put back. */
export function toJsonText(v: Json): string {
  return unraw(JSON.stringify(v) ?? 'null');
}

/** YAML text, falling back to JSON (a YAML subset) when the value is too deep for the YAML writer. */
export function toYamlText(v: Json): string {
  try {
    return unraw(toYaml(v, { aliasDuplicateObjects: false, lineWidth: 0 }));
  } catch {
    return toJsonText(v);
  }
}

/** A billion-laughs document: each level refers to the previous one ten times. */
export function aliasBomb(levels = 12): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i < levels; i++) lines.push(`a${i}: &a${i} [${new Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  return lines.join('\n') + '\n';
}

/** Byte- and line-level damage to a text, as a truncated download or a hand edit would do. */
export function mutateText(text: string, rng: Rng): string {
  const at = rng.int(text.length + 1);
  switch (rng.int(11)) {
    case 0:
      return text.slice(0, at);
    case 1:
      return text.slice(0, at) + '\u0000' + text.slice(at);
    case 2:
      return text.slice(0, at) + String.fromCharCode(rng.int(0x10000)) + text.slice(at + 1);
    case 3: {
      const lines = text.split('\n');
      const i = rng.int(lines.length);
      lines.splice(i, 0, lines[i] ?? '');
      return lines.join('\n');
    }
    case 4:
      return aliasBomb(6 + rng.int(8)) + text;
    case 5:
      return text.slice(0, at) + '['.repeat(DEEP) + text.slice(at);
    case 6:
      return text.slice(0, at) + '{"a":'.repeat(5000) + text.slice(at);
    case 7:
      return rng.pick(['%YAML 1.1\n---\n', '!!binary |\n  AAAA\n', '--- !!set\n', '--- !!omap\n', '<<: *nope\n', '&a [*a]\n', '? [a]\n: b\n']) + text;
    case 8:
      return text.replace(/: /, ': &x ').replace(/\n(\s*)(\w+): [^\n]*$/m, '\n$1$2: *x');
    case 9:
      return '\uFEFF' + text;
    default:
      return text.slice(0, at) + text.slice(at).replace(/"[^"]*"/, `"${'\\u0000'.repeat(3)}${'y'.repeat(rng.int(2) ? 10 : 1_100_000)}"`);
  }
}
