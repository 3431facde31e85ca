import type { Command } from 'commander';
import { listResults, summarize, SUMMARY_BY, type ResultFilter, type SummaryBy } from '../compliance/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';
import { complianceService, registerPolicyAdmin } from './policy-admin.js';

interface FilterOpts extends OutputOptions {
  scope?: string;
  team?: string;
  application?: string;
  policy?: string;
  state?: string;
  expiredExemptions?: boolean;
}

const filterOf = (o: FilterOpts): ResultFilter => ({ scope: o.scope, team: o.team, application: o.application, policy: o.policy, state: o.state, expiredExemptions: o.expiredExemptions });

function withFilters(c: Command): Command {
  return c
    .option('--scope <scope>', 'only resources in this subscription or resource group')
    .option('--team <team>', 'only resources tagged team=<team>')
    .option('--application <app>', 'only resources tagged application=<app>')
    .option('--policy <policy>', 'only this assignment, definition or initiative (id or name)')
    .option('--state <state>', 'only results in this state (Compliant, NonCompliant, Exempt, Conflicting, Unknown, NotStarted)')
    .option('--expired-exemptions', 'only results whose exemption has expired')
    .option('--json', 'print JSON');
}

type Trace = { kind: string; path?: string; result?: boolean; children?: Trace[]; field?: string; resolvedPath?: string; expression?: string; actual?: unknown; missing?: boolean; operator?: string; expected?: unknown; reason?: string; error?: string };

/** The explanation tree, one node per line: ✓/✗, the condition, actual and expected values. */
export function renderTrace(nodes: Trace[], indent = '    '): string[] {
  const out: string[] = [];
  for (const n of nodes) {
    const mark = n.result === undefined ? '·' : n.result ? '✓' : '✗';
    if (n.kind === 'skipped') out.push(`${indent}· ${n.path}: ${n.reason}`);
    else if (n.kind === 'condition') {
      const subject = n.field ? `${n.field}${n.resolvedPath && n.resolvedPath !== n.field ? ` (${n.resolvedPath})` : ''}` : (n.expression ?? 'value');
      const actual = n.missing ? '<missing>' : JSON.stringify(n.actual);
      out.push(`${indent}${mark} ${subject} = ${actual}  ${n.operator} ${JSON.stringify(n.expected)}${n.error ? `  error: ${n.error}` : ''}   [${n.path}]`);
    } else {
      out.push(`${indent}${mark} ${n.kind}   [${n.path}]`);
      out.push(...renderTrace(n.children ?? [], indent + '  '));
    }
  }
  return out;
}

/** Registers `policy definition|set-definition|assignment|exemption|whatif` and `compliance …`; runs after registerPolicy. */
export function registerComplianceCommands(program: Command, ctx: CliContext): void {
  registerPolicyAdmin(program, ctx);
  registerCompliance(program, ctx);
}

/** `goldsmith compliance scan|summary|list|show`: compliance results over the fleet. */
export function registerCompliance(program: Command, ctx: CliContext): void {
  const c = program.command('compliance').description('compliance results: scan, roll-ups, lists and explanations');

  c.command('scan [scope]')
    .description('evaluate every assignment over every resource in scope; returns when all results are written')
    .option('--json', 'print JSON')
    .action(async (scope: string | undefined, o: OutputOptions) => {
      const r = await (await complianceService(ctx)).scan(scope);
      emit(o, r, () => `scanned ${r.resources} resource(s) under ${r.assignments} assignment(s): ${r.results} result(s) in ${(r.totalMs / 1000).toFixed(2)} s\n  ${Object.entries(r.byState).map(([k, v]) => `${k} ${v}`).join(', ') || 'no results'}`);
    });

  withFilters(c.command('summary'))
    .description(`compliance per ${SUMMARY_BY.join(' | ')}, with Azure's compliance percentage`)
    .option('--by <dimension>', SUMMARY_BY.join(' | '), 'assignment')
    .action(async (o: FilterOpts & { by: SummaryBy }) => {
      const s = await summarize(await ctx.store(), o.by, filterOf(o));
      const row = (r: (typeof s.rows)[number]) => ({ [o.by]: r.key, compliance: r.compliancePercentage === null ? '-' : `${r.compliancePercentage}%`, ...r.counts, total: r.total });
      emit(o, s, () => `${table(s.rows.map(row), [o.by, 'compliance', 'Compliant', 'NonCompliant', 'Exempt', 'Conflicting', 'Unknown', 'NotStarted', 'total'])}\n\noverall: ${s.overall.compliancePercentage ?? '-'}% of ${s.overall.total} result(s)`);
    });

  withFilters(c.command('list'))
    .description('list results, NonCompliant first, each with its message and remediation link')
    .option('--limit <n>', 'at most n results', (v) => Number.parseInt(v, 10), 1000)
    .action(async (o: FilterOpts & { limit: number }) => {
      const rows = await listResults(await ctx.store(), filterOf(o), o.limit);
      emit(o, rows, () =>
        table(
          rows.map((r) => ({
            state: r.state + (r.exemptionExpired ? ' (exemption expired)' : ''),
            resource: r.resourceId.split('/').at(-1),
            assignment: r.assignmentId.split('/').at(-1),
            reference: r.referenceId,
            effect: r.effect,
            message: r.message,
            remediation: r.remediationUrl,
          })),
        ),
      );
    });

  c.command('show <resource>')
    .description('every result for one resource (id or unique name), with the explanation tree')
    .option('--json', 'print JSON')
    .action(async (resource: string, o: OutputOptions) => {
      // Rows keep reasons; the full explanation tree is recomputed for this one resource.
      const r = await (await complianceService(ctx)).show(resource);
      emit(o, r, () =>
        [
          r.resourceId,
          ...r.results.flatMap((x) => [
            '',
            `${x.state}${x.exemptionExpired ? ' (exemption expired)' : ''}  ${x.assignmentId.split('/').at(-1)}${x.referenceId ? ` / ${x.referenceId}` : ''}  effect ${x.effect}${x.enforcementMode === 'DoNotEnforce' ? ' (DoNotEnforce)' : ''}`,
            ...(x.message ? [`  message: ${x.message}`] : []),
            ...(x.remediationUrl ? [`  remediation: ${x.remediationUrl}`] : []),
            ...x.reasons.map((reason) => `  - ${reason}`),
            ...(Array.isArray(x.trace) && x.trace.length ? ['  explanation:', ...renderTrace(x.trace as Trace[])] : []),
          ]),
        ].join('\n'),
      );
    });
}
