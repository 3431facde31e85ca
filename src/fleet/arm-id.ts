/**
 * Azure resource ids: parse them into scope and type, and build the ids of the hierarchy.
 * Azure compares ids case-insensitively, so everything that matches ids here does so lower-cased.
 */
export const MANAGEMENT_GROUP_TYPE = 'Microsoft.Management/managementGroups';
export const SUBSCRIPTION_TYPE = 'Microsoft.Resources/subscriptions';
export const RESOURCE_GROUP_TYPE = 'Microsoft.Resources/subscriptions/resourceGroups';

export type ScopeKind = 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';

export interface ParsedId {
  kind: ScopeKind;
  /** The id as given, without trailing slashes. */
  id: string;
  subscription?: string;
  resourceGroup?: string;
  managementGroup?: string;
  /** Full resource type (namespace/type[/child…]); for extension resources, the innermost provider's type. */
  type: string;
  /** The last name segment. */
  name: string;
  /** The id of the resource this one is nested in (a VM for its extensions), if any. */
  parentId?: string;
}

const MG_PREFIX = '/providers/microsoft.management/managementgroups/';

// Azure: resource group names are 1-90 letters, digits, underscores, parentheses, hyphens and periods.
const RG_RE = /^[\p{L}\p{N}_().-]{1,90}$/u;
const SUB_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,89}$/;
// Resource names vary by type; this refuses only what can never appear in an id segment.
const NAME_RE = /^[^/?#\s][^/?#]{0,259}$/;
const MG_RE = /^[A-Za-z0-9_().-]{1,90}$/;

export function isResourceGroupName(s: string): boolean {
  return RG_RE.test(s) && !s.endsWith('.');
}
export function isSubscriptionId(s: string): boolean {
  return SUB_RE.test(s);
}
export function isManagementGroupName(s: string): boolean {
  return MG_RE.test(s);
}
export function isResourceName(s: string): boolean {
  return NAME_RE.test(s) && s.trimEnd() === s;
}

export const managementGroupId = (name: string) => `/providers/${MANAGEMENT_GROUP_TYPE}/${name}`;
export const subscriptionId = (sub: string) => `/subscriptions/${sub}`;
export const resourceGroupId = (sub: string, rg: string) => `/subscriptions/${sub}/resourceGroups/${rg}`;
/** `type` is namespace/type[/childType…]; `names` one per type segment. */
export function resourceId(sub: string, rg: string, type: string, names: readonly string[]): string {
  const [ns, ...types] = type.split('/');
  const path = types.map((t, i) => `${t}/${names[i]}`).join('/');
  return `${resourceGroupId(sub, rg)}/providers/${ns}/${path}`;
}

/**
 * Parse a scope or resource id. Returns undefined for anything that is not one; callers turn that
 * into an error naming their own field.
 */
export function parseId(raw: string): ParsedId | undefined {
  if (typeof raw !== 'string') return undefined;
  const id = raw.trim().replace(/\/+$/, '');
  if (!id.startsWith('/')) return undefined;
  const seg = id.slice(1).split('/');
  if (seg.some((s) => s === '')) return undefined;
  const lower0 = seg[0]!.toLowerCase();
  if (lower0 === 'providers') {
    if (seg.length !== 4 || id.toLowerCase().slice(0, MG_PREFIX.length) !== MG_PREFIX || !isManagementGroupName(seg[3]!)) return undefined;
    return { kind: 'managementGroup', id, managementGroup: seg[3]!, type: MANAGEMENT_GROUP_TYPE, name: seg[3]! };
  }
  if (lower0 !== 'subscriptions' || seg.length < 2 || !isSubscriptionId(seg[1]!)) return undefined;
  const subscription = seg[1]!;
  if (seg.length === 2) return { kind: 'subscription', id, subscription, type: SUBSCRIPTION_TYPE, name: subscription };
  if (seg[2]!.toLowerCase() !== 'resourcegroups' || seg.length < 4 || !isResourceGroupName(seg[3]!)) return undefined;
  const resourceGroup = seg[3]!;
  if (seg.length === 4) return { kind: 'resourceGroup', id, subscription, resourceGroup, type: RESOURCE_GROUP_TYPE, name: resourceGroup };
  const typed = parseProviderPath(seg.slice(4));
  if (!typed) return undefined;
  const parentId = typed.parentSegments > 0 ? '/' + seg.slice(0, 4 + typed.parentSegments).join('/') : undefined;
  return { kind: 'resource', id, subscription, resourceGroup, type: typed.type, name: typed.name, ...(parentId ? { parentId } : {}) };
}

/**
 * providers/{ns}/{type}/{name}[/{childType}/{childName}…][/providers/{ns2}/{type2}/{name2}…]:
 * the type is taken from the innermost provider, as Azure does for extension resources.
 */
function parseProviderPath(seg: string[]): { type: string; name: string; parentSegments: number } | undefined {
  let i = 0;
  let type = '';
  let name = '';
  let pairs = 0;
  let parentEnd = 0;
  while (i < seg.length) {
    if (seg[i]!.toLowerCase() !== 'providers' || seg.length - i < 4) return undefined;
    const ns = seg[i + 1]!;
    if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(ns)) return undefined;
    const blockStart = i;
    const parts: string[] = [ns];
    i += 2;
    while (i + 1 < seg.length && seg[i]!.toLowerCase() !== 'providers') {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(seg[i]!) || !isResourceName(seg[i + 1]!)) return undefined;
      // The parent of a pair is everything before it (before its provider block, for the block's first pair).
      parentEnd = parts.length === 1 ? blockStart : i;
      parts.push(seg[i]!);
      name = seg[i + 1]!;
      pairs++;
      i += 2;
    }
    if (parts.length < 2) return undefined;
    if (i < seg.length && seg[i]!.toLowerCase() !== 'providers') return undefined;
    type = parts.join('/');
  }
  return { type, name, parentSegments: pairs > 1 ? parentEnd : 0 };
}

/** Lower-cased id without trailing slashes: the key every lookup uses. */
export function idKey(id: string): string {
  return id.trim().replace(/\/+$/, '').toLowerCase();
}
