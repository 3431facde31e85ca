import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { canonicalEffect } from '../policy/index.js';
import type { Queryable, Store } from '../store/index.js';
import { assertScopeExists, parseScope } from './scopes.js';
import type { AssignmentInput, AssignmentRecord, ExemptionInput, ExemptionRecord, NonComplianceMessage } from './types.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.()-]{0,127}$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const SELECTOR_KINDS = ['resourceLocation', 'resourceType', 'resourceWithoutLocation'];

export const assignmentIdAt = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/policyAssignments/${name}`;
export const exemptionIdAt = (scope: string, name: string) => `${scope}/providers/Microsoft.Authorization/policyExemptions/${name}`;

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || !NAME_RE.test(name))
    throw new InputError('COMPLIANCE_NAME_INVALID', `${where} ${JSON.stringify(name)} must be 1-128 letters, digits and . _ - ( )`, { where });
  return name;
}

function stringList(v: unknown, where: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) throw new InputError('COMPLIANCE_INPUT_INVALID', `${where} must be an array of strings`, { where });
  return v as string[];
}

/**
 * Structural checks of an assignment draft (everything that needs no store): names, scope syntax,
 * enforcement mode, messages, selectors, overrides. Parameters are checked when it is prepared.
 */
export function normaliseAssignment(input: AssignmentInput, now: string): AssignmentRecord {
  if (!isObj(input)) throw new InputError('COMPLIANCE_INPUT_INVALID', 'an assignment must be a JSON object', { where: '' });
  const name = checkName(input.name, '/name');
  const scope = parseScope(input.scope, '/scope');
  if (typeof input.policyDefinitionId !== 'string' || !input.policyDefinitionId)
    throw new InputError('COMPLIANCE_INPUT_INVALID', 'policyDefinitionId is required (a policy definition or policy set definition id)', { where: '/policyDefinitionId' });
  const notScopes = stringList(input.notScopes, '/notScopes').map((n, i) => {
    const s = parseScope(n, `/notScopes/${i}`);
    if (!(s.lower === scope.lower || s.lower.startsWith(scope.lower + '/')) && scope.kind !== 'managementGroup')
      throw new InputError('COMPLIANCE_SCOPE_INVALID', `notScope ${n} is not inside the assignment scope ${scope.id}`, { where: `/notScopes/${i}` });
    return s.id;
  });
  const mode = input.enforcementMode ?? 'Default';
  const enforcementMode = typeof mode === 'string' ? (['Default', 'DoNotEnforce'].find((m) => m.toLowerCase() === mode.toLowerCase()) as AssignmentRecord['enforcementMode'] | undefined) : undefined;
  if (!enforcementMode) throw new InputError('COMPLIANCE_INPUT_INVALID', `enforcementMode must be Default or DoNotEnforce, got ${JSON.stringify(mode)}`, { where: '/enforcementMode' });
  if (input.parameters !== undefined && !isObj(input.parameters)) throw new InputError('POLICY_PARAMETER_INVALID', 'parameters must be an object {"name": {"value": ...}}', { where: '/parameters' });
  const messages: NonComplianceMessage[] = (input.nonComplianceMessages ?? []).map((m, i) => {
    if (!isObj(m) || typeof m.message !== 'string' || !m.message) throw new InputError('COMPLIANCE_INPUT_INVALID', 'each non-compliance message needs a message string', { where: `/nonComplianceMessages/${i}/message` });
    return m.policyDefinitionReferenceId ? { message: m.message, policyDefinitionReferenceId: String(m.policyDefinitionReferenceId) } : { message: m.message };
  });
  (input.resourceSelectors ?? []).forEach((rs, i) => {
    if (!isObj(rs) || !Array.isArray(rs.selectors)) throw new InputError('COMPLIANCE_INPUT_INVALID', 'a resource selector needs a selectors array', { where: `/resourceSelectors/${i}` });
    rs.selectors.forEach((s, k) => {
      if (!SELECTOR_KINDS.includes(s?.kind)) throw new InputError('COMPLIANCE_INPUT_INVALID', `selector kind must be one of ${SELECTOR_KINDS.join(', ')}`, { where: `/resourceSelectors/${i}/selectors/${k}/kind` });
      if (!s.in === !s.notIn) throw new InputError('COMPLIANCE_INPUT_INVALID', 'a selector needs exactly one of in / notIn', { where: `/resourceSelectors/${i}/selectors/${k}` });
    });
  });
  (input.overrides ?? []).forEach((o, i) => {
    if (!isObj(o) || o.kind !== 'policyEffect') throw new InputError('COMPLIANCE_INPUT_INVALID', 'override kind must be policyEffect', { where: `/overrides/${i}/kind` });
    if (!canonicalEffect(o.value)) throw new InputError('COMPLIANCE_OVERRIDE_INVALID', `override value ${JSON.stringify(o.value)} is not an effect`, { where: `/overrides/${i}/value` });
    (o.selectors ?? []).forEach((s, k) => {
      if (s?.kind !== 'policyDefinitionReferenceId') throw new InputError('COMPLIANCE_INPUT_INVALID', 'override selector kind must be policyDefinitionReferenceId', { where: `/overrides/${i}/selectors/${k}/kind` });
    });
  });
  if (input.metadata !== undefined && !isObj(input.metadata)) throw new InputError('COMPLIANCE_INPUT_INVALID', 'metadata must be an object', { where: '/metadata' });
  return {
    id: assignmentIdAt(scope.id, name),
    name,
    scope: scope.id,
    policyDefinitionId: input.policyDefinitionId,
    displayName: input.displayName,
    description: input.description,
    notScopes,
    parameters: input.parameters ?? {},
    enforcementMode,
    nonComplianceMessages: messages,
    resourceSelectors: input.resourceSelectors ?? [],
    overrides: (input.overrides ?? []).map((o) => ({ ...o, value: canonicalEffect(o.value)! })),
    metadata: input.metadata ?? {},
    isSet: /\/policySetDefinitions\//i.test(input.policyDefinitionId),
    createdAt: now,
    updatedAt: now,
  };
}

interface AssignmentRow {
  doc: AssignmentRecord;
}
interface ExemptionRow {
  doc: ExemptionRecord;
  expires_on: string | null;
}

/** Assignments and exemptions in the store; every change emits an event the triggers act on. */
export class AssignmentsRepo {
  constructor(private readonly store: Store) {}

  async assertScope(a: AssignmentRecord, q: Queryable = this.store): Promise<void> {
    await assertScopeExists(q, parseScope(a.scope, '/scope'), 'scope');
  }

  /** Insert (or replace, with `replace`) an already prepared assignment. */
  async save(a: AssignmentRecord, opts: { replace?: boolean } = {}): Promise<AssignmentRecord> {
    return this.store.tx(async (q) => {
      const existing = await q.query<AssignmentRow>(`SELECT doc FROM policy_assignments WHERE id_lower = $1`, [a.id.toLowerCase()]);
      if (existing[0] && !opts.replace) throw new ConflictError('COMPLIANCE_ASSIGNMENT_EXISTS', `assignment ${a.id} already exists`, { where: a.id });
      const rec = existing[0] ? { ...a, createdAt: existing[0].doc.createdAt } : a;
      await q.query(
        `INSERT INTO policy_assignments (id, id_lower, name, scope, scope_lower, definition_id, is_set, enforcement_mode, doc, created_at, updated_at)
         VALUES ($1, lower($1), $2, $3, lower($3), $4, $5, $6, $7, $8, $9)
         ON CONFLICT (id) DO UPDATE SET scope = EXCLUDED.scope, scope_lower = EXCLUDED.scope_lower, definition_id = EXCLUDED.definition_id,
           is_set = EXCLUDED.is_set, enforcement_mode = EXCLUDED.enforcement_mode, doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at`,
        [rec.id, rec.name, rec.scope, rec.policyDefinitionId, rec.isSet, rec.enforcementMode, rec, rec.createdAt, rec.updatedAt],
      );
      // Until the trigger re-evaluates, the old results describe an assignment that no longer exists.
      if (existing[0]) await q.query(`UPDATE compliance_results SET state = 'NotStarted' WHERE assignment_id = $1`, [rec.id]);
      q.emit({ type: existing[0] ? 'policy.assignment.updated' : 'policy.assignment.created', subject: rec.id });
      return rec;
    });
  }

  async get(idOrName: string, q: Queryable = this.store): Promise<AssignmentRecord> {
    const rows = await q.query<AssignmentRow>(`SELECT doc FROM policy_assignments WHERE id_lower = $1 OR lower(name) = $1 ORDER BY id LIMIT 2`, [idOrName.toLowerCase()]);
    if (!rows[0]) throw new NotFoundError('COMPLIANCE_ASSIGNMENT_NOT_FOUND', `no policy assignment ${idOrName}`, { where: idOrName });
    if (rows.length > 1 && rows[0].doc.id.toLowerCase() !== idOrName.toLowerCase())
      throw new InputError('COMPLIANCE_AMBIGUOUS', `several assignments are named ${idOrName}; give the full id`, { where: idOrName });
    return rows[0].doc;
  }

  async list(q: Queryable = this.store): Promise<AssignmentRecord[]> {
    return (await q.query<AssignmentRow>(`SELECT doc FROM policy_assignments ORDER BY id`)).map((r) => r.doc);
  }

  /** Delete an assignment; its exemptions, results and counts go with it (foreign keys cascade). */
  async delete(idOrName: string): Promise<AssignmentRecord> {
    const a = await this.get(idOrName);
    await this.store.tx(async (q) => {
      await q.query(`DELETE FROM policy_assignments WHERE id = $1`, [a.id]);
      q.emit({ type: 'policy.assignment.deleted', subject: a.id });
    });
    return a;
  }

  async createExemption(input: ExemptionInput): Promise<ExemptionRecord> {
    if (!isObj(input)) throw new InputError('COMPLIANCE_INPUT_INVALID', 'an exemption must be a JSON object', { where: '' });
    const name = checkName(input.name, '/name');
    const scope = parseScope(input.scope, '/scope');
    const category = ['Waiver', 'Mitigated'].find((c) => typeof input.exemptionCategory === 'string' && c.toLowerCase() === input.exemptionCategory.toLowerCase());
    if (!category) throw new InputError('COMPLIANCE_INPUT_INVALID', `exemptionCategory must be Waiver or Mitigated, got ${JSON.stringify(input.exemptionCategory)}`, { where: '/exemptionCategory' });
    if (input.expiresOn != null && (typeof input.expiresOn !== 'string' || Number.isNaN(Date.parse(input.expiresOn))))
      throw new InputError('COMPLIANCE_INPUT_INVALID', `expiresOn ${JSON.stringify(input.expiresOn)} is not an ISO 8601 date-time`, { where: '/expiresOn' });
    const refIds = stringList(input.policyDefinitionReferenceIds, '/policyDefinitionReferenceIds');
    if (typeof input.policyAssignmentId !== 'string' || !input.policyAssignmentId)
      throw new InputError('COMPLIANCE_INPUT_INVALID', 'policyAssignmentId is required', { where: '/policyAssignmentId' });
    return this.store.tx(async (q) => {
      const a = await this.get(input.policyAssignmentId, q).catch((e: unknown) => {
        if (e instanceof NotFoundError)
          throw new NotFoundError('COMPLIANCE_ASSIGNMENT_NOT_FOUND', `cannot exempt from assignment ${input.policyAssignmentId}: it does not exist`, { where: '/policyAssignmentId' });
        throw e;
      });
      await assertScopeExists(q, scope, 'scope');
      const id = exemptionIdAt(scope.id, name);
      if ((await q.query(`SELECT 1 FROM policy_exemptions WHERE id_lower = $1`, [id.toLowerCase()])).length)
        throw new ConflictError('COMPLIANCE_EXEMPTION_EXISTS', `exemption ${id} already exists`, { where: id });
      const now = new Date().toISOString();
      const expiresOn = input.expiresOn ? new Date(input.expiresOn).toISOString() : null;
      const rec: ExemptionRecord = {
        id,
        name,
        scope: scope.id,
        policyAssignmentId: a.id,
        exemptionCategory: category as ExemptionRecord['exemptionCategory'],
        expiresOn,
        policyDefinitionReferenceIds: refIds,
        displayName: input.displayName,
        description: input.description,
        createdAt: now,
      };
      await q.query(
        `INSERT INTO policy_exemptions (id, id_lower, name, scope, scope_lower, assignment_id, category, expires_on, doc, created_at, updated_at)
         VALUES ($1, lower($1), $2, $3, lower($3), $4, $5, $6, $7, $8, $8)`,
        [id, name, scope.id, a.id, category, expiresOn, rec, now],
      );
      q.emit({ type: 'policy.exemption.created', subject: id, data: { assignmentId: a.id, scope: scope.id } });
      return rec;
    });
  }

  async listExemptions(q: Queryable = this.store): Promise<ExemptionRecord[]> {
    return (await q.query<ExemptionRow>(`SELECT doc FROM policy_exemptions ORDER BY id`)).map((r) => r.doc);
  }

  async deleteExemption(idOrName: string): Promise<ExemptionRecord> {
    return this.store.tx(async (q) => {
      const rows = await q.query<ExemptionRow>(`SELECT doc, expires_on FROM policy_exemptions WHERE id_lower = $1 OR lower(name) = $1`, [idOrName.toLowerCase()]);
      if (!rows[0]) throw new NotFoundError('COMPLIANCE_EXEMPTION_NOT_FOUND', `no policy exemption ${idOrName}`, { where: idOrName });
      if (rows.length > 1) throw new InputError('COMPLIANCE_AMBIGUOUS', `several exemptions are named ${idOrName}; give the full id`, { where: idOrName });
      const e = rows[0].doc;
      await q.query(`DELETE FROM policy_exemptions WHERE id = $1`, [e.id]);
      q.emit({ type: 'policy.exemption.deleted', subject: e.id, data: { assignmentId: e.policyAssignmentId, scope: e.scope } });
      return e;
    });
  }
}
