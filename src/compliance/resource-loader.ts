import { parseId } from '../arm/index.js';
import type { Resource } from '../policy/index.js';
import type { Queryable } from '../store/index.js';
import { labelsOf, type LoadedResource } from './evaluate-resource.js';
import { imageLabel, type ImageFactsSource } from './image-facts.js';
import { idScope } from './scopes.js';

interface Row {
  id: string;
  type: string;
  doc: Resource;
}

const VM_TYPES = new Set(['microsoft.compute/virtualmachines', 'microsoft.compute/virtualmachinescalesets']);

/**
 * The resource an extension or child resource hangs under: "{vm}/extensions/x" and
 * "{vm}/providers/Microsoft.GuestConfiguration/guestConfigurationAssignments/x" both give {vm}.
 */
export function parentOf(idLower: string): string | undefined {
  return parseId(idLower)?.parentId;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => '\\' + c);

export interface LoadOptions {
  /** Load only resources in this scope (lower-cased id prefix); all when absent. */
  scopeLower?: string;
  /** Load only these resources (lower-cased ids) and their children. */
  idsLower?: string[];
  facts: ImageFactsSource;
  galleryIndex: unknown;
  now: Date;
}

/** Read resources once and compute what every evaluation needs: facts, labels, related resources. */
export async function loadResources(q: Queryable, o: LoadOptions): Promise<LoadedResource[]> {
  let rows: Row[];
  if (o.idsLower) {
    if (o.idsLower.length === 0) return [];
    rows = await q.query<Row>(`SELECT id, type, doc FROM resources WHERE id_lower = ANY($1::text[])`, [o.idsLower]);
    const children =
      o.idsLower.length <= 64
        ? // One LIKE per id (not LIKE ANY): each is an index range scan on the text_pattern_ops index.
          await q.query<Row>(`SELECT id, type, doc FROM resources WHERE ${o.idsLower.map((_, i) => `id_lower LIKE $${i + 1}`).join(' OR ')}`, o.idsLower.map((i) => escapeLike(i) + '/%'))
        : await q.query<Row>(`SELECT id, type, doc FROM resources WHERE id_lower LIKE '%/providers/%/providers/%' OR type LIKE '%/extensions'`);
    rows = rows.concat(children.filter((c) => !o.idsLower!.includes(c.id.toLowerCase())).map((c) => ({ ...c, child: true }) as Row));
  } else if (o.scopeLower) {
    rows = await q.query<Row>(`SELECT id, type, doc FROM resources WHERE id_lower = $1 OR id_lower LIKE $2`, [o.scopeLower, escapeLike(o.scopeLower) + '/%']);
  } else rows = await q.query<Row>(`SELECT id, type, doc FROM resources`);
  const byId = new Map<string, LoadedResource>();
  const out: LoadedResource[] = [];
  const children: Array<[string, Resource]> = [];
  for (const r of rows) {
    const idLower = r.id.toLowerCase();
    const doc = r.doc;
    const parent = parentOf(idLower);
    if (parent) children.push([parent, doc]);
    if ((r as Row & { child?: boolean }).child) continue;
    const typeLower = r.type.toLowerCase();
    const image = VM_TYPES.has(typeLower) ? o.facts.factsFor(doc, o.galleryIndex, o.now) : undefined;
    const sc = idScope(idLower);
    const labels = labelsOf(doc);
    // Spelled out (no spreads) so every resource has one fast object shape for the hot loop.
    const loaded: LoadedResource = {
      id: r.id,
      idLower,
      typeLower,
      doc,
      computed: image ? { image } : {},
      related: [],
      subscription: sc.subscription,
      resourceGroup: sc.resourceGroup,
      team: labels.team,
      application: labels.application,
      role: labels.role,
      imageVersion: VM_TYPES.has(typeLower) ? imageLabel(doc, image) : null,
    };
    byId.set(idLower, loaded);
    out.push(loaded);
  }
  for (const [parent, doc] of children) byId.get(parent)?.related.push(doc);
  return out;
}
