import type { Queryable } from '../store/index.js';
import { explain } from './evaluate-resource.js';
import type { ComplianceResult } from './types.js';

/** Roll-up dimensions kept pre-aggregated in compliance_counts. */
export const DIMENSIONS = ['assignment', 'definition', 'initiative', 'subscription', 'resourceGroup', 'team', 'application', 'image', 'role', 'exemptionExpired'] as const;
export type Dimension = (typeof DIMENSIONS)[number];
export const NONE = '(none)';

interface CountedRow {
  assignment_id: string;
  reference_id: string;
  definition_id: string;
  set_definition_id: string | null;
  subscription: string | null;
  resource_group: string | null;
  team: string | null;
  application: string | null;
  image_version: string | null;
  role: string | null;
  state: string;
  exemption_expired: boolean;
}

const COUNTED = 'assignment_id, reference_id, definition_id, set_definition_id, subscription, resource_group, team, application, image_version, role, state, exemption_expired';

function dimensionKeys(r: CountedRow): Array<[Dimension, string]> {
  const out: Array<[Dimension, string]> = [
    ['assignment', r.assignment_id],
    ['definition', r.definition_id],
    ['subscription', r.subscription ?? NONE],
    ['resourceGroup', r.subscription && r.resource_group ? `${r.subscription}/${r.resource_group}` : NONE],
    ['team', r.team ?? NONE],
    ['application', r.application ?? NONE],
    ['image', r.image_version ?? NONE],
    ['role', r.role ?? NONE],
  ];
  if (r.set_definition_id) out.push(['initiative', r.set_definition_id]);
  if (r.exemption_expired) out.push(['exemptionExpired', 'true']);
  return out;
}

/** Accumulates count changes for one transaction: -1 for each removed row, +1 for each written one. */
class CountDelta {
  private readonly m = new Map<string, { dm: string; k: string; a: string; r: string; d: string; st: string; n: number }>();
  add(row: CountedRow, by: number): void {
    for (const [dm, k] of dimensionKeys(row)) {
      const key = `${dm}\u0000${k}\u0000${row.assignment_id}\u0000${row.reference_id}\u0000${row.state}`;
      const e = this.m.get(key);
      if (e) e.n += by;
      else this.m.set(key, { dm, k, a: row.assignment_id, r: row.reference_id, d: row.definition_id, st: row.state, n: by });
    }
  }
  async apply(q: Queryable): Promise<void> {
    const rows = [...this.m.values()].filter((e) => e.n !== 0);
    if (!rows.length) return;
    await q.query(
      `INSERT INTO compliance_counts (dimension, key, assignment_id, reference_id, definition_id, state, n)
       SELECT dm, k, a, r, d, st, n FROM jsonb_to_recordset($1::jsonb) AS x(dm text, k text, a text, r text, d text, st text, n bigint)
       ON CONFLICT (dimension, key, assignment_id, reference_id, state) DO UPDATE SET n = compliance_counts.n + EXCLUDED.n`,
      [JSON.stringify(rows)],
    );
    const gone = rows.filter((e) => e.n < 0);
    if (gone.length)
      await q.query(
        `DELETE FROM compliance_counts c USING jsonb_to_recordset($1::jsonb) AS x(dm text, k text, a text, r text, st text)
         WHERE c.dimension = x.dm AND c.key = x.k AND c.assignment_id = x.a AND c.reference_id = x.r AND c.state = x.st AND c.n <= 0`,
        [JSON.stringify(gone.map(({ dm, k, a, r, st }) => ({ dm, k, a, r, st })))],
      );
  }
}

const toCounted = (r: ComplianceResult): CountedRow => ({
  assignment_id: r.assignmentId,
  reference_id: r.referenceId,
  definition_id: r.definitionId,
  set_definition_id: r.setDefinitionId,
  subscription: r.subscription,
  resource_group: r.resourceGroup,
  team: r.team,
  application: r.application,
  image_version: r.imageVersion,
  role: r.role,
  state: r.state,
  exemption_expired: r.exemptionExpired,
});

/** What a write replaces: these assignments' results for these resources. */
export interface Replace {
  assignmentIds: string[];
  resourceIdsLower: string[];
}

/**
 * Replace results in one transaction: delete what the evaluation covered, insert what it produced,
 * move the roll-up counts by the difference and refresh deployIfNotExists remediation records.
 */
export async function replaceResults(q: Queryable, replace: Replace, results: readonly ComplianceResult[]): Promise<void> {
  const delta = new CountDelta();
  if (replace.assignmentIds.length && replace.resourceIdsLower.length) {
    const removed = await q.query<CountedRow>(
      `DELETE FROM compliance_results WHERE assignment_id = ANY($1::text[]) AND resource_id_lower = ANY($2::text[]) RETURNING ${COUNTED}`,
      [replace.assignmentIds, replace.resourceIdsLower],
    );
    await q.query(`DELETE FROM compliance_remediations WHERE assignment_id = ANY($1::text[]) AND resource_id_lower = ANY($2::text[])`, [replace.assignmentIds, replace.resourceIdsLower]);
    for (const r of removed) delta.add(r, -1);
  }
  for (const r of results) explain(r);
  for (let i = 0; i < results.length; i += INSERT_CHUNK) await insertResults(q, results.slice(i, i + INSERT_CHUNK));
  for (const r of results) delta.add(toCounted(r), +1);
  await delta.apply(q);
}

const same = (o: Pick<CountedRow, 'state' | 'exemption_expired' | 'team' | 'application' | 'image_version' | 'role'> & { effect: string; exemption_id: string | null }, r: ComplianceResult) =>
  o.state === r.state && o.effect === r.effect && o.exemption_id === r.exemptionId && o.exemption_expired === r.exemptionExpired &&
  o.team === r.team && o.application === r.application && o.image_version === r.imageVersion && o.role === r.role;

/** What a diff compares; rows are keyed by positions in the batch's assignment and resource lists. */
interface ExistingRow {
  ai: number;
  ri: number;
  reference_id: string;
  state: string;
  effect: string;
  exemption_id: string | null;
  exemption_expired: boolean;
  team: string | null;
  application: string | null;
  image_version: string | null;
  role: string | null;
}

/**
 * What a scan batch changes, collected while it evaluates: results whose state (or exemption, or
 * roll-up labels) differs from the stored row, new results, and stored rows no longer produced.
 * Unchanged results are only counted, so they die young instead of piling up for a batch.
 */
export class ResultDiff {
  readonly changed: ComplianceResult[] = [];
  readonly byState: Record<string, number> = {};
  results = 0;
  private readonly assignmentIndex: Map<string, number>;
  private readonly resourceIndex: Map<string, number>;
  constructor(
    readonly assignmentIds: readonly string[],
    readonly resourceIdsLower: readonly string[],
    private readonly old: Map<string, ExistingRow>,
  ) {
    this.assignmentIndex = new Map(assignmentIds.map((a, i) => [a, i + 1]));
    this.resourceIndex = new Map(resourceIdsLower.map((r, i) => [r, i + 1]));
  }
  push(r: ComplianceResult): void {
    this.results++;
    this.byState[r.state] = (this.byState[r.state] ?? 0) + 1;
    const k = `${this.assignmentIndex.get(r.assignmentId) ?? r.assignmentId}\u0000${this.resourceIndex.get(r.resourceId.toLowerCase()) ?? r.resourceId}\u0000${r.referenceId}`;
    const o = this.old.get(k);
    if (o !== undefined && same(o, r)) this.old.delete(k);
    else this.changed.push(r);
  }
  /** Keys of stored rows no evaluation produced (call after every push). */
  gone(): Array<{ a: string; r: string; id: string }> {
    return [...this.old.values()].map((o) => ({ a: this.assignmentIds[o.ai - 1]!, r: o.reference_id, id: this.resourceIdsLower[o.ri - 1]! }));
  }
}

/**
 * Read the stored results of these assignments × resources, ready to diff against a new evaluation.
 * Ids come back as positions in the two lists (not the long id strings): a full re-scan reads every
 * stored row, so the fewer bytes per row the better.
 */
export async function startDiff(q: Queryable, assignmentIds: string[], resourceIdsLower: string[]): Promise<ResultDiff> {
  if (!assignmentIds.length || !resourceIdsLower.length) return new ResultDiff(assignmentIds, resourceIdsLower, new Map());
  const existing = await q.query<ExistingRow>(
    `SELECT a.i::int AS ai, x.i::int AS ri, c.reference_id, c.state, c.effect, c.exemption_id, c.exemption_expired, c.team, c.application, c.image_version, c.role
     FROM unnest($2::text[]) WITH ORDINALITY AS x(id, i)
     JOIN compliance_results c ON c.resource_id_lower = x.id
     JOIN unnest($1::text[]) WITH ORDINALITY AS a(id, i) ON c.assignment_id = a.id`,
    [assignmentIds, resourceIdsLower],
  );
  return new ResultDiff(assignmentIds, resourceIdsLower, new Map(existing.map((o) => [`${o.ai}\u0000${o.ri}\u0000${o.reference_id}`, o])));
}

/**
 * Write a diff: delete rows no longer produced, upsert changed and new ones (reasons are computed
 * now, only for these), move the roll-up counts. Unchanged rows keep their row and evaluated_at
 * (the time the state was last established). Returns rows written and rows deleted.
 */
export async function writeDiff(q: Queryable, diff: ResultDiff): Promise<{ written: number; deleted: number }> {
  const keys = diff.gone();
  const delta = new CountDelta();
  if (keys.length) {
    const removed = await q.query<CountedRow>(
      `DELETE FROM compliance_results c USING jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text)
       WHERE c.assignment_id = x.a AND c.reference_id = x.r AND c.resource_id_lower = x.id RETURNING ${COUNTED.split(', ').map((c) => 'c.' + c).join(', ')}`,
      [JSON.stringify(keys)],
    );
    await q.query(
      `DELETE FROM compliance_remediations c USING jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text)
       WHERE c.assignment_id = x.a AND c.reference_id = x.r AND c.resource_id_lower = x.id`,
      [JSON.stringify(keys)],
    );
    for (const r of removed) delta.add(r, -1);
  }
  const changed = diff.changed;
  for (const r of changed) explain(r);
  for (let i = 0; i < changed.length; i += INSERT_CHUNK) await insertResults(q, changed.slice(i, i + INSERT_CHUNK));
  for (const r of changed) delta.add(toCounted(r), +1);
  await delta.apply(q);
  return { written: changed.length, deleted: keys.length };
}

/** Write only what changed for these assignments × resources (startDiff + push each + writeDiff). */
export async function writeChanged(q: Queryable, assignmentIds: string[], resourceIdsLower: string[], results: readonly ComplianceResult[]): Promise<{ written: number; deleted: number }> {
  if (!assignmentIds.length || !resourceIdsLower.length) return { written: 0, deleted: 0 };
  const diff = await startDiff(q, assignmentIds, resourceIdsLower);
  for (const r of results) diff.push(r);
  return writeDiff(q, diff);
}

/** Remove results of these assignments whose resource no longer exists (within a scope). */
export async function removeOrphans(q: Queryable, assignmentIds: string[], scopeLower?: string): Promise<number> {
  if (!assignmentIds.length) return 0;
  const params: unknown[] = [assignmentIds];
  let scoped = '';
  if (scopeLower) {
    params.push(scopeLower, scopeLower.replace(/[\\%_]/g, (c) => '\\' + c) + '/%');
    scoped = ' AND (c.resource_id_lower = $2 OR c.resource_id_lower LIKE $3)';
  }
  const removed = await q.query<CountedRow>(
    `DELETE FROM compliance_results c WHERE c.assignment_id = ANY($1::text[])${scoped}
       AND NOT EXISTS (SELECT 1 FROM resources x WHERE x.id_lower = c.resource_id_lower)
     RETURNING ${COUNTED.split(', ').map((c) => 'c.' + c).join(', ')}`,
    params,
  );
  if (removed.length) {
    const delta = new CountDelta();
    for (const r of removed) delta.add(r, -1);
    await delta.apply(q);
  }
  return removed.length;
}

/** Rows per INSERT statement: bounded so one statement's JSON stays small. */
const INSERT_CHUNK = 2000;

/**
 * Rows carry reasons, not the explanation tree: the tree is deterministic from the definition, the
 * assignment's parameters, the resource, its computed facts and the clock, so `compliance show`
 * re-evaluates the one resource and returns it in full (ComplianceService.show). The trace column
 * stays NULL; storing trees made a first scan's writes several times slower.
 */
async function insertResults(q: Queryable, results: readonly ComplianceResult[]): Promise<void> {
  {
    const rows = results.map((r) => ({
      a: r.assignmentId, r: r.referenceId, id: r.resourceId, d: r.definitionId, s: r.setDefinitionId, t: r.resourceType,
      sub: r.subscription, rg: r.resourceGroup, team: r.team, app: r.application, img: r.imageVersion, role: r.role,
      st: r.state, ef: r.effect, em: r.enforcementMode, ex: r.exemptionId, xe: r.exemptionExpired, rs: r.reasons,
      msg: r.message, url: r.remediationUrl, at: r.evaluatedAt,
    }));
    await q.query(
      `INSERT INTO compliance_results (assignment_id, reference_id, resource_id, resource_id_lower, definition_id, set_definition_id, resource_type,
         subscription, resource_group, team, application, image_version, role, state, effect, enforcement_mode, exemption_id, exemption_expired,
         reasons, trace, message, remediation_url, evaluated_at)
       SELECT a, r, id, lower(id), d, s, t, sub, rg, team, app, img, role, st, ef, em, ex, xe, rs, NULL, msg, url, at
       FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text, d text, s text, t text, sub text, rg text, team text, app text,
         img text, role text, st text, ef text, em text, ex text, xe boolean, rs jsonb, msg text, url text, at timestamptz)
       ON CONFLICT (assignment_id, reference_id, resource_id_lower) DO UPDATE SET
         state = EXCLUDED.state, effect = EXCLUDED.effect, enforcement_mode = EXCLUDED.enforcement_mode, exemption_id = EXCLUDED.exemption_id,
         exemption_expired = EXCLUDED.exemption_expired, reasons = EXCLUDED.reasons, trace = EXCLUDED.trace, message = EXCLUDED.message,
         remediation_url = EXCLUDED.remediation_url, evaluated_at = EXCLUDED.evaluated_at, team = EXCLUDED.team, application = EXCLUDED.application,
         image_version = EXCLUDED.image_version, role = EXCLUDED.role`,
      [JSON.stringify(rows)],
    );
    const rem = results.filter((r) => r.remediation && r.effect === 'deployIfNotExists');
    if (rem.length)
      await q.query(
        `INSERT INTO compliance_remediations (assignment_id, reference_id, resource_id_lower, resource_id, definition_id, deployment, status, created_at)
         SELECT a, r, lower(id), id, d, dep, 'Pending', at FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text, d text, dep jsonb, at timestamptz)
         ON CONFLICT (assignment_id, reference_id, resource_id_lower) DO UPDATE SET deployment = EXCLUDED.deployment`,
        [JSON.stringify(rem.map((r) => ({ a: r.assignmentId, r: r.referenceId, id: r.resourceId, d: r.definitionId, dep: r.remediation?.deployment ?? null, at: r.evaluatedAt })))],
      );
  }
}
