import { InputError } from '../errors/index.js';
import { checkInputShape } from '../input/index.js';
import type { Resource } from './types.js';

/**
 * A resource document a user hands the evaluator (a file, an API body): an object with a string type,
 * within the input limits, since evaluating and explaining recurse over its values.
 */
export function checkResourceDocument(v: unknown, where: string): Resource {
  if (typeof v !== 'object' || v === null || Array.isArray(v))
    throw new InputError('POLICY_RESOURCE_INVALID', 'a resource must be a JSON object (an ARM document with type, name, properties…)', { where });
  const r = v as Record<string, unknown>;
  if (typeof r.type !== 'string') throw new InputError('POLICY_RESOURCE_INVALID', 'the resource has no string "type" (e.g. Microsoft.Compute/virtualMachines)', { where: `${where}/type` });
  checkInputShape(r, where);
  return r as Resource;
}
