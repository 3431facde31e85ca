import type { Command } from 'commander';
import { whatIf, type AssignmentInput, type ExemptionCategory } from '../compliance/index.js';
import { InputError, NotFoundError } from '../errors/index.js';
import { checkInputShape, readInputText } from '../input/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';

export async function readJsonFile(file: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readInputText(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError('COMPLIANCE_FILE_NOT_FOUND', `${what} file not found: ${file}`, { where: file });
    if (e instanceof InputError) throw e;
    throw new InputError('COMPLIANCE_FILE_UNREADABLE', `cannot read ${what} file ${file}: ${(e as Error).message}`, { where: file });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new InputError('COMPLIANCE_JSON_INVALID', `${what} file ${file} is not valid JSON: ${(e as Error).message}`, { where: file });
  }
  // Definitions, initiatives and parameters are stored (jsonb: no NUL) and walked recursively.
  checkInputShape(value, file);
  return value;
}

export const complianceService = async (ctx: CliContext) => (await ctx.app()).compliance;
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface AssignmentOpts extends OutputOptions {
  name?: string;
  definition?: string;
  setDefinition?: string;
  scope?: string;
  notScope?: string[];
  params?: string;
  enforcementMode?: string;
  message?: string;
  remediationUrl?: string;
  file?: string;
  evaluate: boolean;
}

async function assignmentDraft(o: AssignmentOpts): Promise<AssignmentInput> {
  const base = (o.file ? await readJsonFile(o.file, 'assignment') : {}) as Record<string, unknown>;
  if (typeof base !== 'object' || base === null || Array.isArray(base)) throw new InputError('COMPLIANCE_INPUT_INVALID', 'an assignment file must hold a JSON object', { where: o.file });
  // Accept Azure's envelope ({name, properties: {...}}) as well as the flat shape.
  const props = (typeof base.properties === 'object' && base.properties !== null ? base.properties : base) as Record<string, unknown>;
  if (o.definition && o.setDefinition) throw new InputError('COMPLIANCE_INPUT_INVALID', 'give either --definition or --set-definition, not both', { where: '--definition' });
  const params = o.params ? await readJsonFile(o.params, 'parameters') : props.parameters;
  const metadata = { ...((props.metadata as Record<string, unknown>) ?? {}), ...(o.remediationUrl ? { remediationUrl: o.remediationUrl } : {}) };
  return {
    ...(props as unknown as AssignmentInput),
    name: o.name ?? (base.name as string) ?? (props.name as string),
    scope: o.scope ?? (props.scope as string),
    policyDefinitionId: o.definition ?? o.setDefinition ?? (props.policyDefinitionId as string),
    notScopes: o.notScope ?? (props.notScopes as string[] | undefined),
    parameters: params as AssignmentInput['parameters'],
    enforcementMode: (o.enforcementMode ?? props.enforcementMode) as AssignmentInput['enforcementMode'],
    nonComplianceMessages: o.message ? [{ message: o.message }] : (props.nonComplianceMessages as AssignmentInput['nonComplianceMessages']),
    metadata,
  };
}

/** `goldsmith policy definition|set-definition|assignment|exemption|whatif`: policy administration in the store. */
export function registerPolicyAdmin(program: Command, ctx: CliContext): void {
  const policy = program.commands.find((c) => c.name() === 'policy') ?? program.command('policy').description('Azure Policy definitions, assignments and exemptions');

  const def = policy.command('definition').description('policy definitions (built-in and custom)');
  def
    .command('create')
    .description('store a custom definition; it is parsed first and refused with the JSON path of any problem')
    .requiredOption('--file <file>', 'definition JSON (Azure shape, or a bare {if, then} rule)')
    .option('--name <name>', 'definition name (default: the "name" in the file)')
    .option('--scope <scope>', 'subscription or management group the definition lives at (default: tenant)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { file: string; name?: string; scope?: string }) => {
      const d = await (await complianceService(ctx)).definitions.createDefinition(await readJsonFile(o.file, 'definition'), { name: o.name, scope: o.scope });
      emit(o, d, () => `created policy definition ${d.name}\n  ${d.id}`);
    });
  def
    .command('list')
    .description('list definitions')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await complianceService(ctx)).definitions.listDefinitions();
      emit(o, list, () => table(list.map((d) => ({ name: d.name, type: d.policyType, mode: d.mode, displayName: d.displayName }))));
    });
  def
    .command('show <definition>')
    .description('show a definition (id, or name for built-ins and tenant-level ones)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const d = await (await complianceService(ctx)).definitions.getDefinition(id);
      emit(o, d.doc, () => JSON.stringify(d.doc, null, 2));
    });
  def
    .command('delete <definition>')
    .description('delete a custom definition that nothing assigns or references')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      await (await complianceService(ctx)).definitions.deleteDefinition(id);
      emit(o, { deleted: id }, () => `deleted ${id}`);
    });

  const set = policy.command('set-definition').description('policy set definitions (initiatives)');
  set
    .command('create')
    .description('store an initiative: policyDefinitions, parameters, policyDefinitionGroups')
    .requiredOption('--file <file>', 'initiative JSON (Azure shape)')
    .option('--name <name>', 'initiative name (default: the "name" in the file)')
    .option('--scope <scope>', 'subscription or management group (default: tenant)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { file: string; name?: string; scope?: string }) => {
      const s = await (await complianceService(ctx)).definitions.createSetDefinition(await readJsonFile(o.file, 'set definition'), { name: o.name, scope: o.scope });
      emit(o, s, () => `created policy set definition ${s.name} with ${s.policyDefinitions.length} definition(s)\n  ${s.id}`);
    });
  set
    .command('list')
    .description('list initiatives')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await complianceService(ctx)).definitions.listSetDefinitions();
      emit(o, list, () => table(list.map((s) => ({ name: s.name, type: s.policyType, definitions: s.policyDefinitions.length, displayName: s.displayName }))));
    });
  set
    .command('show <setDefinition>')
    .description('show an initiative')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const s = await (await complianceService(ctx)).definitions.getSetDefinition(id);
      emit(o, s, () => `${s.displayName ?? s.name}\n  ${s.id}\n\n${table(s.policyDefinitions.map((r) => ({ reference: r.policyDefinitionReferenceId, definition: r.policyDefinitionId, groups: r.groupNames })))}`);
    });

  const asg = policy.command('assignment').description('policy assignments');
  asg
    .command('create')
    .description('assign a definition or initiative at a scope, then evaluate that scope')
    .option('--name <name>', 'assignment name')
    .option('--definition <id>', 'policy definition id (or built-in name)')
    .option('--set-definition <id>', 'policy set definition id (or built-in name)')
    .option('--scope <scope>', 'management group, subscription, resource group or resource')
    .option('--not-scope <scope>', 'excluded scope (repeatable)', collect)
    .option('--params <file>', 'parameter values {"name": {"value": ...}}')
    .option('--enforcement-mode <mode>', 'Default or DoNotEnforce')
    .option('--message <text>', 'non-compliance message')
    .option('--remediation-url <url>', 'remediation documentation shown with every NonCompliant result')
    .option('--file <file>', 'assignment JSON (selectors, overrides, messages…); flags override it')
    .option('--no-evaluate', 'do not evaluate the scope now')
    .option('--json', 'print JSON')
    .action(async (o: AssignmentOpts) => {
      const svc = await complianceService(ctx);
      const draft = await assignmentDraft(o);
      if (o.setDefinition && !/\//.test(o.setDefinition)) draft.policyDefinitionId = `/providers/Microsoft.Authorization/policySetDefinitions/${o.setDefinition}`;
      else if (o.definition && !/\//.test(o.definition)) draft.policyDefinitionId = (await svc.definitions.getDefinition(o.definition)).id;
      const a = await svc.createAssignment(draft);
      const scan = o.evaluate ? await svc.evaluateAssignmentScope(a.id) : null;
      emit(o, { ...a, evaluation: scan }, () => `created assignment ${a.name}\n  ${a.id}${scan ? `\n  evaluated ${scan.resources} resource(s): ${JSON.stringify(scan.byState)}` : ''}`);
    });
  asg
    .command('list')
    .description('list assignments')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await complianceService(ctx)).assignments.list();
      emit(o, list, () => table(list.map((a) => ({ name: a.name, scope: a.scope, definition: a.policyDefinitionId.split('/').at(-1), enforcement: a.enforcementMode }))));
    });
  asg
    .command('show <assignment>')
    .description('show an assignment (id or name)')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const a = await (await complianceService(ctx)).assignments.get(id);
      emit(o, a, () => JSON.stringify(a, null, 2));
    });
  asg
    .command('delete <assignment>')
    .description('delete an assignment with its exemptions and results')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const a = await (await complianceService(ctx)).deleteAssignment(id);
      emit(o, { deleted: a.id }, () => `deleted ${a.id}`);
    });

  const ex = policy.command('exemption').description('policy exemptions');
  ex.command('create')
    .description('exempt a scope from an assignment (Waiver or Mitigated, optionally until a date)')
    .requiredOption('--name <name>', 'exemption name')
    .requiredOption('--assignment <assignment>', 'assignment id or name')
    .requiredOption('--scope <scope>', 'resource, resource group or subscription to exempt')
    .option('--category <category>', 'Waiver or Mitigated', 'Waiver')
    .option('--expires-on <iso>', 'expiry (ISO 8601); after it the results say the exemption expired')
    .option('--reference-ids <ids>', 'comma-separated policyDefinitionReferenceIds (initiatives)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { name: string; assignment: string; scope: string; category: string; expiresOn?: string; referenceIds?: string }) => {
      const svc = await complianceService(ctx);
      const e = await svc.exempt({
        name: o.name,
        policyAssignmentId: o.assignment,
        scope: o.scope,
        exemptionCategory: o.category as ExemptionCategory,
        expiresOn: o.expiresOn,
        policyDefinitionReferenceIds: o.referenceIds?.split(',').map((s) => s.trim()).filter(Boolean),
      });
      emit(o, e, () => `created exemption ${e.name}\n  ${e.id}`);
    });
  ex.command('list')
    .description('list exemptions (expired ones are marked)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions) => {
      const list = await (await complianceService(ctx)).assignments.listExemptions();
      const now = Date.now();
      emit(o, list, () => table(list.map((e) => ({ name: e.name, scope: e.scope, category: e.exemptionCategory, expiresOn: e.expiresOn, expired: e.expiresOn !== null && Date.parse(e.expiresOn) <= now ? 'EXPIRED' : '' }))));
    });
  ex.command('delete <exemption>')
    .description('delete an exemption and re-evaluate what it covered')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const svc = await complianceService(ctx);
      const e = await svc.unexempt(id);
      emit(o, { deleted: e.id }, () => `deleted ${e.id}`);
    });

  policy
    .command('whatif')
    .description('evaluate an unsaved assignment over its scope: new non-compliance, denials, and the change in compliance %')
    .requiredOption('--assignment <file>', 'assignment JSON (name, scope, policyDefinitionId, parameters…)')
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { assignment: string }) => {
      const svc = await complianceService(ctx);
      const r = await whatIf(svc, await assignmentDraft({ file: o.assignment, evaluate: false }));
      const pct = (p: number | null) => (p === null ? 'n/a' : `${p}%`);
      emit(o, r, () =>
        [
          `what-if ${r.assignment.name} at ${r.assignment.scope}: ${r.resourcesEvaluated} resource(s), ${r.results} result(s)`,
          `compliance ${pct(r.before.compliancePercentage)} → ${pct(r.after.compliancePercentage)}${r.change === null ? '' : ` (${r.change >= 0 ? '+' : ''}${r.change} points)`}`,
          `would be NonCompliant: ${r.nonCompliant.length}; would be denied on next write: ${r.wouldDeny.length}`,
          ...r.nonCompliant.map((n) => `  ${n.resourceId}${n.referenceId ? ` [${n.referenceId}]` : ''} (${n.effect})${r.wouldDeny.includes(n.resourceId) ? ' DENY' : ''}\n    ${n.reasons.join('\n    ')}`),
        ].join('\n'),
      );
    });
}
