import { InputError, NotFoundError } from '../errors/index.js';
import type { Queryable } from '../store/index.js';

/** The subscription and resource group a fresh install has (the gallery's default). */
export const DEFAULT_SUBSCRIPTION = '00000000-0000-0000-0000-000000000000';
const MG_TYPE = 'microsoft.management/managementgroups';

export type ScopeKind = 'managementGroup' | 'subscription' | 'resourceGroup' | 'resource';
export interface ParsedScope {
  kind: ScopeKind;
  /** The scope id, without a trailing slash. */
  id: string;
  lower: string;
  subscription?: string;
  resourceGroup?: string;
  managementGroup?: string;
}

const MG_RE = /^\/providers\/Microsoft\.Management\/managementGroups\/([^/]+)$/i;
const SUB_RE = /^\/subscriptions\/([^/]+)$/i;
const RG_RE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i;
const RES_RE = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/[^/]+\/[^/]+\/[^/]+/i;

/** Parse an Azure scope; anything else is refused naming the field it came from. */
export function parseScope(scope: unknown, where = 'scope'): ParsedScope {
  if (typeof scope !== 'string' || scope.trim() === '')
    throw new InputError('COMPLIANCE_SCOPE_INVALID', `${where} must be an Azure scope id such as /subscriptions/{id}/resourceGroups/{name}`, { where });
  const id = scope.trim().replace(/\/+$/, '');
  const lower = id.toLowerCase();
  let m = MG_RE.exec(id);
  if (m) return { kind: 'managementGroup', id, lower, managementGroup: m[1]!.toLowerCase() };
  m = SUB_RE.exec(id);
  if (m) return { kind: 'subscription', id, lower, subscription: m[1]!.toLowerCase() };
  m = RG_RE.exec(id);
  if (m) return { kind: 'resourceGroup', id, lower, subscription: m[1]!.toLowerCase(), resourceGroup: m[2]!.toLowerCase() };
  m = RES_RE.exec(id);
  if (m) return { kind: 'resource', id, lower, subscription: m[1]!.toLowerCase(), resourceGroup: m[2]!.toLowerCase() };
  throw new InputError(
    'COMPLIANCE_SCOPE_INVALID',
    `${where} ${JSON.stringify(scope)} is not a management group, subscription, resource group or resource id`,
    { where },
  );
}

/**
 * Management-group membership, read from management group documents in the resources table:
 * `properties.children[].id` (Azure's expanded GET shape) and `properties.details.parent.id`.
 */
export class ScopeIndex {
  private readonly parent = new Map<string, string>();
  constructor(mgDocs: Array<{ id: string; doc: Record<string, unknown> }> = []) {
    for (const { id, doc } of mgDocs) {
      const props = (doc.properties ?? {}) as Record<string, unknown>;
      const children = Array.isArray(props.children) ? (props.children as Array<{ id?: unknown }>) : [];
      for (const c of children) if (typeof c?.id === 'string') this.parent.set(c.id.toLowerCase().replace(/\/+$/, ''), id.toLowerCase());
      const p = ((props.details as Record<string, unknown> | undefined)?.parent as Record<string, unknown> | undefined)?.id;
      if (typeof p === 'string') this.parent.set(id.toLowerCase(), p.toLowerCase());
    }
  }
  static async load(q: Queryable): Promise<ScopeIndex> {
    const rows = await q.query<{ id: string; doc: Record<string, unknown> }>(`SELECT id, doc FROM resources WHERE type = $1`, [MG_TYPE]);
    return new ScopeIndex(rows);
  }
  /** The management groups above a subscription, nearest first. */
  managementGroupsOf(subscriptionScopeLower: string): string[] {
    const out: string[] = [];
    let cur = this.parent.get(subscriptionScopeLower);
    while (cur && !out.includes(cur)) {
      out.push(cur);
      cur = this.parent.get(cur);
    }
    return out;
  }
  /** Whether `scopeLower` is `idLower` or above it (by id prefix or management group membership). */
  contains(scopeLower: string, idLower: string): boolean {
    if (idLower === scopeLower || idLower.startsWith(scopeLower + '/')) return true;
    if (!scopeLower.startsWith('/providers/microsoft.management/managementgroups/')) return false;
    if (idLower.startsWith('/providers/microsoft.management/managementgroups/')) {
      let cur = this.parent.get(idLower);
      while (cur) {
        if (cur === scopeLower) return true;
        cur = this.parent.get(cur);
      }
      return false;
    }
    const sub = /^\/subscriptions\/[^/]+/.exec(idLower)?.[0];
    return sub !== undefined && this.managementGroupsOf(sub).includes(scopeLower);
  }
}

/**
 * Does the scope exist? A management group or resource must have its own document in the resources
 * table; a subscription or resource group exists when it has a document or holds any resource (the
 * default subscription always exists).
 */
export async function assertScopeExists(q: Queryable, scope: ParsedScope, where = 'scope'): Promise<void> {
  let found = false;
  if (scope.kind === 'subscription' && scope.subscription === DEFAULT_SUBSCRIPTION) found = true;
  else if (scope.kind === 'managementGroup' || scope.kind === 'resource') {
    found = (await q.query(`SELECT 1 FROM resources WHERE id_lower = $1`, [scope.lower])).length > 0;
  } else {
    const rows = await q.query(
      `SELECT 1 FROM resources WHERE id_lower = $1 OR (id_lower LIKE $2) LIMIT 1`,
      [scope.lower, scope.lower.replace(/[\\%_]/g, (c) => '\\' + c) + '/%'],
    );
    found = rows.length > 0 || (scope.kind === 'resourceGroup' && scope.subscription === DEFAULT_SUBSCRIPTION && scope.resourceGroup === 'default');
  }
  if (!found)
    throw new NotFoundError('COMPLIANCE_SCOPE_NOT_FOUND', `${where} ${scope.id} does not exist: no such ${scope.kind} in the resource inventory`, { where });
}

/** Subscription and resource group of a resource id, lower-cased, for the denormalised columns. */
export function idScope(idLower: string): { subscription: string | null; resourceGroup: string | null } {
  const m = /^\/subscriptions\/([^/]+)(?:\/resourcegroups\/([^/]+))?/.exec(idLower);
  return { subscription: m?.[1] ?? null, resourceGroup: m?.[2] ?? null };
}
