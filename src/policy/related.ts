import { parseId } from '../arm/index.js';
import type { Resource } from './types.js';

interface IdParts {
  sub?: string;
  rg?: string;
  /** More than one provider resource in the id: a child or extension resource. */
  nested: boolean;
}

const cache = new Map<string, IdParts | undefined>();

export function idParts(id: unknown): IdParts | undefined {
  if (typeof id !== 'string') return undefined;
  let hit = cache.get(id);
  if (!hit && !cache.has(id)) {
    hit = parse(id);
    // Bounded: a scan touches each id a few times in a row; old entries are worth little.
    if (cache.size > 50_000) cache.clear();
    cache.set(id, hit);
  }
  return hit;
}

function parse(id: string): IdParts | undefined {
  const p = parseId(id);
  if (!p) return undefined;
  return { sub: p.subscription?.toLowerCase(), rg: p.resourceGroup?.toLowerCase(), nested: p.parentId !== undefined };
}

function nameMatches(r: Resource, want: string): boolean {
  const w = want.toLowerCase();
  const n = typeof r.name === 'string' ? r.name.toLowerCase() : '';
  if (n === w || n.endsWith('/' + w)) return true;
  return typeof r.id === 'string' && r.id.toLowerCase().endsWith('/' + w);
}

/**
 * The related resources auditIfNotExists/deployIfNotExists consider: same type (and name when
 * given), in the matched resource's resource group (or the named one, or its subscription), and,
 * for child or extension resources, under the matched resource itself.
 */
export function relatedCandidates(
  resource: Resource,
  related: Resource[],
  want: { type: string; name?: string; resourceGroupName?: string; existenceScope: 'resourceGroup' | 'subscription' },
): Resource[] {
  const type = want.type.toLowerCase();
  const self = idParts(resource.id);
  const selfId = typeof resource.id === 'string' ? resource.id.toLowerCase() : undefined;
  return related.filter((r) => {
    if (typeof r.type !== 'string' || r.type.toLowerCase() !== type) return false;
    if (want.name !== undefined && !nameMatches(r, want.name)) return false;
    const p = idParts(r.id);
    if (!p || !self) return true;
    // A child or extension resource counts only under the matched resource itself.
    if (p.nested) return selfId !== undefined && (r.id as string).toLowerCase().startsWith(selfId + '/');
    if (want.existenceScope === 'subscription') return p.sub === self.sub;
    const rg = (want.resourceGroupName ?? self.rg ?? '').toLowerCase();
    return p.sub === self.sub && p.rg === rg;
  });
}
