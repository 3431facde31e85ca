import type { Queryable } from '../store/index.js';
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
    if (rows.some((e) => e.n < 0)) {
      const assignments = [...new Set(rows.filter((e) => e.n < 0).map((e) => e.a))];
      await q.query(`DELETE FROM compliance_counts WHERE n <= 0 AND assignment_id = ANY($1::text[])`, [assignments]);
    }
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

/** What a write replaces: these assignments' results for these resources (or every stale one). */
export type Replace =
  | { assignmentIds: string[]; resourceIdsLower: string[] }
  | { assignmentIds: string[]; staleBefore: string; scopeLower?: string };

/**
 * Replace results in one transaction: delete what the evaluation covered, insert what it produced,
 * move the roll-up counts by the difference and refresh deployIfNotExists remediation records.
 */
export async function replaceResults(q: Queryable, replace: Replace, results: readonly ComplianceResult[]): Promise<void> {
  const delta = new CountDelta();
  if (replace.assignmentIds.length) {
    let removed: CountedRow[];
    if ('resourceIdsLower' in replace) {
      if (replace.resourceIdsLower.length === 0) removed = [];
      else {
        removed = await q.query<CountedRow>(
          `DELETE FROM compliance_results WHERE assignment_id = ANY($1::text[]) AND resource_id_lower = ANY($2::text[]) RETURNING ${COUNTED}`,
          [replace.assignmentIds, replace.resourceIdsLower],
        );
        await q.query(`DELETE FROM compliance_remediations WHERE assignment_id = ANY($1::text[]) AND resource_id_lower = ANY($2::text[])`, [replace.assignmentIds, replace.resourceIdsLower]);
      }
    } else {
      const scoped = replace.scopeLower ? ` AND (resource_id_lower = $3 OR resource_id_lower LIKE $4)` : '';
      const params: unknown[] = [replace.assignmentIds, replace.staleBefore];
      if (replace.scopeLower) params.push(replace.scopeLower, replace.scopeLower.replace(/[\\%_]/g, (c) => '\\' + c) + '/%');
      removed = await q.query<CountedRow>(`DELETE FROM compliance_results WHERE assignment_id = ANY($1::text[]) AND evaluated_at < $2${scoped} RETURNING ${COUNTED}`, params);
    }
    for (const r of removed) delta.add(r, -1);
  }
  if (results.length) {
    const rows = results.map((r) => ({
      a: r.assignmentId, r: r.referenceId, id: r.resourceId, d: r.definitionId, s: r.setDefinitionId, t: r.resourceType,
      sub: r.subscription, rg: r.resourceGroup, team: r.team, app: r.application, img: r.imageVersion, role: r.role,
      st: r.state, ef: r.effect, em: r.enforcementMode, ex: r.exemptionId, xe: r.exemptionExpired, rs: r.reasons, tr: r.trace,
      msg: r.message, url: r.remediationUrl, at: r.evaluatedAt,
    }));
    await q.query(
      `INSERT INTO compliance_results (assignment_id, reference_id, resource_id, resource_id_lower, definition_id, set_definition_id, resource_type,
         subscription, resource_group, team, application, image_version, role, state, effect, enforcement_mode, exemption_id, exemption_expired,
         reasons, trace, message, remediation_url, evaluated_at)
       SELECT a, r, id, lower(id), d, s, t, sub, rg, team, app, img, role, st, ef, em, ex, xe, rs, tr, msg, url, at
       FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text, d text, s text, t text, sub text, rg text, team text, app text,
         img text, role text, st text, ef text, em text, ex text, xe boolean, rs jsonb, tr jsonb, msg text, url text, at timestamptz)
       ON CONFLICT (assignment_id, reference_id, resource_id_lower) DO UPDATE SET
         state = EXCLUDED.state, effect = EXCLUDED.effect, enforcement_mode = EXCLUDED.enforcement_mode, exemption_id = EXCLUDED.exemption_id,
         exemption_expired = EXCLUDED.exemption_expired, reasons = EXCLUDED.reasons, trace = EXCLUDED.trace, message = EXCLUDED.message,
         remediation_url = EXCLUDED.remediation_url, evaluated_at = EXCLUDED.evaluated_at, team = EXCLUDED.team, application = EXCLUDED.application,
         image_version = EXCLUDED.image_version, role = EXCLUDED.role`,
      [JSON.stringify(rows)],
    );
    for (const r of results) delta.add(toCounted(r), +1);
    const rem = results.filter((r) => r.remediation && r.effect === 'deployIfNotExists');
    if (rem.length)
      await q.query(
        `INSERT INTO compliance_remediations (assignment_id, reference_id, resource_id_lower, resource_id, definition_id, deployment, status, created_at)
         SELECT a, r, lower(id), id, d, dep, 'Pending', at FROM jsonb_to_recordset($1::jsonb) AS x(a text, r text, id text, d text, dep jsonb, at timestamptz)
         ON CONFLICT (assignment_id, reference_id, resource_id_lower) DO UPDATE SET deployment = EXCLUDED.deployment`,
        [JSON.stringify(rem.map((r) => ({ a: r.assignmentId, r: r.referenceId, id: r.resourceId, d: r.definitionId, dep: r.remediation?.deployment ?? null, at: r.evaluatedAt })))],
      );
  }
  await delta.apply(q);
}
