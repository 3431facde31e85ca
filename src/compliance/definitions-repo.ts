import { ConflictError, InputError, NotFoundError } from '../errors/index.js';
import { parseDefinition, type PolicyDefinitionAst } from '../policy/index.js';
import type { Queryable, Store } from '../store/index.js';
import { complianceAliases } from './aliases.js';
import { BUILTIN_DEFINITION_PREFIX, BUILTIN_SET_PREFIX, builtinDefinitions, goldenImageInitiative } from './golden-initiative.js';
import { assertScopeExists, parseScope } from './scopes.js';
import type { DefinitionRecord, SetDefinitionRecord, SetDefinitionReference } from './types.js';

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.()-]{0,127}$/;
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const DEF_TYPE = 'Microsoft.Authorization/policyDefinitions';
const SET_TYPE = 'Microsoft.Authorization/policySetDefinitions';

interface DefRow {
  id: string;
  name: string;
  scope: string;
  policy_type: 'BuiltIn' | 'Custom';
  display_name: string | null;
  mode: string | null;
  doc: DefinitionRecord['doc'];
}

function toDefinition(r: DefRow): DefinitionRecord {
  return { id: r.id, name: r.name, scope: r.scope, policyType: r.policy_type, displayName: r.display_name ?? undefined, mode: r.mode ?? undefined, doc: r.doc };
}

function toSet(r: DefRow): SetDefinitionRecord {
  const p = r.doc.properties;
  return {
    id: r.id,
    name: r.name,
    scope: r.scope,
    policyType: r.policy_type,
    displayName: r.display_name ?? undefined,
    policyDefinitions: p.policyDefinitions as SetDefinitionReference[],
    parameters: (p.parameters ?? {}) as Record<string, unknown>,
    policyDefinitionGroups: (p.policyDefinitionGroups ?? []) as SetDefinitionRecord['policyDefinitionGroups'],
    metadata: p.metadata as Record<string, unknown> | undefined,
  };
}

function nameOf(json: Record<string, unknown>, given: string | undefined, where: string): string {
  const name = given ?? (typeof json.name === 'string' ? json.name : undefined);
  if (!name) throw new InputError('COMPLIANCE_NAME_REQUIRED', 'a name is required (give --name or a "name" in the file)', { where: `${where}/name` });
  if (!NAME_RE.test(name)) throw new InputError('COMPLIANCE_NAME_INVALID', `name ${JSON.stringify(name)} must be letters, digits and . _ - ( ), at most 128 characters`, { where: `${where}/name` });
  return name;
}

/** The id a definition gets at a scope: tenant-level built-ins have no scope prefix. */
export function definitionIdAt(scope: string, name: string, set = false): string {
  return `${scope}${set ? BUILTIN_SET_PREFIX : BUILTIN_DEFINITION_PREFIX}${name}`;
}

/** Policy definitions and initiatives: parsed before they are stored, so what is stored compiles. */
export class DefinitionsRepo {
  private seeded = false;
  constructor(private readonly store: Store) {}

  /** Seed (or refresh) the shipped built-ins. Idempotent; runs once per process. */
  async ensureBuiltins(): Promise<void> {
    if (this.seeded) return;
    const now = new Date().toISOString();
    await this.store.tx(async (q) => {
      for (const d of builtinDefinitions()) {
        const id = BUILTIN_DEFINITION_PREFIX + d.name;
        const ast = parseDefinition({ properties: d.properties }, { aliases: complianceAliases });
        await upsert(q, 'policy_definitions', { id, name: d.name, scope: '', policyType: 'BuiltIn', displayName: ast.displayName, mode: ast.mode, doc: { id, name: d.name, type: DEF_TYPE, properties: d.properties } }, now);
      }
      const g = goldenImageInitiative();
      const id = BUILTIN_SET_PREFIX + g.name;
      await upsert(q, 'policy_set_definitions', { id, name: g.name, scope: '', policyType: 'BuiltIn', displayName: g.properties.displayName, doc: { id, name: g.name, type: SET_TYPE, properties: g.properties } }, now);
    });
    this.seeded = true;
  }

  /**
   * Store a custom definition at a scope (a subscription or management group; '' = tenant). The
   * definition is parsed first: a bad one is refused with the JSON path of the problem, nothing stored.
   */
  async createDefinition(json: unknown, opts: { name?: string; scope?: string } = {}): Promise<DefinitionRecord> {
    await this.ensureBuiltins();
    if (!isObj(json)) throw new InputError('POLICY_INVALID', 'a policy definition must be a JSON object', { where: '' });
    const ast: PolicyDefinitionAst = parseDefinition(json, { aliases: complianceAliases });
    const name = nameOf(json, opts.name, '');
    const scope = await this.definitionScope(opts.scope);
    const id = definitionIdAt(scope, name);
    const propsKey = Object.keys(json).find((k) => k.toLowerCase() === 'properties');
    const props = propsKey && isObj(json[propsKey]) ? (json[propsKey] as Record<string, unknown>) : stripEnvelope(json);
    const hasRule = Object.keys(props).some((k) => k.toLowerCase() === 'policyrule');
    const properties = hasRule ? props : { policyRule: props };
    const doc = { id, name, type: DEF_TYPE, properties: { ...properties, policyType: 'Custom' } };
    const now = new Date().toISOString();
    return this.store.tx(async (q) => {
      if ((await q.query(`SELECT 1 FROM policy_definitions WHERE id_lower = $1`, [id.toLowerCase()])).length)
        throw new ConflictError('COMPLIANCE_DEFINITION_EXISTS', `policy definition ${id} already exists`, { where: id });
      await upsert(q, 'policy_definitions', { id, name, scope, policyType: 'Custom', displayName: ast.displayName, mode: ast.mode, doc }, now);
      q.emit({ type: 'policy.definition.created', subject: id });
      return { id, name, scope, policyType: 'Custom' as const, displayName: ast.displayName, mode: ast.mode, doc };
    });
  }

  async getDefinition(id: string, q: Queryable = this.store): Promise<DefinitionRecord> {
    await this.ensureBuiltins();
    const rows = await q.query<DefRow>(`SELECT * FROM policy_definitions WHERE id_lower = $1 OR (scope = '' AND lower(name) = $1)`, [id.toLowerCase()]);
    if (!rows[0]) throw new NotFoundError('COMPLIANCE_DEFINITION_NOT_FOUND', `no policy definition ${id}`, { where: id });
    return toDefinition(rows[0]);
  }

  async listDefinitions(): Promise<DefinitionRecord[]> {
    await this.ensureBuiltins();
    return (await this.store.query<DefRow>(`SELECT * FROM policy_definitions ORDER BY policy_type, name`)).map(toDefinition);
  }

  /** Delete a custom definition; refused while an assignment or initiative still uses it. */
  async deleteDefinition(id: string): Promise<void> {
    const d = await this.getDefinition(id);
    if (d.policyType === 'BuiltIn') throw new ConflictError('COMPLIANCE_BUILTIN_READONLY', `${d.id} is a built-in definition and cannot be deleted`, { where: d.id });
    await this.store.tx(async (q) => {
      const used = await q.query<{ id: string }>(`SELECT id FROM policy_assignments WHERE lower(definition_id) = $1`, [d.id.toLowerCase()]);
      if (used.length) throw new ConflictError('COMPLIANCE_DEFINITION_IN_USE', `${d.id} is assigned by ${used.map((u) => u.id).join(', ')}; delete those assignments first`, { where: d.id });
      const sets = await q.query<{ id: string }>(`SELECT id FROM policy_set_definitions WHERE doc::text ILIKE $1`, [`%${d.id.replace(/[\\%_]/g, (c) => '\\' + c)}%`]);
      if (sets.length) throw new ConflictError('COMPLIANCE_DEFINITION_IN_USE', `${d.id} is referenced by initiative ${sets.map((s) => s.id).join(', ')}`, { where: d.id });
      await q.query(`DELETE FROM policy_definitions WHERE id = $1`, [d.id]);
      q.emit({ type: 'policy.definition.deleted', subject: d.id });
    });
  }

  /**
   * Store an initiative. Every reference must name an existing definition, reference ids must be
   * unique, and each reference's parameters must fit its definition (checked by compiling later).
   */
  async createSetDefinition(json: unknown, opts: { name?: string; scope?: string } = {}): Promise<SetDefinitionRecord> {
    await this.ensureBuiltins();
    if (!isObj(json)) throw new InputError('COMPLIANCE_SET_INVALID', 'a policy set definition must be a JSON object', { where: '' });
    const name = nameOf(json, opts.name, '');
    const props = isObj(json.properties) ? json.properties : json;
    const base = isObj(json.properties) ? '/properties' : '';
    const refs = props.policyDefinitions;
    if (!Array.isArray(refs) || refs.length === 0)
      throw new InputError('COMPLIANCE_SET_INVALID', 'policyDefinitions must be a non-empty array', { where: `${base}/policyDefinitions` });
    const groups = Array.isArray(props.policyDefinitionGroups) ? (props.policyDefinitionGroups as Array<{ name?: unknown }>) : [];
    const groupNames = new Set(groups.map((g) => String(g?.name ?? '').toLowerCase()));
    const seen = new Set<string>();
    const normalised: SetDefinitionReference[] = [];
    for (const [i, r] of refs.entries()) {
      const at = `${base}/policyDefinitions/${i}`;
      if (!isObj(r) || typeof r.policyDefinitionId !== 'string')
        throw new InputError('COMPLIANCE_SET_INVALID', 'each reference needs a policyDefinitionId', { where: `${at}/policyDefinitionId` });
      const def = await this.getDefinition(r.policyDefinitionId).catch((e: unknown) => {
        if (e instanceof NotFoundError) throw new InputError('COMPLIANCE_SET_INVALID', `policy definition ${r.policyDefinitionId} does not exist`, { where: `${at}/policyDefinitionId` });
        throw e;
      });
      const refId = typeof r.policyDefinitionReferenceId === 'string' && r.policyDefinitionReferenceId ? r.policyDefinitionReferenceId : `${def.name}_${i}`;
      if (seen.has(refId.toLowerCase())) throw new InputError('COMPLIANCE_SET_INVALID', `duplicate policyDefinitionReferenceId '${refId}'`, { where: `${at}/policyDefinitionReferenceId` });
      seen.add(refId.toLowerCase());
      const gn = Array.isArray(r.groupNames) ? (r.groupNames as unknown[]).map(String) : [];
      for (const [k, g] of gn.entries())
        if (!groupNames.has(g.toLowerCase())) throw new InputError('COMPLIANCE_SET_INVALID', `group '${g}' is not declared in policyDefinitionGroups`, { where: `${at}/groupNames/${k}` });
      if (r.parameters !== undefined && !isObj(r.parameters)) throw new InputError('COMPLIANCE_SET_INVALID', 'parameters must be an object {"name": {"value": ...}}', { where: `${at}/parameters` });
      normalised.push({ policyDefinitionId: def.id, policyDefinitionReferenceId: refId, parameters: (r.parameters ?? {}) as SetDefinitionReference['parameters'], groupNames: gn });
    }
    const scope = await this.definitionScope(opts.scope);
    const id = definitionIdAt(scope, name, true);
    const properties = { ...props, policyDefinitions: normalised, policyType: 'Custom' };
    const doc = { id, name, type: SET_TYPE, properties };
    const displayName = typeof props.displayName === 'string' ? props.displayName : undefined;
    const now = new Date().toISOString();
    return this.store.tx(async (q) => {
      if ((await q.query(`SELECT 1 FROM policy_set_definitions WHERE id_lower = $1`, [id.toLowerCase()])).length)
        throw new ConflictError('COMPLIANCE_SET_EXISTS', `policy set definition ${id} already exists`, { where: id });
      await upsert(q, 'policy_set_definitions', { id, name, scope, policyType: 'Custom', displayName, doc }, now);
      q.emit({ type: 'policy.setDefinition.created', subject: id });
      return toSet({ id, name, scope, policy_type: 'Custom', display_name: displayName ?? null, mode: null, doc });
    });
  }

  async getSetDefinition(id: string, q: Queryable = this.store): Promise<SetDefinitionRecord> {
    await this.ensureBuiltins();
    const rows = await q.query<DefRow>(`SELECT *, NULL AS mode FROM policy_set_definitions WHERE id_lower = $1 OR (scope = '' AND lower(name) = $1)`, [id.toLowerCase()]);
    if (!rows[0]) throw new NotFoundError('COMPLIANCE_SET_NOT_FOUND', `no policy set definition ${id}`, { where: id });
    return toSet(rows[0]);
  }

  async listSetDefinitions(): Promise<SetDefinitionRecord[]> {
    await this.ensureBuiltins();
    return (await this.store.query<DefRow>(`SELECT *, NULL AS mode FROM policy_set_definitions ORDER BY policy_type, name`)).map(toSet);
  }

  private async definitionScope(scope: string | undefined): Promise<string> {
    if (scope === undefined || scope === '') return '';
    const s = parseScope(scope, 'scope');
    if (s.kind !== 'subscription' && s.kind !== 'managementGroup')
      throw new InputError('COMPLIANCE_SCOPE_INVALID', `definitions live at a subscription or management group, not a ${s.kind}`, { where: 'scope' });
    await assertScopeExists(this.store, s);
    return s.id;
  }
}

function stripEnvelope(json: Record<string, unknown>): Record<string, unknown> {
  const { name: _n, id: _i, type: _t, ...rule } = json;
  return rule;
}

async function upsert(
  q: Queryable,
  table: 'policy_definitions' | 'policy_set_definitions',
  r: { id: string; name: string; scope: string; policyType: string; displayName?: string; mode?: string; doc: unknown },
  now: string,
): Promise<void> {
  const mode = table === 'policy_definitions';
  await q.query(
    `INSERT INTO ${table} (id, id_lower, name, scope, policy_type, display_name, ${mode ? 'mode, ' : ''}doc, created_at, updated_at)
     VALUES ($1, lower($1), $2, $3, $4, $5, ${mode ? '$8, ' : ''}$6, $7, $7)
     ON CONFLICT (id) DO UPDATE SET display_name = EXCLUDED.display_name, doc = EXCLUDED.doc, updated_at = EXCLUDED.updated_at${mode ? ', mode = EXCLUDED.mode' : ''}`,
    mode ? [r.id, r.name, r.scope, r.policyType, r.displayName ?? null, r.doc, now, r.mode ?? null] : [r.id, r.name, r.scope, r.policyType, r.displayName ?? null, r.doc, now],
  );
}
