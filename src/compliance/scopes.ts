import { idKey, parseId, type ScopeKind } from '../arm/index.js';
import { InputError, NotFoundError } from '../errors/index.js';
import { EMPTY_HIERARCHY, loadHierarchy, resolveScope, scopeMatcher, type ScopeHierarchy } from '../fleet/index.js';
import type { Queryable } from '../store/index.js';

export interface ParsedScope {
  kind: ScopeKind;
  /** The scope id, without a trailing slash. */
  id: string;
  lower: string;
  subscription?: string;
  resourceGroup?: string;
  managementGroup?: string;
}

/** Parse an Azure scope; anything else is refused naming the field it came from. */
export function parseScope(scope: unknown, where = 'scope'): ParsedScope {
  if (typeof scope !== 'string' || scope.trim() === '')
    throw new InputError('COMPLIANCE_SCOPE_INVALID', `${where} must be an Azure scope id such as /subscriptions/{id}/resourceGroups/{name}`, { where });
  const p = parseId(scope);
  if (p) {
    return {
      kind: p.kind,
      id: p.id,
      lower: idKey(p.id),
      ...(p.managementGroup !== undefined ? { managementGroup: p.managementGroup.toLowerCase() } : {}),
      ...(p.subscription !== undefined ? { subscription: p.subscription.toLowerCase() } : {}),
      ...(p.resourceGroup !== undefined ? { resourceGroup: p.resourceGroup.toLowerCase() } : {}),
    };
  }
  throw new InputError(
    'COMPLIANCE_SCOPE_INVALID',
    `${where} ${JSON.stringify(scope)} is not a management group, subscription, resource group or resource id`,
    { where },
  );
}

/**
 * "Is this id at or below that scope", with management group membership from the fleet's hierarchy
 * (management group and subscription documents). Matchers are prepared once per scope and reused.
 */
export class ScopeIndex {
  private readonly matchers = new Map<string, (id: string) => boolean>();
  constructor(private readonly hierarchy: ScopeHierarchy = EMPTY_HIERARCHY) {}
  static async load(q: Queryable): Promise<ScopeIndex> {
    return new ScopeIndex(await loadHierarchy(q));
  }
  /** Whether `scopeLower` is `idLower` or above it (by id prefix or management group membership). */
  contains(scopeLower: string, idLower: string): boolean {
    if (idLower === scopeLower || idLower.startsWith(scopeLower + '/')) return true;
    if (!scopeLower.startsWith('/providers/microsoft.management/managementgroups/')) return false;
    let m = this.matchers.get(scopeLower);
    if (!m) this.matchers.set(scopeLower, (m = scopeMatcher(scopeLower, this.hierarchy)));
    return m(idLower);
  }
}

/** Does the scope exist (the fleet's rule: a document, a resource inside it, or a built-in default)? */
export async function assertScopeExists(q: Queryable, scope: ParsedScope, where = 'scope'): Promise<void> {
  const r = await resolveScope(q, scope.id, where);
  if (!r.exists)
    throw new NotFoundError('COMPLIANCE_SCOPE_NOT_FOUND', `${where} ${scope.id} does not exist: no such ${scope.kind} in the resource inventory`, { where });
}

/** Subscription and resource group of a resource id, lower-cased, for the denormalised columns. */
export function idScope(idLower: string): { subscription: string | null; resourceGroup: string | null } {
  const p = parseId(idLower);
  return { subscription: p?.subscription?.toLowerCase() ?? null, resourceGroup: p?.resourceGroup?.toLowerCase() ?? null };
}
