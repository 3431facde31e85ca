import type { BuildPlan } from './plan.js';

/** The plan as a person reads it in a terminal. */
export function renderPlan(plan: BuildPlan): string {
  const r = plan.base.resolved;
  const v = plan.version;
  const lines = [
    `Plan for template ${plan.template}${plan.format === 'azure-image-builder' ? ' (translated from Azure VM Image Builder)' : ''}`,
    `  digest   ${plan.digest}`,
    `  base     ${r.publisher}/${r.offer}/${r.sku} ${r.version}${plan.base.requested.version === 'latest' ? ' (latest)' : ''}${plan.base.bootable ? ', bootable' : ', not bootable (root filesystem only)'}`,
    `  version  ${plan.distribute.gallery}/${plan.distribute.image} ${v.value} (scheme ${v.scheme}${v.major === undefined ? '' : `, major ${v.major}`}${v.currentLatest ? `; latest now ${v.currentLatest}` : ''})`,
    '',
    'Steps:',
  ];
  plan.steps.forEach((s, i) => {
    lines.push(`  ${i + 1}. ${s.step.padEnd(12)} ${s.summary}`);
    for (const it of s.items ?? []) lines.push(`       - ${it.name} [${it.type}] ${it.summary}`);
    for (const it of s.repairs ?? []) lines.push(`       ↻ ${it.name} [${it.type}] ${it.summary}`);
  });
  lines.push('', 'Nothing was changed: planning only reads the catalog and the gallery.');
  return lines.join('\n');
}
