import { InputError } from '../errors/index.js';
import { DEFAULT_RESOURCE_GROUP, DEFAULT_SUBSCRIPTION } from '../gallery/index.js';
import type { Queryable } from '../store/index.js';
import { MANAGEMENT_GROUP_TYPE, idKey, likePrefix, managementGroupId, parseId, resourceGroupId, subscriptionId, type ScopeKind } from '../arm/index.js';

/** Azure names the tenant root group after the tenant; Goldsmith has one tenant, so one fixed name. */
export const ROOT_MANAGEMENT_GROUP = 'root';
export const DEFAULT_SCOPES = {
  managementGroup: managementGroupId(ROOT_MANAGEMENT_GROUP),
  subscription: subscriptionId(DEFAULT_SUBSCRIPTION),
  resourceGroup: resourceGroupId(DEFAULT_SUBSCRIPTION, DEFAULT_RESOURCE_GROUP),
} as const;
const BUILT_IN = new Set(Object.values(DEFAULT_SCOPES).map(idKey));

/**
 * Management group membership, lower-cased: each management group's parent and each subscription's
 * parent group. Subscriptions without a recorded parent sit under the root group, as new ones do in Azure.
 */
export interface ScopeHierarchy {
  managementGroupParent: ReadonlyMap<string, string>;
  subscriptionParent: ReadonlyMap<string, string>;
}
export const EMPTY_HIERARCHY: ScopeHierarchy = { managementGroupParent: new Map(), subscriptionParent: new Map() };

const MG_PREFIX = '/providers/microsoft.management/managementgroups/';
const ROOT_KEY = ROOT_MANAGEMENT_GROUP.toLowerCase();

/**
 * A predicate for "is this id at or below `scope`", prepared once so compliance can test a hundred
 * thousand resources against one assignment scope cheaply. Pure: membership comes from `h`.
 */
export function scopeMatcher(scope: string, h: ScopeHierarchy = EMPTY_HIERARCHY): (resourceId: string) => boolean {
  const s = idKey(scope);
  if (!s.startsWith(MG_PREFIX)) {
    const prefix = s + '/';
    return (id) => {
      const k = idKey(id);
      return k === s || k.startsWith(prefix);
    };
  }
  const mg = s.slice(MG_PREFIX.length);
  if (mg === ROOT_KEY) return () => true;
  const under = (group: string | undefined): boolean => {
    for (let g = group, hops = 0; g !== undefined && hops < 64; g = h.managementGroupParent.get(g), hops++) if (g === mg) return true;
    return false;
  };
  const bySubscription = new Map<string, boolean>();
  return (id) => {
    const k = idKey(id);
    if (k.startsWith(MG_PREFIX)) return under(k.slice(MG_PREFIX.length));
    const m = /^\/subscriptions\/([^/]+)/.exec(k);
    if (!m) return false;
    let hit = bySubscription.get(m[1]!);
    if (hit === undefined) {
      hit = under(h.subscriptionParent.get(m[1]!) ?? ROOT_KEY);
      bySubscription.set(m[1]!, hit);
    }
    return hit;
  };
}

/** Is `resourceId` at or below `scope` (a management group, subscription, resource group or resource)? */
export function scopeContains(scope: string, resourceId: string, h?: ScopeHierarchy): boolean {
  return scopeMatcher(scope, h)(resourceId);
}

/** Read management group membership from the management group and subscription documents. */
export async function loadHierarchy(q: Queryable): Promise<ScopeHierarchy> {
  const rows = await q.query<{ type: string; name: string; parent: string | null }>(
    `SELECT type, name,
            CASE WHEN type = 'microsoft.management/managementgroups' THEN doc#>>'{properties,details,parent,name}'
                 ELSE doc#>>'{properties,managementGroupAncestorsChain,0,name}' END AS parent
     FROM resources WHERE type IN ('microsoft.management/managementgroups', 'microsoft.resources/subscriptions')`,
  );
  const managementGroupParent = new Map<string, string>();
  const subscriptionParent = new Map<string, string>();
  for (const r of rows) {
    if (!r.parent) continue;
    (r.type === 'microsoft.management/managementgroups' ? managementGroupParent : subscriptionParent).set(r.name.toLowerCase(), r.parent.toLowerCase());
  }
  return { managementGroupParent, subscriptionParent };
}

export interface ResolvedScope {
  kind: ScopeKind;
  /** The stored id when the scope exists (Azure keeps the casing it was created with), else as given. */
  id: string;
  exists: boolean;
  type: string;
  managementGroup?: string;
  subscription?: string;
  resourceGroup?: string;
}

/** Parse a scope id; a malformed one is an InputError naming `where`. Pure. */
export function parseScope(scope: unknown, where = 'scope'): ResolvedScope {
  const p = typeof scope === 'string' ? parseId(scope) : undefined;
  if (!p) {
    throw new InputError(
      'FLEET_BAD_SCOPE',
      `${where} ${JSON.stringify(scope)} is not a scope: expected /providers/Microsoft.Management/managementGroups/{name}, /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name} or a resource id`,
      { where },
    );
  }
  const { kind, id, type, managementGroup, subscription, resourceGroup } = p;
  return { kind, id, exists: false, type, managementGroup, subscription, resourceGroup };
}

/**
 * Validate a scope and say whether it exists. Management groups and resources exist when they have a
 * document; subscriptions and resource groups also when any resource sits inside them (the gallery
 * creates galleries in resource groups it never registers). The built-in defaults always exist.
 */
export async function resolveScope(q: Queryable, scope: string, where = 'scope'): Promise<ResolvedScope> {
  const r = parseScope(scope, where);
  const key = idKey(r.id);
  const rows = await q.query<{ id: string }>(`SELECT id FROM resources WHERE id_lower = $1`, [key]);
  if (rows.length) return { ...r, id: rows[0]!.id, exists: true };
  if (BUILT_IN.has(key)) return { ...r, exists: true };
  if (r.kind === 'subscription' || r.kind === 'resourceGroup') {
    const inside = await q.query(`SELECT 1 FROM resources WHERE id_lower LIKE $1 LIMIT 1`, [likePrefix(key + '/')]);
    return { ...r, exists: inside.length > 0 };
  }
  return r;
}

export const MANAGEMENT_GROUP_TYPE_LOWER = MANAGEMENT_GROUP_TYPE.toLowerCase();
