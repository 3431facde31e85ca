import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normaliseAssignment } from '../../src/compliance/assignments-repo.js';
import { evaluateResource, explain, type LoadedResource } from '../../src/compliance/evaluate-resource.js';
import { AstCache, prepareAssignment, type DefinitionSource, type PreparedAssignment } from '../../src/compliance/prepare.js';
import { ScopeIndex } from '../../src/compliance/scopes.js';
import type { ComplianceResult, DefinitionRecord, ExemptionRecord } from '../../src/compliance/types.js';
import type { Resource } from '../../src/policy/index.js';
import { OTHER_RG, RG, SUB, vm } from './fixtures.js';

const NOW = new Date('2026-06-01T00:00:00Z');
const DEF_ID = '/providers/Microsoft.Authorization/policyDefinitions/';

function definition(name: string, rule: Record<string, unknown>): DefinitionRecord {
  const doc = { id: DEF_ID + name, name, type: 'Microsoft.Authorization/policyDefinitions', properties: { mode: 'All', policyRule: rule } };
  return { id: doc.id, name, scope: '/', policyType: 'Custom', doc };
}

/** Audits a VM when the evaluating assignment's id (policy().assignmentId) contains "flagged". */
const byAssignment = definition('by-assignment', {
  if: { allOf: [{ field: 'type', equals: 'Microsoft.Compute/virtualMachines' }, { value: '[policy().assignmentId]', contains: 'flagged' }] },
  then: { effect: 'audit' },
});
/** Audits every VM (so membership alone decides whether a result exists). */
const everyVm = definition('every-vm', { if: { field: 'type', equals: 'Microsoft.Compute/virtualMachines' }, then: { effect: 'audit' } });

const defs = new Map([byAssignment, everyVm].map((d) => [d.id, d]));
const source: DefinitionSource = {
  definition: async (id) => defs.get(id)!,
  setDefinition: async () => {
    throw new Error('no initiatives here');
  },
};

async function prepare(name: string, defName: string, scope: string, notScopes: string[] = []): Promise<PreparedAssignment> {
  const a = normaliseAssignment({ name, scope, notScopes, policyDefinitionId: DEF_ID + defName }, NOW.toISOString());
  return prepareAssignment(a, source, new AstCache());
}

function loaded(doc: Resource): LoadedResource {
  const idLower = String(doc.id).toLowerCase();
  return { id: String(doc.id), idLower, typeLower: String(doc.type).toLowerCase(), doc, computed: {}, related: [], subscription: SUB, resourceGroup: null, team: null, application: null, role: null, imageVersion: null };
}

const opts = (exemptions: ExemptionRecord[] = []) => ({ scopes: new ScopeIndex(), exemptions, now: NOW, nowIso: NOW.toISOString(), lazy: true });

test('definitions sharing one resource environment each see their own policy() info, also in the lazy trace', async () => {
  const flagged = await prepare('flagged', 'by-assignment', `/subscriptions/${SUB}`);
  const plain = await prepare('plain', 'by-assignment', `/subscriptions/${SUB}`);
  const out: ComplianceResult[] = [];
  // flagged first: its lazy trace is read after plain has reused the environment.
  evaluateResource([flagged, plain], loaded(vm('web-1')), opts(), out);
  assert.deepEqual(out.map((r) => [r.assignmentId.split('/').at(-1), r.state]), [['flagged', 'NonCompliant'], ['plain', 'Compliant']]);
  explain(out[0]!);
  assert.ok(JSON.stringify(out[0]!.trace).includes(flagged.assignment.id), 'the trace re-evaluates policy() with the flagged assignment');
  assert.ok(!JSON.stringify(out[0]!.trace).includes(plain.assignment.id));
});

test('scope and notScopes decide membership per resource, whatever the resource group memo holds', async () => {
  const web = vm('web-1');
  const db = vm('db-1');
  const other = vm('other-1', { rg: OTHER_RG });
  const subWide = await prepare('sub-wide', 'every-vm', `/subscriptions/${SUB}`, [OTHER_RG]);
  const oneVm = await prepare('one-vm', 'every-vm', String(web.id));
  const rgOnly = await prepare('rg-only', 'every-vm', RG);
  const assignments = [subWide, oneVm, rgOnly];
  const o = opts();
  const names = (doc: Resource) => {
    const out: ComplianceResult[] = [];
    evaluateResource(assignments, loaded(doc), o, out);
    return out.map((r) => r.assignmentId.split('/').at(-1)).sort();
  };
  // The same resource group twice in a row: the second answer comes from the memo.
  assert.deepEqual(names(web), ['one-vm', 'rg-only', 'sub-wide']);
  assert.deepEqual(names(db), ['rg-only', 'sub-wide'], 'a resource-scoped assignment is decided per resource');
  assert.deepEqual(names(other), [], 'notScopes excludes the other resource group');
  assert.deepEqual(names(web), ['one-vm', 'rg-only', 'sub-wide']);
});

test('a type filter skips resources the rule cannot match, without a result', async () => {
  const a = await prepare('sub-wide', 'every-vm', `/subscriptions/${SUB}`);
  const ext: Resource = { id: `${RG}/providers/Microsoft.Compute/virtualMachines/web-1/extensions/x`, name: 'x', type: 'Microsoft.Compute/virtualMachines/extensions', location: 'westeurope' };
  const out: ComplianceResult[] = [];
  evaluateResource([a], loaded(ext), opts(), out);
  assert.deepEqual(out, []);
  assert.deepEqual([...a.refs[0]!.types!], ['microsoft.compute/virtualmachines']);
});
