import type { EffectName } from './ast.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const get = (o: Record<string, unknown>, k: string) => {
  const key = Object.keys(o).find((x) => x.toLowerCase() === k.toLowerCase());
  return key === undefined ? undefined : o[key];
};
export const MODIFY_OPERATIONS = ['addOrReplace', 'add', 'remove'] as const;

/** Shape checks for `then.details` of each effect; returns the problem and its sub-path. */
export function validateDetails(effect: EffectName, details: unknown): { message: string; at?: string } | undefined {
  switch (effect) {
    case 'auditIfNotExists':
    case 'deployIfNotExists': {
      if (!isObj(details)) return { message: `${effect} needs details with at least a type` };
      if (typeof get(details, 'type') !== 'string') return { message: `${effect} details need a type (the related resource type)`, at: 'type' };
      const scope = get(details, 'existenceScope');
      if (scope !== undefined && !(typeof scope === 'string' && /^(resourceGroup|subscription)$/i.test(scope)))
        return { message: 'existenceScope must be resourceGroup or subscription', at: 'existenceScope' };
      if (effect === 'deployIfNotExists' && !isObj(get(details, 'deployment'))) return { message: 'deployIfNotExists details need a deployment', at: 'deployment' };
      return undefined;
    }
    case 'modify': {
      if (!isObj(details)) return { message: 'modify needs details with operations' };
      const ops = get(details, 'operations');
      if (!Array.isArray(ops) || ops.length === 0) return { message: 'modify details need a non-empty operations array', at: 'operations' };
      for (const [i, op] of ops.entries()) {
        if (!isObj(op)) return { message: 'each operation must be an object', at: `operations/${i}` };
        const kind = get(op, 'operation');
        if (typeof kind !== 'string' || !MODIFY_OPERATIONS.some((m) => m.toLowerCase() === kind.toLowerCase()))
          return { message: `operation must be one of ${MODIFY_OPERATIONS.join(', ')}`, at: `operations/${i}/operation` };
        if (typeof get(op, 'field') !== 'string') return { message: 'each operation needs a field', at: `operations/${i}/field` };
        if (kind.toLowerCase() !== 'remove' && get(op, 'value') === undefined) return { message: `${kind} needs a value`, at: `operations/${i}` };
      }
      const ce = get(details, 'conflictEffect');
      if (ce !== undefined && !(typeof ce === 'string' && /^(audit|deny|disabled)$/i.test(ce))) return { message: 'conflictEffect must be audit, deny or disabled', at: 'conflictEffect' };
      return undefined;
    }
    case 'append': {
      if (!Array.isArray(details) || details.length === 0) return { message: 'append needs details: an array of {field, value}' };
      for (const [i, d] of details.entries())
        if (!isObj(d) || typeof get(d, 'field') !== 'string' || get(d, 'value') === undefined) return { message: 'each append entry needs field and value', at: String(i) };
      return undefined;
    }
    case 'denyAction': {
      const names = isObj(details) ? get(details, 'actionNames') : undefined;
      if (!Array.isArray(names) || !names.some((n) => typeof n === 'string' && n.toLowerCase() === 'delete'))
        return { message: 'denyAction details need actionNames containing "delete"', at: 'actionNames' };
      return undefined;
    }
    default:
      return undefined;
  }
}
