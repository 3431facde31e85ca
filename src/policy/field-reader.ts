import { parseId } from '../arm/index.js';
import type { FieldPath, ResolvedField } from './aliases/index.js';
import type { Env } from './runtime.js';
import type { Resource } from './types.js';

/** Values of a `[*]` path: the condition must hold for every one (none at all satisfies it). */
export class Many {
  constructor(readonly items: unknown[]) {}
}

/** Own property lookup that falls back to a case-insensitive match (ARM property names ignore case). */
export function getProp(obj: unknown, key: string): unknown {
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  const v = o[key];
  if (v !== undefined || Object.prototype.hasOwnProperty.call(o, key)) return v;
  const kl = key.toLowerCase();
  for (const k in o) if (k.toLowerCase() === kl) return o[k];
  return undefined;
}

function collect(v: unknown, segs: string[], i: number, out: unknown[]): void {
  for (; i < segs.length; i++) {
    const s = segs[i]!;
    if (s === '*') {
      if (!Array.isArray(v)) return;
      for (const el of v) collect(el, segs, i + 1, out);
      return;
    }
    v = getProp(v, s);
  }
  out.push(v);
}

function readSingle(v: unknown, segs: string[]): unknown {
  for (let i = 0; i < segs.length && v !== undefined; i++) v = getProp(v, segs[i]!);
  return v;
}

/** A resource's full name: its name with any parent resource names before it ("vm1/ext1"). */
export function fullNameOf(r: Resource): unknown {
  const id = r.id;
  const names = typeof id === 'string' ? parseId(id)?.path?.names : undefined;
  return names ? names.join('/') : r.name;
}

/** Where a plan starts: the resource, the computed facts, or the current member of count scope N. */
export type PlanBase = 'resource' | 'computed' | 'fullName' | number;
export interface Plan {
  base: PlanBase;
  segs: string[];
  star: boolean;
  /** For explanations: the absolute ARM path, or "current(<alias>)…" inside a count. */
  text: string;
}

/** What a count scope knows at compile time, for relativizing field references inside `where`. */
export type ScopeInfo =
  | { kind: 'field'; alias: string; absByType: Map<string, FieldPath> | null; absGeneric: FieldPath | null }
  | { kind: 'value'; name: string };

function relativize(p: FieldPath, scopes: ScopeInfo[], type: string | null): Plan {
  for (let i = scopes.length - 1; i >= 0; i--) {
    const s = scopes[i]!;
    if (s.kind !== 'field') continue;
    const sp = type === null ? s.absGeneric : s.absByType?.get(type) ?? null;
    if (!sp || sp.root !== p.root || sp.segs.length > p.segs.length) continue;
    if (sp.segs.every((x, k) => x.toLowerCase() === p.segs[k]!.toLowerCase())) {
      const segs = p.segs.slice(sp.segs.length);
      return { base: i, segs, star: segs.includes('*'), text: `current('${s.alias}')${segs.length ? '.' + segs.join('.').replace(/\.\*/g, '[*]') : ''}` };
    }
  }
  const base: PlanBase = p.root === 'computed' ? 'computed' : p.root === 'fullName' ? 'fullName' : 'resource';
  return { base, segs: p.segs, star: p.segs.includes('*'), text: p.root === 'computed' ? `(computed) ${p.text.replace('@computed.', '')}` : p.text };
}

export interface FieldReader {
  /** The value, or Many for `[*]` paths. */
  read(env: Env): unknown;
  /** The plan used for this env's resource type (for explanations); undefined when the alias does not apply. */
  plan(env: Env): Plan | undefined;
}

function runPlan(plan: Plan, env: Env, fromFn: boolean): unknown {
  const base =
    plan.base === 'resource' ? (fromFn ? env.fnResource : env.resource)
    : plan.base === 'computed' ? env.ctx.computed
    : plan.base === 'fullName' ? fullNameOf(fromFn ? env.fnResource : env.resource)
    : env.scopes[plan.base];
  if (!plan.star) return readSingle(base, plan.segs);
  const out: unknown[] = [];
  collect(base, plan.segs, 0, out);
  return new Many(out);
}

const EMPTY = new Many([]);

/**
 * Compile a resolved field into a reader: the alias → path lookup per resource type happens once
 * here, so evaluation is a map lookup and a walk. `fromFn` reads the resource field() refers to.
 */
export function compileFieldReader(f: ResolvedField, scopes: ScopeInfo[], fromFn = false): FieldReader {
  if (f.generic) {
    const plan = relativize(f.generic, scopes, null);
    return { read: (env) => runPlan(plan, env, fromFn), plan: () => plan };
  }
  const plans = new Map<string, Plan>();
  for (const [t, p] of f.byType!) plans.set(t, relativize(p, scopes, t));
  if (plans.size === 1) {
    const [[t, plan]] = [...plans] as [[string, Plan]];
    return {
      read: (env) => ((fromFn ? env.fnTypeLower : env.typeLower) === t ? runPlan(plan, env, fromFn) : f.hasStar ? EMPTY : undefined),
      plan: (env) => ((fromFn ? env.fnTypeLower : env.typeLower) === t ? plan : undefined),
    };
  }
  return {
    read: (env) => {
      const plan = plans.get(fromFn ? env.fnTypeLower : env.typeLower);
      return plan ? runPlan(plan, env, fromFn) : f.hasStar ? EMPTY : undefined;
    },
    plan: (env) => plans.get(fromFn ? env.fnTypeLower : env.typeLower),
  };
}
