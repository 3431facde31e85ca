import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import type { PipelineEvent } from '../pipeline/events.js';
import { DEFAULT_VM_LIMIT, NO_ROLE, NO_TEAM, type Impact, type RespondEvent, type RespondResult } from '../vuln/index.js';
import type { AdvisoryFormat } from '../vuln/read-advisories.js';
import { EXIT_CODES } from '../errors/index.js';
import type { CliContext } from './context.js';
import { emit, table, type OutputOptions } from './output.js';
import { progressRenderer } from './progress.js';

const FORMATS: readonly AdvisoryFormat[] = ['auto', 'osv', 'debian-tracker'];

function formatArg(v: string): AdvisoryFormat {
  if (!(FORMATS as readonly string[]).includes(v)) throw new InvalidArgumentError(`use one of ${FORMATS.join(', ')}`);
  return v as AdvisoryFormat;
}
function intArg(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('must be a positive integer');
  return n;
}

function vmsArg(v: string): number | null {
  if (v === 'all') return null;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('use a positive integer or "all"');
  return n;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(1)}s`;

function impactText(i: Impact): string {
  const a = i.advisory;
  const lines = [`${a.id}${a.aliases.length ? ` (${a.aliases.join(', ')})` : ''}${a.summary ? `: ${a.summary}` : ''}`];
  if (i.related.length) lines.push(`  also described by ${i.related.join(', ')}`);
  lines.push('', `affected image versions: ${i.affectedVersions.length}`);
  for (const v of i.affectedVersions) {
    lines.push(`  ${v.gallery}/${v.image}/${v.version}${v.excludeFromLatest ? '  (excluded from latest)' : ''}`);
    for (const p of v.packages) lines.push(`      ${p.name} ${p.installed} → ${p.fixed ?? (p.lastAffected ? `(no fix; affected up to ${p.lastAffected})` : '(no fix yet)')}${p.source !== p.name ? `   [source ${p.source} ${p.sourceVersion}]` : ''}`);
  }
  if (i.softDeletedVersions.length) {
    lines.push('', `also affected, soft-deleted (no new VM gets them; VMs on them are counted below): ${i.softDeletedVersions.length}`);
    for (const v of i.softDeletedVersions) lines.push(`  ${v.gallery}/${v.image}/${v.version}`);
  }
  lines.push('', `VMs running them: ${i.vmCount}`);
  const listed = new Map<string, string[]>();
  for (const v of i.vms) {
    const key = `${v.team ?? NO_TEAM}\0${v.role ?? NO_ROLE}`;
    listed.set(key, [...(listed.get(key) ?? []), v.name]);
  }
  for (const [team, t] of Object.entries(i.byTeam)) {
    lines.push(`  team ${team}: ${t.vms} VM(s)`);
    for (const [role, n] of Object.entries(t.byRole)) {
      const names = listed.get(`${team}\0${role}`) ?? [];
      lines.push(`    ${role} (${n}): ${names.join(', ')}${names.length < n ? `${names.length ? ', ' : ''}… ${n - names.length} more` : ''}`);
    }
  }
  if (i.vms.length < i.vmCount) lines.push(`  (${i.vms.length} of ${i.vmCount} listed; --vms all lists every one)`);
  return lines.join('\n');
}

function planText(r: RespondResult): string {
  const p = r.plan;
  const lines = [`${r.applied ? 'Response' : 'Plan'} for ${p.advisory.id}${p.cves.length ? ` (${p.cves.join(', ')})` : ''}`, ''];
  lines.push(`exclude from latest (${p.exclude.length}):`);
  for (const e of p.exclude) lines.push(`  ${e.gallery}/${e.image}/${e.version} in ${e.regions.join(', ')}${e.alreadyExcluded ? '  (already excluded)' : ''}`);
  lines.push('', `rebuild out of band (${p.rebuild.length}):`);
  for (const b of p.rebuild) {
    lines.push(`  ${b.gallery}/${b.image} (from ${b.fromVersion}) template ${b.templateFile ?? '?'}`);
    if (b.pins.length) lines.push(`      pins: ${b.pins.join(' ')}`);
    for (const u of b.unpinned) lines.push(`      unpinned ${u.package}: ${u.reason}`);
    if (b.blocked) lines.push(`      BLOCKED: ${b.blocked}`);
  }
  lines.push('', `VMs on affected versions: ${p.vms.length}`);
  if (r.applied) {
    lines.push('', 'timeline:');
    const t0 = Date.parse(r.timeline[0]?.at ?? new Date().toISOString());
    for (const t of r.timeline) lines.push(`  ${t.at}  +${secs(Date.parse(t.at) - t0).padStart(8)}  ${t.step}`);
    for (const b of r.rebuilds) lines.push(`  rebuild ${b.runId}: ${b.state}${b.versionId ? ` → ${b.versionId}${b.stillAffected ? ' (STILL AFFECTED)' : ''}` : ''}${b.error ? ` — ${b.error.code}: ${b.error.message}` : ''}`);
    if (r.totalMs !== undefined) lines.push(`total from import: ${secs(r.totalMs)}`);
    lines.push(r.ok ? 'done' : 'NOT complete: see above');
  } else lines.push('', 'run again with --apply to act on this plan');
  return lines.join('\n');
}

/** `goldsmith cve …`: import advisories, list them, blast radius, and the emergency out-of-band path. */
export function registerCve(program: Command, ctx: CliContext): void {
  const cve = program.command('cve').description('vulnerability advisories (OSV, Debian tracker), blast radius and the emergency rebuild path');

  cve
    .command('import <path>')
    .description('import advisories: an OSV record or array (.json), a directory of them, an OSV ecosystem zip (all.zip), or the Debian Security Tracker JSON')
    .option('--format <format>', 'auto | osv | debian-tracker', formatArg, 'auto')
    .option('--json', 'print JSON')
    .action(async (path: string, o: OutputOptions & { format: AdvisoryFormat }) => {
      const app = await ctx.app();
      const r = await app.vuln.import(path, { format: o.format });
      emit(o, r, () => `imported ${r.advisories} advisory(ies) from ${r.files} file(s) in ${r.durationMs} ms: ${r.inserted} new, ${r.updated} updated, ${r.stale} older than stored (kept)`);
    });

  cve
    .command('list')
    .description('list advisories with packages, fixed versions and how many image versions each affects')
    .option('--package <name>', 'only advisories about this (source) package')
    .option('--limit <n>', 'at most this many, newest first', intArg, 100)
    .option('--json', 'print JSON')
    .action(async (o: OutputOptions & { package?: string; limit: number }) => {
      const app = await ctx.app();
      const list = await app.vuln.list({ limit: o.limit, package: o.package });
      emit(o, list, () =>
        table(
          list.map((a) => ({ id: a.id, aliases: a.aliases.join(','), packages: a.packages.join(','), fixed: a.fixed.map((f) => f.split(' ').pop()).join(','), affected: a.affectedVersions })),
          ['id', 'aliases', 'packages', 'fixed', 'affected'],
        ),
      );
    });

  cve
    .command('impact <id>')
    .description('affected image versions (installed → fixed) and the VMs running them, by team and pet/cattle')
    .option('--vms <n|all>', 'list this many VMs (by team, role, name), or all; counts always cover every VM', vmsArg, DEFAULT_VM_LIMIT)
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions & { vms: number | null }) => {
      const app = await ctx.app();
      const i = await app.vuln.impact(id, { vmLimit: o.vms });
      emit(o, i, () => impactText(i));
    });

  cve
    .command('respond <id>')
    .description('emergency path: print the plan; with --apply exclude affected versions from latest and rebuild them out of band with fixed packages pinned')
    .option('--apply', 'act on the plan')
    .option('--quiet', 'show build steps but not their output')
    .option('--json', 'print progress as NDJSON and the result as the last line')
    .action(async (id: string, o: OutputOptions & { apply?: boolean }) => {
      const app = await ctx.app();
      const build = progressRenderer(o);
      const onEvent = (e: RespondEvent<PipelineEvent>) => {
        if (e.type === 'build') return build(e.event);
        if (o.json) process.stdout.write(JSON.stringify(e) + '\n');
        else process.stderr.write(`${e.at}  ${e.step.padEnd(17)} ${e.message}\n`);
      };
      const r = await app.vuln.respond(id, { apply: o.apply, onEvent });
      if (o.json) process.stdout.write(JSON.stringify(r) + '\n');
      else process.stdout.write(planText(r) + '\n');
      if (!r.ok) process.exitCode = EXIT_CODES.failed;
    });

  cve
    .command('timeline <id>')
    .description('every recorded step of the response to an advisory, timestamped')
    .option('--json', 'print JSON')
    .action(async (id: string, o: OutputOptions) => {
      const app = await ctx.app();
      const t = await app.vuln.timeline(id);
      emit(o, t, () => table(t.map((e) => ({ at: e.at, step: e.step, detail: e.data ? JSON.stringify(e.data).slice(0, 100) : '' }))));
    });
}
