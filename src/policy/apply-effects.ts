import type { CompiledDetails } from './compile.js';
import { run } from './compile-expression.js';
import { readPath, REMOVE, updatePath } from './document-path.js';
import type { ResolvedField } from './aliases/index.js';
import { PolicyEvaluationError, type Env } from './runtime.js';
import { azureDeepEqual } from './values.js';
import type { Resource } from './types.js';

export interface AppliedOperation {
  operation: 'addOrReplace' | 'add' | 'remove' | 'append';
  field: string;
  path: string;
  value?: unknown;
  previous?: unknown;
  applied: boolean;
  note?: string;
}

function writablePath(r: ResolvedField, env: Env): string[] | undefined {
  if (r.generic) return r.generic.segs;
  return r.byType?.get(env.typeLower)?.segs;
}

const clone = <T>(v: T): T => structuredClone(v);

/** Apply modify operations to a copy of the resource; returns the copy and what was done. */
export function applyModify(d: Extract<CompiledDetails, { kind: 'modify' }>, resource: Resource, env: Env) {
  const doc = clone(resource);
  const ops: AppliedOperation[] = [];
  const conflicts: string[] = [];
  for (const op of d.operations) {
    const segs = writablePath(op.resolved, env);
    const path = segs?.join('.').replace(/\.\*/g, '[*]') ?? '';
    if (op.condition) {
      const c = run(op.condition, env);
      if (typeof c !== 'boolean') throw new PolicyEvaluationError(`the condition of a modify operation must be a boolean, got ${JSON.stringify(c)}`, op.path);
      if (!c) {
        ops.push({ operation: op.operation, field: op.field, path, applied: false, note: 'condition is false' });
        continue;
      }
    }
    if (!segs) {
      ops.push({ operation: op.operation, field: op.field, path, applied: false, note: `alias does not apply to type '${resource.type}'` });
      continue;
    }
    const value = op.operation === 'remove' ? undefined : run(op.value, env);
    const previous = readPath(doc, segs);
    if (op.operation === 'add' && previous !== undefined && !azureDeepEqual(previous, value)) {
      conflicts.push(`${op.field} already has ${JSON.stringify(previous)}; add does not replace it`);
      ops.push({ operation: 'add', field: op.field, path, value, previous, applied: false, note: 'already set' });
      continue;
    }
    if (op.operation === 'addOrReplace' && segs.at(-1) === '*') {
      // addOrReplace on `array[*]` replaces every member with the given one (Azure's documented outcome).
      updatePath(doc, segs.slice(0, -1), () => [clone(value)]);
    } else updatePath(doc, segs, () => (op.operation === 'remove' ? REMOVE : clone(value)));
    ops.push({ operation: op.operation, field: op.field, path, value, previous, applied: true });
  }
  // A conflict under conflictEffect audit skips every operation; under deny the request is refused.
  if (conflicts.length && d.conflictEffect !== 'deny') return { modified: clone(resource), operations: ops.map((o) => ({ ...o, applied: false, note: o.note ?? 'skipped: conflict (conflictEffect audit)' })), conflicts };
  return { modified: doc, operations: ops, conflicts };
}

/** Apply append entries to a copy: `[*]` fields gain members; other fields are set. */
export function applyAppend(d: Extract<CompiledDetails, { kind: 'append' }>, resource: Resource, env: Env) {
  const doc = clone(resource);
  const ops: AppliedOperation[] = [];
  const conflicts: string[] = [];
  for (const e of d.entries) {
    const segs = writablePath(e.resolved, env);
    const value = run(e.value, env);
    if (!segs) {
      ops.push({ operation: 'append', field: e.field, path: '', value, applied: false, note: `alias does not apply to type '${resource.type}'` });
      continue;
    }
    const path = segs.join('.').replace(/\.\*/g, '[*]');
    const star = segs.at(-1) === '*';
    const previous = readPath(doc, star ? segs.slice(0, -1) : segs);
    // Without [*], append only fills a missing property; an existing different value is a conflict.
    if (!star && previous !== undefined && !azureDeepEqual(previous, value)) {
      ops.push({ operation: 'append', field: e.field, path, value, previous, applied: false, note: 'already set to a different value' });
      conflicts.push(`${e.field} already has ${JSON.stringify(previous)}; append would override it, so a request is denied`);
      continue;
    }
    updatePath(doc, segs, () => clone(value));
    ops.push({ operation: 'append', field: e.field, path, value, previous, applied: true });
  }
  return { modified: doc, operations: ops, conflicts };
}

/** Used by existence checks: resolve an expression-valued detail against the matched resource. */
export function detailString(c: Parameters<typeof run>[0] | undefined, env: Env): string | undefined {
  if (!c) return undefined;
  const v = run(c, env);
  return v === null || v === undefined ? undefined : String(v);
}

