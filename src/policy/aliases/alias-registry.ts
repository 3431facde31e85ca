import type { AliasEntry, AliasTable, OpenAliasFamily } from './alias-table.js';
import { computeAliases } from './compute.js';
import { goldsmithAliases } from './goldsmith.js';
import { otherProviderAliases } from './other-providers.js';

/** A resolved property path. `segs` uses "*" for an `[*]` step. */
export interface FieldPath {
  root: 'resource' | 'computed' | 'fullName';
  segs: string[];
  text: string;
}

/** A field name resolved once at compile time: a path for every type it applies to. */
export interface ResolvedField {
  name: string;
  /** Paths for fields that apply to every resource type (name, type, tags…). */
  generic: FieldPath | null;
  /** Lower-cased resource type → path, for aliases. A type not listed reads nothing. */
  byType: Map<string, FieldPath> | null;
  hasStar: boolean;
  modifiable: boolean;
  isLocation: boolean;
}

export function parsePath(text: string): FieldPath {
  let root: FieldPath['root'] = 'resource';
  let t = text;
  if (t.startsWith('@computed.')) {
    root = 'computed';
    t = t.slice('@computed.'.length);
  }
  const segs: string[] = [];
  for (const part of t.split('.')) {
    // A name, then any number of trailing "[*]" (counted by hand: a regex here failed on newlines
    // and went quadratic on long runs of "[*]").
    let end = part.length;
    let stars = 0;
    while (end >= 3 && part.endsWith('[*]', end)) {
      end -= 3;
      stars++;
    }
    if (end > 0) segs.push(part.slice(0, end));
    for (let i = 0; i < stars; i++) segs.push('*');
  }
  return { root, segs, text };
}

function unquoteTag(inner: string): string {
  const t = inner.trim();
  if (t.length >= 2 && t.startsWith("'") && t.endsWith("'")) return t.slice(1, -1).replace(/''/g, "'");
  return t;
}

/** The fields Azure supports on every resource, independent of aliases. */
function genericField(name: string): FieldPath | undefined {
  const lower = name.toLowerCase();
  if (['name', 'type', 'kind', 'location', 'id', 'tags'].includes(lower)) return { root: 'resource', segs: [lower], text: lower };
  if (lower === 'fullname') return { root: 'fullName', segs: [], text: 'fullName' };
  if (lower === 'identity.type') return { root: 'resource', segs: ['identity', 'type'], text: 'identity.type' };
  const bracket = /^tags\[(.*)\]$/is.exec(name);
  if (bracket) {
    const key = unquoteTag(bracket[1]!);
    return { root: 'resource', segs: ['tags', key], text: `tags['${key}']` };
  }
  const dotted = /^tags\.(.+)$/is.exec(name);
  if (dotted) return { root: 'resource', segs: ['tags', dotted[1]!], text: `tags['${dotted[1]}']` };
  return undefined;
}

export class AliasRegistry {
  private readonly exact = new Map<string, AliasEntry>();
  private readonly open: OpenAliasFamily[];
  private readonly cache = new Map<string, ResolvedField | null>();

  constructor(tables: AliasTable[]) {
    for (const t of tables) for (const a of t.aliases) this.exact.set(a.name.toLowerCase(), a);
    // Longest prefix first, so ".../virtualMachines/extensions/" wins over ".../virtualMachines/".
    this.open = tables.flatMap((t) => t.open).sort((a, b) => b.prefix.length - a.prefix.length);
  }

  /** Resolve a field name (generic field or alias, any casing); undefined when unknown. */
  resolve(name: string): ResolvedField | undefined {
    const key = name.toLowerCase();
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit ?? undefined;
    const r = this.resolveUncached(name);
    this.cache.set(key, r ?? null);
    return r;
  }

  private resolveUncached(name: string): ResolvedField | undefined {
    const g = genericField(name);
    if (g) return { name, generic: g, byType: null, hasStar: false, modifiable: g.segs[0] === 'tags', isLocation: g.text === 'location' };
    const lower = name.toLowerCase();
    const e = this.exact.get(lower);
    if (e) {
      const byType = new Map(Object.entries(e.paths).map(([t, p]) => [t.toLowerCase(), parsePath(p)]));
      return { name, generic: null, byType, hasStar: name.includes('[*]'), modifiable: !!e.modifiable, isLocation: false };
    }
    for (const fam of this.open) {
      if (!lower.startsWith(fam.prefix.toLowerCase())) continue;
      const suffix = name.slice(fam.prefix.length);
      const sl = suffix.toLowerCase();
      for (const [root, path] of Object.entries(fam.roots)) {
        const rl = root.toLowerCase();
        if (sl === rl || sl.startsWith(rl + '.') || sl.startsWith(rl + '[')) {
          const p = parsePath(path + suffix.slice(root.length));
          return { name, generic: null, byType: new Map([[fam.type.toLowerCase(), p]]), hasStar: name.includes('[*]'), modifiable: !!fam.modifiable, isLocation: false };
        }
      }
      return undefined;
    }
    return undefined;
  }

  /** Every explicitly listed alias name (open families are documented by prefix and roots). */
  aliasNames(): string[] {
    return [...this.exact.values()].map((a) => a.name);
  }

  openFamilies(): readonly OpenAliasFamily[] {
    return this.open;
  }
}

/** The shipped tables; extend with `new AliasRegistry([...DEFAULT_ALIAS_TABLES, yourTable])`. */
export const DEFAULT_ALIAS_TABLES: readonly AliasTable[] = [computeAliases, otherProviderAliases, goldsmithAliases];
export const defaultAliases = new AliasRegistry([...DEFAULT_ALIAS_TABLES]);
