import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { CliContext } from '../../src/cli/context.js';
import { buildProgram } from '../../src/cli/program.js';
import { isGoldsmithError } from '../../src/errors/index.js';
import { noSizeDefinition, putResource, RG, vm } from './fixtures.js';

/** Run one CLI command in-process over a data directory; stdout captured, errors returned. */
async function run(home: string, ...args: string[]): Promise<{ out: string; json: any; error?: unknown }> {
  const ctx = new CliContext({ home });
  const chunks: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((s: string | Uint8Array) => {
    chunks.push(String(s));
    return true;
  }) as typeof process.stdout.write;
  let error: unknown;
  try {
    await buildProgram(ctx).parseAsync(['node', 'goldsmith', ...args]);
  } catch (e) {
    error = e;
  } finally {
    process.stdout.write = write;
    await ctx.close();
  }
  const out = chunks.join('');
  let json: unknown;
  try {
    json = JSON.parse(out);
  } catch {
    json = undefined;
  }
  return { out, json, error };
}

test('goldsmith policy … and compliance … drive definitions, assignments, scans, roll-ups and what-if', async (t) => {
  const home = mkdtempSync(join(tmpdir(), 'gs-compliance-cli-'));
  t.after(() => rmSync(home, { recursive: true, force: true }));
  const ctx = new CliContext({ home });
  const store = await ctx.store();
  await putResource(store, vm('small-1'), false);
  await putResource(store, vm('big-1', { size: 'Standard_M128s' }), false);
  await ctx.close();
  const f = (name: string, v: unknown) => {
    const p = join(home, name);
    writeFileSync(p, JSON.stringify(v));
    return p;
  };

  const bad = await run(home, 'policy', 'definition', 'create', '--file', f('bad.json', { properties: { policyRule: { if: { field: 'type', equalz: 'x' }, then: { effect: 'audit' } } } }), '--name', 'bad');
  assert.ok(isGoldsmithError(bad.error) && bad.error.code === 'POLICY_INVALID' && /^\/properties\/policyRule\/if/.test(bad.error.where ?? ''), String(bad.error));

  const def = await run(home, 'policy', 'definition', 'create', '--file', f('def.json', noSizeDefinition()), '--json');
  assert.equal(def.error, undefined, String(def.error));
  assert.equal(def.json.id, '/providers/Microsoft.Authorization/policyDefinitions/no-big-vms');

  const wrong = await run(home, 'policy', 'assignment', 'create', '--name', 'sizes', '--definition', 'no-big-vms', '--scope', RG, '--params', f('p.json', { size: { value: 1 } }));
  assert.ok(isGoldsmithError(wrong.error) && wrong.error.code === 'POLICY_PARAMETER_INVALID');

  const created = await run(home, 'policy', 'assignment', 'create', '--name', 'sizes', '--definition', 'no-big-vms', '--scope', RG, '--message', 'Pick a smaller size', '--remediation-url', 'https://wiki.example/sizes', '--json');
  assert.equal(created.error, undefined, String(created.error));
  assert.deepEqual(created.json.evaluation.byState, { Compliant: 1, NonCompliant: 1 });

  const scan = await run(home, 'compliance', 'scan', RG, '--json');
  assert.equal(scan.json.results, 2);

  const summary = await run(home, 'compliance', 'summary', '--by', 'team', '--json');
  assert.equal(summary.json.rows[0].key, 'payments');
  assert.equal(summary.json.rows[0].compliancePercentage, 50);

  const list = await run(home, 'compliance', 'list', '--state', 'NonCompliant', '--json');
  assert.equal(list.json.length, 1);
  assert.equal(list.json[0].message, 'Pick a smaller size');
  assert.equal(list.json[0].remediationUrl, 'https://wiki.example/sizes');

  const show = await run(home, 'compliance', 'show', 'small-1');
  assert.match(show.out, /Compliant {2}sizes/);
  assert.match(show.out, /✗ Microsoft\.Compute\/virtualMachines\/sku\.name \(properties\.hardwareProfile\.vmSize\) = "Standard_D2s_v5" {2}equals "Standard_M128s"/);

  const missing = await run(home, 'policy', 'exemption', 'create', '--name', 'e1', '--assignment', 'ghost', '--scope', RG);
  assert.ok(isGoldsmithError(missing.error) && missing.error.code === 'COMPLIANCE_ASSIGNMENT_NOT_FOUND');

  const whatif = await run(home, 'policy', 'whatif', '--assignment', f('draft.json', { name: 'deny-sizes', scope: RG, policyDefinitionId: def.json.id, parameters: { effect: { value: 'Deny' } } }), '--json');
  assert.equal(whatif.error, undefined, String(whatif.error));
  assert.equal(whatif.json.wouldDeny.length, 1);
  assert.equal(whatif.json.before.compliancePercentage, 50);
  const listed = await run(home, 'policy', 'assignment', 'list', '--json');
  assert.deepEqual(listed.json.map((a: { name: string }) => a.name), ['sizes'], 'what-if saved nothing');

  const del = await run(home, 'policy', 'assignment', 'delete', 'sizes');
  assert.equal(del.error, undefined);
  assert.equal((await run(home, 'compliance', 'list', '--json')).json.length, 0);
});
