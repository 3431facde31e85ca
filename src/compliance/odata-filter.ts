/**
 * The part of Azure's OData `$filter` for policy states that maps onto a ResultFilter:
 * `field eq 'value'` clauses joined by `and`. Anything else is refused by name rather than ignored,
 * so a caller never reads unfiltered results believing them filtered.
 */
import { InputError } from '../errors/index.js';
import type { ResultFilter } from './summary.js';

const FIELDS: Record<string, keyof ResultFilter> = {
  compliancestate: 'state',
  policyassignmentid: 'policy',
  policydefinitionid: 'policy',
  policysetdefinitionid: 'policy',
  resourceid: 'scope',
};

export function parseResultFilter(text: string | undefined, where = '$filter'): ResultFilter {
  const f: ResultFilter = {};
  if (text === undefined || text.trim() === '') return f;
  if (text.length > 4096) throw new InputError('COMPLIANCE_INPUT_INVALID', `${where} is longer than 4096 characters`, { where });
  for (const clause of text.split(/\s+and\s+/i)) {
    const m = /^\s*([A-Za-z]+)\s+eq\s+'((?:[^']|'')*)'\s*$/.exec(clause);
    const field = m ? FIELDS[m[1]!.toLowerCase()] : undefined;
    if (!m || !field) {
      throw new InputError('COMPLIANCE_INPUT_INVALID', `${where}: cannot use ${JSON.stringify(clause.trim())}; supported: ${Object.keys(FIELDS).join(', ')} eq '<value>', joined by and`, { where });
    }
    if (f[field] !== undefined) throw new InputError('COMPLIANCE_INPUT_INVALID', `${where}: ${m[1]} is given twice (or with another policy field)`, { where });
    (f as Record<string, string>)[field] = m[2]!.replace(/''/g, "'");
  }
  return f;
}
