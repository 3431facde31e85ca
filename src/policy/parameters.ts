import { InputError } from '../errors/index.js';
import type { ParameterDefinition } from './ast.js';
import { azureDeepEqual } from './values.js';

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Why `v` is not a valid value for parameter `p`, or undefined when it is. */
export function checkParameterValue(p: ParameterDefinition, v: unknown): string | undefined {
  const ok =
    p.type === 'String' ? typeof v === 'string'
    : p.type === 'Array' ? Array.isArray(v)
    : p.type === 'Object' ? isObj(v)
    : p.type === 'Boolean' ? typeof v === 'boolean'
    : p.type === 'Integer' ? typeof v === 'number' && Number.isInteger(v)
    : p.type === 'Float' ? typeof v === 'number'
    : typeof v === 'string' && !Number.isNaN(Date.parse(v));
  if (!ok) return `expected ${p.type === 'DateTime' ? 'an ISO 8601 date-time string' : `a value of type ${p.type}`}, got ${JSON.stringify(v)}`;
  if (p.allowedValues) {
    const allowed = p.allowedValues;
    const inList = (x: unknown) => allowed.some((a) => azureDeepEqual(a, x));
    // An array parameter with scalar allowed values is checked element by element.
    if (Array.isArray(v) && !allowed.some(Array.isArray)) {
      const bad = v.find((x) => !inList(x));
      if (bad !== undefined) return `${JSON.stringify(bad)} is not one of the allowed values ${JSON.stringify(allowed)}`;
    } else if (!inList(v)) return `${JSON.stringify(v)} is not one of the allowed values ${JSON.stringify(allowed)}`;
  }
  return undefined;
}

/** Assignment-shaped parameter values: {"name": {"value": ...}}. */
export type AssignmentParameters = Record<string, { value: unknown }>;

/**
 * Resolve the values a definition runs with: assigned values checked against type and allowedValues,
 * defaults for the rest. Keys of the result are lower-cased (Azure matches parameter names ignoring case).
 */
export function resolveParameters(
  defs: Record<string, ParameterDefinition>,
  assigned: AssignmentParameters | undefined,
): Map<string, unknown> {
  const out = new Map<string, unknown>();
  const byLower = new Map(Object.values(defs).map((d) => [d.name.toLowerCase(), d]));
  const declaredNone = Object.keys(defs).length === 0;
  for (const [name, entry] of Object.entries(assigned ?? {})) {
    const where = `/${name}`;
    if (!isObj(entry) || !('value' in entry))
      throw new InputError('POLICY_PARAMETER_INVALID', `parameter '${name}' must be given as {"value": ...}`, { where });
    const d = byLower.get(name.toLowerCase());
    if (!d) {
      if (declaredNone) {
        out.set(name.toLowerCase(), entry.value);
        continue;
      }
      throw new InputError('POLICY_PARAMETER_INVALID', `the definition has no parameter '${name}' (it has ${Object.keys(defs).join(', ') || 'none'})`, { where });
    }
    const problem = checkParameterValue(d, entry.value);
    if (problem) throw new InputError('POLICY_PARAMETER_INVALID', `parameter '${d.name}': ${problem}`, { where: `${where}/value` });
    out.set(d.name.toLowerCase(), entry.value);
  }
  for (const d of byLower.values()) {
    if (out.has(d.name.toLowerCase())) continue;
    if (d.defaultValue === undefined)
      throw new InputError('POLICY_PARAMETER_INVALID', `parameter '${d.name}' has no value and no defaultValue`, { where: `/${d.name}` });
    out.set(d.name.toLowerCase(), d.defaultValue);
  }
  return out;
}
