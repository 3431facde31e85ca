import type { EvaluationContext, Resource } from './types.js';

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
  now: Date;
  /** Current array members of the enclosing count expressions, by nesting depth. */
  scopes: unknown[];
}

export function makeEnv(resource: Resource, ctx: EvaluationContext): Env {
  const now = ctx.now === undefined ? new Date() : ctx.now instanceof Date ? ctx.now : new Date(ctx.now);
  const typeLower = typeof resource.type === 'string' ? resource.type.toLowerCase() : '';
  return { resource, typeLower, fnResource: resource, fnTypeLower: typeLower, ctx, now, scopes: [] };
}

export function describeValue(v: unknown): string {
  if (v === undefined) return '(missing)';
  const s = JSON.stringify(v);
  return s.length > 200 ? s.slice(0, 197) + '...' : s;
}
