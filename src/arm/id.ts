/**
 * Azure resource ids, the one parser and builder: parse them into scope and type, format them
 * back, find the scope above, compare them. Azure compares ids case-insensitively, so everything
 * that matches ids does so through `idKey`.
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
  /** Resources only: how `formatId` rebuilds the id. See `ResourcePath`. */
  path?: ResourcePath;
}

/**
 * The innermost provider block of a resource id: `{scope}/providers/{provider}/{types[0]}/{names[0]}/…`.
 * `scope` is the resource group, or the resource an extension resource (a guest configuration
 * assignment on a VM) extends. Casing is as given.
 */
export interface ResourcePath {
  scope: string;
  provider: string;
  types: string[];
  names: string[];
}

/** Longer ids are refused before any work: Azure's request URLs stay far below this. */
export const MAX_ID_LENGTH = 4096;

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
  if (typeof raw !== 'string' || raw.length > MAX_ID_LENGTH) return undefined;
  const id = trimId(raw);
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
  const path: ResourcePath = { scope: '/' + seg.slice(0, 4 + typed.blockStart).join('/'), provider: typed.provider, types: typed.types, names: typed.names };
  return { kind: 'resource', id, subscription, resourceGroup, type: typed.type, name: typed.name, ...(parentId ? { parentId } : {}), path };
}

/**
 * providers/{ns}/{type}/{name}[/{childType}/{childName}…][/providers/{ns2}/{type2}/{name2}…]:
 * the type is taken from the innermost provider, as Azure does for extension resources.
 */
interface ProviderPath {
  type: string;
  name: string;
  parentSegments: number;
  blockStart: number;
  provider: string;
  types: string[];
  names: string[];
}
function parseProviderPath(seg: string[]): ProviderPath | undefined {
  let i = 0;
  let pairs = 0;
  let parentEnd = 0;
  let last: Omit<ProviderPath, 'type' | 'name' | 'parentSegments'> | undefined;
  while (i < seg.length) {
    if (seg[i]!.toLowerCase() !== 'providers' || seg.length - i < 4) return undefined;
    const provider = seg[i + 1]!;
    if (!/^[A-Za-z][A-Za-z0-9.]*$/.test(provider)) return undefined;
    const block = { blockStart: i, provider, types: [] as string[], names: [] as string[] };
    i += 2;
    while (i + 1 < seg.length && seg[i]!.toLowerCase() !== 'providers') {
      if (!/^[A-Za-z][A-Za-z0-9]*$/.test(seg[i]!) || !isResourceName(seg[i + 1]!)) return undefined;
      // The parent of a pair is everything before it (before its provider block, for the block's first pair).
      parentEnd = block.types.length === 0 ? block.blockStart : i;
      block.types.push(seg[i]!);
      block.names.push(seg[i + 1]!);
      pairs++;
      i += 2;
    }
    if (block.types.length === 0) return undefined;
    if (i < seg.length && seg[i]!.toLowerCase() !== 'providers') return undefined;
    last = block;
  }
  if (!last) return undefined;
  return { ...last, type: [last.provider, ...last.types].join('/'), name: last.names.at(-1)!, parentSegments: pairs > 1 ? parentEnd : 0 };
}

/**
 * The id without surrounding whitespace and trailing slashes. A loop, not /\/+$/: that regex is
 * quadratic on a long run of slashes followed by anything else.
 */
export function trimId(raw: string): string {
  const s = raw.trim();
  let end = s.length;
  while (end > 0 && s.charCodeAt(end - 1) === 47) end--;
  return s.slice(0, end);
}

/** Lower-cased id without trailing slashes: the key every lookup uses (and `resources.id_lower` holds). */
export function idKey(id: string): string {
  return trimId(id).toLowerCase();
}

/** Same resource? Azure compares ids case-insensitively. */
export function sameId(a: string, b: string): boolean {
  return idKey(a) === idKey(b);
}

/** The id a parse came from, rebuilt from its parts (normalised: no trailing slash). */
export function formatId(p: ParsedId): string {
  switch (p.kind) {
    case 'managementGroup':
      return managementGroupId(p.managementGroup!);
    case 'subscription':
      return subscriptionId(p.subscription!);
    case 'resourceGroup':
      return resourceGroupId(p.subscription!, p.resourceGroup!);
    case 'resource': {
      const { scope, provider, types, names } = p.path!;
      return `${scope}/providers/${provider}/${types.map((t, i) => `${t}/${names[i]}`).join('/')}`;
    }
  }
}

/**
 * The scope directly above an id: a nested or extension resource's parent resource, a resource's
 * resource group, a resource group's subscription. Undefined for a subscription or management group
 * (their parents live in documents, not in the id) and for anything that is not an id.
 */
export function parentScope(id: string): string | undefined {
  const p = parseId(id);
  if (!p) return undefined;
  if (p.kind === 'resource') return p.parentId ?? resourceGroupId(p.subscription!, p.resourceGroup!);
  if (p.kind === 'resourceGroup') return subscriptionId(p.subscription!);
  return undefined;
}
