import type { EvaluationContext, PolicyInfo, Resource } from './types.js';

/**
 * A failure while evaluating one resource (a template function error, a type mismatch in less/greater).
 * Azure treats a failed evaluation as an implicit deny; evaluate() turns this into a result, never a throw.
 */
export class PolicyEvaluationError extends Error {
  constructor(
    message: string,
    readonly where?: string,
  ) {
    super(message);
    this.name = 'PolicyEvaluationError';
  }
}

/** Per-evaluation state the compiled closures read. Built once per evaluate() call. */
export interface Env {
  /** What `field` operands read: the evaluated resource, or a related one inside existenceCondition. */
  resource: Resource;
  typeLower: string;
  /** What the field() template function reads: always the resource the `if` matched. */
  fnResource: Resource;
  fnTypeLower: string;
  ctx: EvaluationContext;
  /** What policy() returns; kept apart from ctx so one resource's env serves many definitions. */
  policy: PolicyInfo | undefined;
  /** The clock, read lazily: most evaluations never call utcNow(). Use envNow(env). */
  nowCache: Date | undefined;
  /** Current array members of the enclosing count expressions, by nesting depth. */
  scopes: unknown[];
}

export function makeEnv(resource: Resource, ctx: EvaluationContext, policy: PolicyInfo | undefined = ctx.policy): Env {
  const typeLower = typeof resource.type === 'string' ? resource.type.toLowerCase() : '';
  return { resource, typeLower, fnResource: resource, fnTypeLower: typeLower, ctx, policy, nowCache: undefined, scopes: [] };
}

export function envNow(env: Env): Date {
  if (!env.nowCache) {
    const n = env.ctx.now;
    env.nowCache = n === undefined ? new Date() : n instanceof Date ? n : new Date(n);
  }
  return env.nowCache;
}

export function describeValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 200 ? s.slice(0, 197) + '...' : s;
}
